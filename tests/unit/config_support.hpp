#pragma once
// Helpers for the ocelot.json loader tests.

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/ocelot.hpp"

namespace portico::testing {

/// A minimal valid route body for `path`; `extra` is appended as more members ("\"Priority\": 3").
inline std::string route_at(std::string_view path, std::string_view extra = {}) {
  std::string s = R"("UpstreamPathTemplate": ")" + std::string(path) + R"(", "DownstreamPathTemplate": "/a",
                    "DownstreamHostAndPorts": [ { "Host": "a", "Port": 80 } ])";
  if (!extra.empty()) {
    s += ", ";
    s += extra;
  }
  return s;
}

/// route_at("/a", extra).
inline std::string route_body(std::string_view extra = {}) { return route_at("/a", extra); }

/// A document with only GlobalConfiguration.ServerOptions holding `members`.
inline std::string server_options(std::string_view members) {
  return R"({"GlobalConfiguration": {"ServerOptions": {)" + std::string(members) + "}}}";
}

/// {"Routes": [ {route_body(extra)} ]} plus optional more top-level members.
inline std::string one_route(std::string_view extra = {}, std::string_view top = {}) {
  std::string s = "{ \"Routes\": [ { " + route_body(extra) + " } ]";
  if (!top.empty()) {
    s += ", ";
    s += top;
  }
  s += " }";
  return s;
}

/// {"Routes": [ ...bodies... ]} from complete route bodies.
inline std::string routes(const std::vector<std::string>& bodies, std::string_view top = {}) {
  std::string s = "{ \"Routes\": [ ";
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (i) s += ", ";
    s += "{ " + bodies[i] + " }";
  }
  s += " ]";
  if (!top.empty()) {
    s += ", ";
    s += top;
  }
  s += " }";
  return s;
}

/// Loads and requires success, printing the error otherwise.
inline config::OcelotConfig load_ok(std::string_view json, const FilterRegistry& filters = {}) {
  auto r = config::load_ocelot(json, filters);
  INFO(json);
  if (!r) FAIL("unexpected error: " << r.error().to_string());
  return std::move(r).value();
}

/// Loads and requires failure.
inline Error load_error(std::string_view json, const FilterRegistry& filters = {}) {
  auto r = config::load_ocelot(json, filters);
  INFO(json);
  REQUIRE_FALSE(r.has_value());
  return std::move(r).error();
}

/// The `where` of every warning, in order.
inline std::vector<std::string> warning_paths(const config::OcelotConfig& c) {
  std::vector<std::string> out;
  for (const auto& w : c.warnings) out.push_back(w.where);
  return out;
}

/// The message of the warning at `where` ("" if none).
inline std::string warning_at(const config::OcelotConfig& c, std::string_view where) {
  for (const auto& w : c.warnings)
    if (w.where == where) return w.message;
  return {};
}

/// The inline upstream a loaded route carries; requires there is one.
inline const Upstream& upstream_of(const Route& r) {
  REQUIRE(r.inline_upstream().has_value());
  return *r.inline_upstream();
}

/// Checks every ServerOptions field against `expected`, one CHECK each.
inline void check_server_options(const ServerOptions& o, const ServerOptions& expected) {
  CHECK(o.max_request_line_bytes == expected.max_request_line_bytes);
  CHECK(o.max_header_bytes == expected.max_header_bytes);
  CHECK(o.max_header_count == expected.max_header_count);
  CHECK(o.max_body_bytes == expected.max_body_bytes);
  CHECK(o.request_head_timeout == expected.request_head_timeout);
  CHECK(o.request_body_timeout == expected.request_body_timeout);
  CHECK(o.keep_alive_idle_timeout == expected.keep_alive_idle_timeout);
  CHECK(o.idle_park_after == expected.idle_park_after);
  CHECK(o.upstream_connect_timeout == expected.upstream_connect_timeout);
  CHECK(o.upstream_timeout == expected.upstream_timeout);
  CHECK(o.drain_timeout == expected.drain_timeout);
  CHECK(o.max_connections == expected.max_connections);
  CHECK(o.max_in_flight_per_loop == expected.max_in_flight_per_loop);
  CHECK(o.max_upstream_header_bytes == expected.max_upstream_header_bytes);
  CHECK(o.trusted_proxies == expected.trusted_proxies);
  CHECK(o.encoded_slashes == expected.encoded_slashes);
  CHECK(o.request_id_header == expected.request_id_header);
  CHECK(o.via == expected.via);
  // The edge's parsing and rejection settings.
  CHECK(o.max_header_line_bytes == expected.max_header_line_bytes);
  CHECK(o.request_buffer_bytes == expected.request_buffer_bytes);
  CHECK(o.underscores_in_headers == expected.underscores_in_headers);
  CHECK(o.allow_trace == expected.allow_trace);
  CHECK(o.rejected_log_level == expected.rejected_log_level);
  CHECK(o.rejected_log_per_second == expected.rejected_log_per_second);
  CHECK(o.forward_client_host == expected.forward_client_host);
  CHECK(o.set_x_real_ip == expected.set_x_real_ip);
  CHECK(o.upstream_max_idle_per_endpoint == expected.upstream_max_idle_per_endpoint);
  CHECK(o.upstream_idle_timeout == expected.upstream_idle_timeout);
  CHECK(o.upstream_max_requests_per_connection == expected.upstream_max_requests_per_connection);
  CHECK(o.upstream_max_connections_per_endpoint == expected.upstream_max_connections_per_endpoint);
}

/// Path of a fixture file under tests/fixtures/ocelot.
inline std::string fixture(std::string_view name) {
  return std::string(PORTICO_FIXTURES_DIR) + "/ocelot/" + std::string(name);
}

}  // namespace portico::testing
