// The API-key filter and the authorization filters through the harness.
#include <catch2/catch.hpp>

#include "portico/filters/api_key.hpp"
#include "portico/filters/authorization.hpp"
#include "portico/testing/filter_harness.hpp"

using namespace portico;
using portico::testing::FilterHarness;

namespace {

// SHA-256 of "bob-key-0123456789", hex.
constexpr const char* kBobSha256 = "b2b5e0f3b6a1d1c6f7f9d3f2b6c5a0e2f0b3c6d3a5e1f2c7b9d0a4e6f8c1b3d5";

filters::ApiKeyConfig keys() {
  filters::ApiKeyConfig c;
  c.name = "Keys";
  c.keys = {{.key = "alice-key-0123456789", .consumer = "alice"},
            {.key_sha256 = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", .consumer = "test"}};
  return c;
}

FilterPtr make(filters::ApiKeyConfig c) {
  auto f = filters::make_api_key(std::move(c));
  if (!f) FAIL(f.error().to_string());
  return *f;
}

}  // namespace

TEST_CASE("api key: a listed key gives its consumer; the key is removed before forwarding", "[filters][api_key]") {
  auto f = make(keys());
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
  FilterHarness h(make(keys()));
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
  auto c = keys();
  c.header = "";
  c.query_parameter = "apikey";
  FilterHarness h(make(c));
  h.request("GET", "/x?apikey=alice%2Dkey-0123456789&q=1");
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().identity()->consumer == "alice");
  CHECK(h.run_upstream_request(Request::make("GET", "/x?apikey=alice%2Dkey-0123456789&q=1")).target == "/x?q=1");
  h.request("GET", "/x?apikey=%zz");
  CHECK(h.run_request().responded());

  c = keys();
  c.forward_key = true;
  FilterHarness keep(make(c));
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
  auto both = keys();
  both.keys[0].key_sha256 = kBobSha256;
  check(both, "keys[0]");
  auto bad_hex = keys();
  bad_hex.keys[1].key_sha256 = "9f86";
  check(bad_hex, "keys[1].key_sha256");
  auto no_consumer = keys();
  no_consumer.keys[0].consumer = "";
  check(no_consumer, "keys[0].consumer");
  auto dup = keys();
  dup.keys.push_back({.key = "test", .consumer = "again"});
  check(dup, "keys[2]");
  auto nowhere = keys();
  nowhere.header = "";
  check(nowhere, "header");
}

TEST_CASE("authentication: the first provider that authenticates wins", "[filters][auth]") {
  auto api = make(keys());
  auto other = keys();
  other.name = "Partner";
  other.header = "X-Partner-Key";
  other.keys = {{.key = "partner-key-0123456789", .consumer = "partner"}};
  auto partner = make(other);
  auto f = filters::make_authentication({api, partner});
  REQUIRE(f);
  FilterHarness h(*f);
  h.request("GET", "/", {{"X-Partner-Key", "partner-key-0123456789"}});
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().identity()->provider == "Partner");

  h.request("GET", "/", {{"X-Api-Key", "wrong"}, {"X-Partner-Key", "partner-key-0123456789"}});
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().identity()->consumer == "partner");

  h.request("GET", "/");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);
  CHECK(o.response->headers.get_all("WWW-Authenticate").size() == 2);

  auto not_provider = filters::make_authentication({request_filter("x", [](Exchange&) { return FilterResult::next(); })});
  REQUIRE_FALSE(not_provider);
  CHECK(not_provider.error().where == "providers[0]");
}

TEST_CASE("authorization: scopes (scope or scp), claim values, predicate; 401 without identity, else 403",
          "[filters][auth]") {
  auto f = filters::make_authorization({.allowed_scopes = {"orders.write", "orders.read"},
                                        .required_claims = {{"role", "admin"}}});
  REQUIRE(f);
  CHECK((*f)->phase() == Phase::Authorization);
  FilterHarness h(*f);
  h.request("GET", "/");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);

  auto with = [&](std::vector<std::pair<std::string, std::string>> claims) {
    h.request("GET", "/").identity(Identity{.consumer = "alice", .provider = "Bearer", .claims = std::move(claims)});
    return h.run_request();
  };
  CHECK(with({{"scope", "profile orders.read"}, {"role", "user"}, {"role", "admin"}}).next());
  CHECK(with({{"scp", "orders.write"}, {"role", "admin"}}).next());
  o = with({{"scope", "orders.readonly"}, {"role", "admin"}});
  REQUIRE(o.responded());
  CHECK(o.response->status == 403);
  CHECK(o.response->headers.get("WWW-Authenticate") == "Bearer error=\"insufficient_scope\"");
  o = with({{"scope", "orders.read"}, {"role", "Admin"}});
  REQUIRE(o.responded());
  CHECK(o.response->status == 403);
  CHECK_FALSE(o.response->headers.has("WWW-Authenticate"));

  auto pred = filters::make_authorization({.predicate = [](const Identity& id) { return id.consumer == "alice"; }});
  REQUIRE(pred);
  FilterHarness p(*pred);
  p.request("GET", "/").identity(Identity{.consumer = "alice"});
  CHECK(p.run_request().next());
  p.request("GET", "/").identity(Identity{.consumer = "bob"});
  CHECK(p.run_request().response->status == 403);
}
