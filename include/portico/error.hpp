#pragma once
/// Errors and results: config-time validation returns Result<T>; the data plane maps Errc to a status.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace portico {

/// What went wrong. Config errors and engine failures share one enum so one table maps them.
enum class Errc {
  InvalidConfig,      ///< a config value is wrong (where names the JSON path or the builder call)
  InvalidArgument,    ///< an API argument is wrong
  Unsupported,        ///< asked for a feature this build cannot give
  Io,                 ///< a file or socket operation failed at config time
  NoRoute,            ///< no route matched (404)
  BadRequest,         ///< the client sent something invalid (400)
  BodyTooLarge,       ///< request body over the limit (413)
  RequestTimeout,     ///< the client's request body stopped arriving (408)
  NoHealthyEndpoint,  ///< the upstream has no endpoint to send to (503)
  Overloaded,         ///< a concurrency cap was hit (503)
  ConnectFailed,      ///< upstream refused or unreachable (502)
  UpstreamReset,      ///< upstream closed or reset before a full response (502)
  UpstreamProtocol,   ///< upstream sent invalid HTTP (502)
  UpstreamTimeout,    ///< connect, attempt or route deadline passed (504)
  FilterThrew,        ///< a user filter threw or failed to complete (500)
  FilterTimeout,      ///< a deferred or blocking filter did not finish by the filter deadline (504)
  Internal,           ///< a bug in Portico (500)
};

/// A stable lower-case name for an Errc ("upstream_timeout"), used in logs and problem bodies.
std::string_view to_string(Errc code) noexcept;

/// The one table from engine failures to HTTP status codes (NoRoute→404, UpstreamTimeout→504, …).
int status_for(Errc code) noexcept;
/// What a client is told for `code` in a gateway-made error body ("the upstream did not answer in
/// time"); the full message goes to the log only, so internal addresses never leak.
std::string_view public_detail(Errc code) noexcept;

/// An error with where it happened: a JSON path (`Routes[3].DownstreamHostAndPorts[0].Port`) or an API name.
struct Error {
  Errc code = Errc::Internal;
  std::string message;
  std::string where;

  /// "where: message" (or just the message when where is empty).
  std::string to_string() const;
};

/// A value or an Error; a small subset of std::expected. Returned by everything that validates.
template <class T = void>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!has_value()); return std::get<1>(v_); }
  Error&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

/// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

/// Shorthand for building an Error.
inline Error make_error(Errc code, std::string message, std::string where = {}) {
  return Error{code, std::move(message), std::move(where)};
}

}  // namespace portico
