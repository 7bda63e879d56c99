#pragma once
// Internal: the compiled router. Built once per config snapshot from the Routes (no std::regex),
// then matched concurrently from every loop without locks or (in the common case) allocation.

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portico/error.hpp"
#include "portico/http.hpp"
#include "portico/route.hpp"

namespace portico::detail {

/// One captured placeholder: its name (owned by the compiled route) and value (a view into the
/// request's path, query or a header value). Names of header captures are "header:x".
struct Capture {
  std::string_view name;
  std::string_view value;
};

/// Captures of one match; inline storage for the common case, spills to the heap past 16.
class Captures {
 public:
  void clear() noexcept { size_ = 0; overflow_.clear(); }
  void push(std::string_view name, std::string_view value);
  std::size_t size() const noexcept { return size_ + overflow_.size(); }
  const Capture& operator[](std::size_t i) const noexcept {
    return i < kInline ? inline_[i] : overflow_[i - kInline];
  }
  /// The value for `name`, or nullptr.
  const std::string_view* find(std::string_view name) const noexcept;

 private:
  static constexpr std::size_t kInline = 16;
  std::array<Capture, kInline> inline_{};
  std::size_t size_ = 0;
  std::vector<Capture> overflow_;
};

/// The result of a successful match.
struct RouteMatch {
  std::size_t index = 0;  // into the routes given to Router::build, in declaration order
  Captures captures;
};

/// The router for one snapshot. Ordering (Ocelot): higher priority first; at equal priority a
/// route with a host beats one without; then declaration order. A lone `/{catchall}` template
/// defaults to priority 0, every other route to 1.
class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  /// Compiles every route (config time, any thread). Errors are Errc::InvalidConfig with `where` =
  /// "routes[<i>].<field>", i the index in `routes` and field one of path, rewrite, host[<k>],
  /// method[<k>], header[<k>], query[<k>], header_templates[<name>] (the ocelot loader maps these
  /// to JSON paths): bad template syntax, duplicated placeholders, uncaptured rewrite placeholders.
  static Result<Router> build(const std::vector<Route>& routes);

  /// Finds the route for `request` (method, Host, normalized path, query, headers). On success
  /// fills `out` (captures are views into `request`, valid while it is unchanged, and names owned
  /// by this Router). Lock-free and allocation-free up to 16 captures; call from any thread.
  bool match(const Request& request, RouteMatch& out) const;

  /// The upstream request-target (path and query) for a match, following Ocelot: placeholders
  /// substituted into the rewrite template (or the request path kept when there is none); the
  /// upstream query forwarded, minus parameters named like a placeholder; a query in the rewrite
  /// template placed first, then the remaining upstream parameters not already present; a trailing
  /// '/' produced by substitution trimmed when the request path had none.
  /// Header and query captures substituted into the rewrite path are percent-encoded ('/' too),
  /// and a request whose such capture is a dot segment ("..") does not match at all.
  std::string downstream_target(const RouteMatch& match, const Request& request) const;

  /// How many routes were compiled.
  std::size_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico::detail
