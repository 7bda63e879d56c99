// The request-id filter through the harness.
#include <catch2/catch.hpp>

#include "portico/filters/request_id.hpp"
#include "portico/testing/filter_harness.hpp"

using namespace portico;
using portico::testing::FilterHarness;

TEST_CASE("request id: a valid client value is kept, forwarded and returned", "[filters][request_id]") {
  auto f = filters::make_request_id({.header = "Oc-RequestId"});
  REQUIRE(f);
  CHECK((*f)->phase() == Phase::Edge);
  FilterHarness h(*f);
  h.request("GET", "/", {{"oc-requestid", "7c9e6679-7425-40de-944b-e07fc1f90ae7"}}).request_id("generated-1");
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().request_id() == "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  auto up = h.run_upstream_request(Request::make("GET", "/", {{"Oc-RequestId", "stale"}}));
  CHECK(up.headers.get_all("Oc-RequestId") == std::vector<std::string_view>{"7c9e6679-7425-40de-944b-e07fc1f90ae7"});
  auto res = h.run_response(Response::text(200, "ok"));
  CHECK(res.headers.get("Oc-RequestId") == "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  auto err = h.run_error(make_error(Errc::ConnectFailed, "down"));
  CHECK(err.headers.get("Oc-RequestId") == "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  CHECK(err.body.find("7c9e6679-7425-40de-944b-e07fc1f90ae7") != std::string::npos);
}

TEST_CASE("request id: a missing or unacceptable value is replaced by the gateway's", "[filters][request_id]") {
  auto f = filters::make_request_id({.header = "X-Correlation-Id", .return_on_response = false});
  REQUIRE(f);
  FilterHarness h(*f);
  for (const char* bad : {"", "has space", "\x01"}) {
    INFO(bad);
    Headers headers;
    if (*bad) headers.add("X-Correlation-Id", bad);
    h.request("GET", "/", headers).request_id("gw-42");
    REQUIRE(h.run_request().next());
    CHECK(h.exchange().request_id() == "gw-42");
    CHECK(h.run_upstream_request(Request::make("GET", "/")).headers.get("X-Correlation-Id") == "gw-42");
    CHECK_FALSE(h.run_response(Response::text(200, "ok")).headers.has("X-Correlation-Id"));
  }
  h.request("GET", "/", {{"X-Correlation-Id", std::string(129, 'a')}}).request_id("gw-43");
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().request_id() == "gw-43");
}

TEST_CASE("request id: the header must be a token", "[filters][request_id]") {
  auto f = filters::make_request_id({.header = "Bad Header"});
  REQUIRE_FALSE(f);
  CHECK(f.error().where == "header");
}
