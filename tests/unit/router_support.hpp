#pragma once
// Helpers for the router unit tests (tests/unit/router_*.cpp).

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/router.hpp"
#include "portico/http.hpp"
#include "portico/route.hpp"

namespace portico::testing {

/// A request as the codec would hand it to the router: `target` split into path and query at the
/// first '?', bytes kept as given.
inline Request make_request(std::string method, std::string_view target, Headers headers = {}) {
  Request r;
  r.method = std::move(method);
  r.target = std::string(target);
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  r.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  r.headers = std::move(headers);
  return r;
}

/// Builds a router and requires success, printing the error otherwise.
inline detail::Router build(const std::vector<Route>& routes) {
  auto r = detail::Router::build(routes);
  INFO((r ? std::string() : r.error().to_string()));
  REQUIRE(r.has_value());
  return std::move(r).value();
}

/// The captures of a match as "name=value|name=value", in capture order ("" when there are none).
inline std::string captures_text(const detail::RouteMatch& m) {
  std::string out;
  for (std::size_t i = 0; i < m.captures.size(); ++i) {
    if (i) out += '|';
    out += m.captures[i].name;
    out += '=';
    out += m.captures[i].value;
  }
  return out;
}

}  // namespace portico::testing
