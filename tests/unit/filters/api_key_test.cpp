// The API-key filter through the harness.
#include <catch2/catch.hpp>

#include "portico/filters/api_key.hpp"
#include "portico/testing/filter_harness.hpp"
#include "unit/filters/api_key_support.hpp"

using namespace portico;
using portico::testing::FilterHarness;
using portico::testing::api_keys;
using portico::testing::make_provider;

namespace {
// SHA-256 of "bob-key-0123456789", hex.
constexpr const char* kBobSha256 = "b2b5e0f3b6a1d1c6f7f9d3f2b6c5a0e2f0b3c6d3a5e1f2c7b9d0a4e6f8c1b3d5";
}  // namespace


TEST_CASE("api key: a listed key gives its consumer; the key is removed before forwarding", "[filters][api_key]") {
  auto f = make_provider(api_keys());
  CHECK(f->phase() == Phase::Authentication);
  FilterHarness h(f);
  h.request("GET", "/", {{"X-Api-Key", "alice-key-0123456789"}});
  REQUIRE(h.run_request().next());
  REQUIRE(h.exchange().identity());
  CHECK(h.exchange().identity()->consumer == "alice");
  CHECK(h.exchange().identity()->provider == "Keys");
  CHECK_FALSE(h.exchange().request().headers.has("X-Api-Key"));

  h.request("GET", "/", {{"x-api-key", "test"}});  // SHA-256("test") is 9f86…0a08, given in upper case
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().identity()->consumer == "test");
}

TEST_CASE("api key: missing, unknown and doubled keys get 401 without the key echoed", "[filters][api_key]") {
  FilterHarness h(make_provider(api_keys()));
  h.request("GET", "/");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);
  CHECK(o.response->headers.get("WWW-Authenticate") == "ApiKey header=\"X-Api-Key\"");

  h.request("GET", "/", {{"X-Api-Key", "alice-key-0123456788"}});
  o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);
  CHECK(o.response->body.find("alice-key") == std::string::npos);
  CHECK(h.exchange().identity() == nullptr);

  h.request("GET", "/", {{"X-Api-Key", "alice-key-0123456789"}, {"X-Api-Key", "test"}});
  o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);
}

TEST_CASE("api key: from a query parameter, percent-decoded, removed upstream unless forwarded", "[filters][api_key]") {
  auto c = api_keys();
  c.header = "";
  c.query_parameter = "apikey";
  FilterHarness h(make_provider(c));
  h.request("GET", "/x?apikey=alice%2Dkey-0123456789&q=1");
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().identity()->consumer == "alice");
  CHECK(h.run_upstream_request(Request::make("GET", "/x?apikey=alice%2Dkey-0123456789&q=1")).target == "/x?q=1");
  h.request("GET", "/x?apikey=%zz");
  CHECK(h.run_request().responded());

  c = api_keys();
  c.forward_key = true;
  FilterHarness keep(make_provider(c));
  keep.request("GET", "/", {{"X-Api-Key", "alice-key-0123456789"}});
  REQUIRE(keep.run_request().next());
  CHECK(keep.exchange().request().headers.has("X-Api-Key"));
}

TEST_CASE("api key: configuration errors name the field", "[filters][api_key]") {
  auto check = [](filters::ApiKeyConfig c, const char* where) {
    auto f = filters::make_api_key(std::move(c));
    INFO(where);
    REQUIRE_FALSE(f);
    CHECK(f.error().where == where);
  };
  filters::ApiKeyConfig empty;
  check(empty, "keys");
  auto both = api_keys();
  both.keys[0].key_sha256 = kBobSha256;
  check(both, "keys[0]");
  auto bad_hex = api_keys();
  bad_hex.keys[1].key_sha256 = "9f86";
  check(bad_hex, "keys[1].key_sha256");
  auto no_consumer = api_keys();
  no_consumer.keys[0].consumer = "";
  check(no_consumer, "keys[0].consumer");
  auto dup = api_keys();
  dup.keys.push_back({.key = "test", .consumer = "again"});
  check(dup, "keys[2]");
  auto nowhere = api_keys();
  nowhere.header = "";
  check(nowhere, "header");
}
