#pragma once
/// Portico's own HTTP message types: Headers, Request, Response. No Asio or cpp-httplib types here.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico {

/// ASCII case-insensitive equality, as HTTP field names compare. Inline: most calls differ in
/// length and return at the first check.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    const auto lx = static_cast<unsigned char>(x | 0x20);
    if (lx != (y | 0x20) || lx < 'a' || lx > 'z') return false;
  }
  return true;
}

/// One header field exactly as received or set: original name spelling, value bytes untouched.
struct HeaderField {
  std::string name;
  std::string value;
};

/// What to do with `%2F` / `%5C` in a request path.
enum class EncodedSlashes {
  Reject,  ///< 400 (default): the safest, as a path the gateway and the upstream may split differently
  Keep,    ///< keep them encoded: not a segment separator for routing, forwarded as `%2F`
};

/// What to do with a request header field whose name contains `_` (`X_Forwarded_For`): a backend
/// that folds `_` to `-` would read it as another field (`Transfer_Encoding`, spoofed identities).
enum class UnderscoreHeaders {
  Drop,    ///< remove the field before filters and the upstream see it (default, as nginx)
  Reject,  ///< answer 400 and close
  Pass,    ///< keep and forward it
};

/// An ordered list of header fields. Keeps order, name spelling and repeated fields; lookup is
/// case-insensitive. Values are bytes: never decoded, never re-spelled.
class Headers {
 public:
  using const_iterator = std::vector<HeaderField>::const_iterator;

  Headers() = default;
  Headers(std::initializer_list<HeaderField> fields) : fields_(fields) {}

  /// Appends a field (a repeated name stays repeated).
  void add(std::string name, std::string value);
  /// Replaces every field named `name` with one field (appended if it was absent).
  void set(std::string_view name, std::string value);
  /// Removes every field named `name`; returns how many were removed.
  std::size_t remove(std::string_view name);
  /// The first value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  /// Every value of `name`, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  /// True when at least one field is named `name`.
  bool has(std::string_view name) const;
  /// How many fields are named `name`.
  std::size_t count(std::string_view name) const;

  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  void clear() noexcept { fields_.clear(); }
  void reserve(std::size_t n) { fields_.reserve(n); }
  const_iterator begin() const noexcept { return fields_.begin(); }
  const_iterator end() const noexcept { return fields_.end(); }
  const HeaderField& operator[](std::size_t i) const { return fields_[i]; }
  /// Mutable access to the fields (filters that rewrite values in place).
  std::vector<HeaderField>& fields() noexcept { return fields_; }
  const std::vector<HeaderField>& fields() const noexcept { return fields_; }

 private:
  std::vector<HeaderField> fields_;
};

/// A request as the gateway received it (or as a host builds it for Gateway::handle).
/// `target` holds the request-target bytes as received; `path` is the normalized path used for
/// routing and auth (unreserved characters decoded, dot segments removed, slashes merged, other
/// percent-escapes kept encoded); `query` is the raw query without the '?'.
struct Request {
  std::string method = "GET";
  std::string target = "/";
  std::string path = "/";
  std::string query;
  int version = 11;  ///< 10 for HTTP/1.0, 11 for HTTP/1.1
  Headers headers;
  std::string body;  ///< the whole body when it was buffered (see Filter::request_body_limit)
  std::string remote_address;  ///< the peer's IP address as text
  std::uint16_t remote_port = 0;
  bool secure = false;  ///< arrived over TLS

  /// The Host header's host part, lower-cased, without the port ("" if absent).
  std::string host() const;
  /// The first value of query parameter `name` (raw, still percent-encoded), or nullopt.
  std::optional<std::string_view> query_param(std::string_view name) const;
  /// The value of cookie `name` from the Cookie header(s), or nullopt.
  std::optional<std::string_view> cookie(std::string_view name) const;

  /// Builds a request from a method and a target ("/a/b?x=1"); path is normalized like the engine
  /// does. For tests and hosts calling Gateway::handle.
  static Request make(std::string method, std::string target, Headers headers = {}, std::string body = {});
};

/// A response, from an upstream or made by the gateway or a filter.
struct Response {
  int status = 200;
  std::string reason;  ///< empty: the standard phrase for `status`
  Headers headers;
  std::string body;

  /// A text/plain response.
  static Response text(int status, std::string body);
  /// An application/json response; `body` must already be JSON.
  static Response json(int status, std::string body);
  /// An application/problem+json response (RFC 9457) with title and detail and the request id.
  static Response problem(int status, std::string_view detail, std::string_view request_id = {});
};

/// The standard reason phrase for a status code ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status) noexcept;

/// True for methods RFC 9110 calls idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE).
bool is_idempotent(std::string_view method) noexcept;

}  // namespace portico
