// Authentication (several providers, the first that authenticates wins), authorization (scopes,
// claim values, a predicate) and claims transforms (src/filters/auth) through the harness.
#include <catch2/catch.hpp>

#include "portico/filters/api_key.hpp"
#include "portico/filters/authorization.hpp"
#include "portico/filters/claims_transform.hpp"
#include "portico/testing/filter_harness.hpp"
#include "unit/filters/api_key_support.hpp"

using namespace portico;
using portico::testing::FilterHarness;
using portico::testing::api_keys;
using portico::testing::make_provider;

TEST_CASE("authentication: the first provider that authenticates wins", "[filters][auth]") {
  auto api = make_provider(api_keys());
  auto other = api_keys();
  other.name = "Partner";
  other.header = "X-Partner-Key";
  other.keys = {{.key = "partner-key-0123456789", .consumer = "partner"}};
  auto partner = make_provider(other);
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

TEST_CASE("claims transforms: Ocelot's selector syntax", "[filters][claims]") {
  auto s = filters::parse_claim_selector("Claims[sub] > value[1] > |");
  REQUIRE(s);
  CHECK(s->claim == "sub");
  CHECK(s->index == 1u);
  CHECK(s->delimiter == "|");
  s = filters::parse_claim_selector("Claims[LocationId]>value");
  REQUIRE(s);
  CHECK(s->claim == "LocationId");
  CHECK_FALSE(s->index);
  for (const char* bad : {"", "Claims[]", "sub > value", "Claims[sub] > val", "Claims[sub] > value[x] > |",
                          "Claims[sub] > value[1]", "Claims[sub] > value > |", "Claims[sub] > value[1] > | > x"}) {
    INFO(bad);
    CHECK_FALSE(filters::parse_claim_selector(bad));
  }
}

TEST_CASE("claims transforms: headers (client's removed first), queries and claims; 403 when a claim is missing",
          "[filters][claims]") {
  auto sel = [](const char* t) { return filters::parse_claim_selector(t).value(); };
  auto f = filters::make_claims_transform({.headers = {{"X-User", sel("Claims[sub] > value")},
                                                       {"X-Tenant", sel("Claims[sub] > value[1] > |")}},
                                           .claims = {{"tenant", sel("Claims[sub] > value[1] > |")}},
                                           .queries = {{"user_id", sel("Claims[sub] > value")}}});
  REQUIRE(f);
  CHECK((*f)->phase() == Phase::Transform);
  FilterHarness h(*f);
  h.request("GET", "/x?user%5Fid=forged&q=1", {{"X-User", "forged"}, {"x-tenant", "forged"}})
      .identity(Identity{.consumer = "alice", .claims = {{"sub", "alice|acme|eu"}}});
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().request().headers.get_all("X-User") == std::vector<std::string_view>{"alice|acme|eu"});
  CHECK(h.exchange().request().headers.get_all("X-Tenant") == std::vector<std::string_view>{"acme"});
  CHECK(h.exchange().identity()->has_claim("tenant", "acme"));
  auto up = h.run_upstream_request(Request::make("GET", "/x?user%5Fid=forged&q=1"));  // %5F is "_"
  CHECK(up.target == "/x?q=1&user_id=alice%7Cacme%7Ceu");

  h.request("GET", "/").identity(Identity{.consumer = "bob", .claims = {{"sub", "bob"}}});  // no piece [1]
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 403);
  h.request("GET", "/");
  o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);

  auto bad = filters::make_claims_transform({.headers = {{"Transfer-Encoding", sel("Claims[sub] > value")}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where == "headers[0]");
}
