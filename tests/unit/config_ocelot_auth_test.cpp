// ocelot.json authentication: GlobalConfiguration.AuthenticationProviders, a route's
// AuthenticationOptions and RouteClaimsRequirement, loaded through the section table.

#include <catch2/catch.hpp>

#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

std::string keys_dir() { return std::string(PORTICO_JWT_FIXTURES_DIR) + "/keys/"; }

// GlobalConfiguration with a JWT provider "Bearer" (RS256, the fixture key) and an API-key provider "Keys".
std::string providers(std::string_view extra_bearer = {}) {
  std::string s = R"("GlobalConfiguration": {"AuthenticationProviders": {
      "Bearer": {"Type": "Jwt", "Issuer": "https://id.example", "Audiences": ["orders"], "Algorithms": ["RS256"],
                 "PublicKeyFile": ")" + keys_dir() + R"(rsa.pem")";
  if (!extra_bearer.empty()) {
    s += ", ";
    s += extra_bearer;
  }
  s += R"(},
      "Keys": {"Type": "ApiKey", "Keys": [{"Key": "alice-key-0123456789", "Consumer": "alice"},
               {"KeySha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "Consumer": "bob"}]}}})";
  return s;
}

}  // namespace

TEST_CASE("ocelot auth: a route naming providers gets one authentication filter", "[config][ocelot][auth]") {
  auto c = load_ok(routes({route_at("/a", R"("AuthenticationOptions": {"AuthenticationProviderKeys": ["Bearer", "Keys"],
                                                                        "AllowedScopes": ["orders.read"]},
                                            "RouteClaimsRequirement": {"role": "admin"})"),
                           route_at("/b")},
                          providers()));
  CHECK(c.warnings.empty());
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  CHECK(c.config.routes()[0].filters()[0]->name() == "authentication");
  CHECK(c.config.routes()[0].filters()[0]->phase() == Phase::Authentication);
  CHECK(c.config.routes()[1].filters().empty());
}

TEST_CASE("ocelot auth: a route naming an unknown provider is an error at its path", "[config][ocelot][auth]") {
  auto e = load_error(one_route(R"("AuthenticationOptions": {"AuthenticationProviderKeys": ["Keys", "Nope"]})",
                                providers()));
  CHECK(e.where == "Routes[0].AuthenticationOptions.AuthenticationProviderKeys[1]");
  CHECK_THAT(e.message, Catch::Contains("\"Nope\" names no provider") && Catch::Contains("known: Bearer, Keys"));

  // Ocelot files name .NET schemes the file cannot define: refused, never served open.
  auto r = config::load_ocelot_file(std::string(PORTICO_FIXTURES_DIR) + "/ocelot/refused_authentication.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().where == "Routes[1].AuthenticationOptions.AuthenticationProviderKey");
  CHECK_THAT(r.error().message, Catch::Contains("it defines none"));
}

TEST_CASE("ocelot auth: scopes or claims without a provider are errors", "[config][ocelot][auth]") {
  auto e = load_error(one_route(R"("AuthenticationOptions": {"AllowedScopes": ["orders.read"]})"));
  CHECK(e.where == "Routes[0].AuthenticationOptions.AllowedScopes");
  e = load_error(one_route(R"("RouteClaimsRequirement": {"Role": "Admin"})"));
  CHECK(e.where == "Routes[0].RouteClaimsRequirement");
  e = load_error(one_route(R"("AuthenticationOptions": {"AllowedScopes": "read"})"));
  CHECK(e.where == "Routes[0].AuthenticationOptions.AllowedScopes");
  // Naming nothing asks for nothing (Ocelot serves such a route unauthenticated).
  auto c = load_ok(one_route(R"("AuthenticationOptions": {"AuthenticationProviderKey": "", "AllowedScopes": []},
                                "RouteClaimsRequirement": {})"));
  CHECK(c.config.routes()[0].filters().empty());
  CHECK(c.warnings.empty());
}

TEST_CASE("ocelot auth: GlobalConfiguration.AuthenticationOptions, RouteKeys and AllowAnonymous",
          "[config][ocelot][auth]") {
  std::string global = providers();
  global.pop_back();  // reopen GlobalConfiguration
  global += R"(, "AuthenticationOptions": {"AuthenticationProviderKey": "Keys", "RouteKeys": ["secured"]}})";
  auto c = load_ok(routes({route_at("/a", R"("Key": "secured")"), route_at("/b", R"("Key": "open")"),
                           route_at("/c", R"("Key": "secured2", "AuthenticationOptions": {"AuthenticationProviderKey": "Bearer"})")},
                          global));
  CHECK(c.config.routes()[0].filters().size() == 1);
  CHECK(c.config.routes()[1].filters().empty());
  CHECK(c.config.routes()[2].filters().size() == 1);

  std::string all = providers();
  all.pop_back();
  all += R"(, "AuthenticationOptions": {"AuthenticationProviderKey": "Keys"}})";
  c = load_ok(routes({route_at("/a"), route_at("/b", R"("AuthenticationOptions": {"AllowAnonymous": true})")}, all));
  CHECK(c.config.routes()[0].filters().size() == 1);
  CHECK(c.config.routes()[1].filters().empty());

  auto e = load_error(one_route(R"("AuthenticationOptions": {"AuthenticationProviderKey": "Keys", "RouteKeys": ["x"]})",
                                providers()));
  CHECK(e.where == "Routes[0].AuthenticationOptions.RouteKeys");

  // A global provider name that names nothing fails at its own path, for the routes it covers.
  e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationOptions": {"AuthenticationProviderKeys": ["Bearer"]}})"));
  CHECK(e.where == "GlobalConfiguration.AuthenticationOptions.AuthenticationProviderKeys[0]");
  CHECK(load_ok(one_route(R"("Key": "k")", R"("GlobalConfiguration": {"AuthenticationOptions": {
        "AuthenticationProviderKey": "Bearer", "RouteKeys": ["other"]}})")).warnings.empty());
}

TEST_CASE("ocelot auth: provider errors name their JSON path", "[config][ocelot][auth]") {
  auto bearer_error = [](std::string_view extra) {
    return load_error(one_route(R"("AuthenticationOptions": {"AuthenticationProviderKey": "Bearer"})", providers(extra)));
  };
  auto e = bearer_error(R"("Audiences": "orders")");
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Bearer.Audiences");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationProviders": {"Bearer": {"Type": "Jwt",
        "Algorithms": ["RS256", "HS256"], "PublicKeyFile": ")" + keys_dir() + R"(rsa.pem"}}})"));
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Bearer.Algorithms[1]");
  e = bearer_error(R"("Secret": "0123456789abcdef0123456789abcdef")");
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Bearer");
  CHECK_THAT(e.message, Catch::Contains("exactly one of"));
  e = bearer_error(R"("ClockSkewSeconds": -1)");
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Bearer.ClockSkewSeconds");
  e = bearer_error(R"("Audience": "orders")");
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Bearer.Audience");
  CHECK_THAT(e.message, Catch::Contains("unknown key"));
  e = bearer_error(R"("TokenHeader": "Bad Header")");
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Bearer.TokenHeader");

  e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationProviders": {
        "K": {"Type": "ApiKey", "Keys": [{"KeySha256": "abc", "Consumer": "x"}]}}})"));
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.K.Keys[0].KeySha256");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationProviders": {"K": {"Type": "Saml"}}})"));
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.K.Type");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationProviders": {
        "K": {"Type": "Jwt", "Jwks": {"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}}}})"));
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.K.Jwks.keys[0].n");
  e = load_error(one_route(R"("AuthenticationProviders": {})", providers()));
  CHECK(e.where == "Routes[0].AuthenticationProviders");
}

TEST_CASE("ocelot auth: JwksUrl and OAuth2Introspection are refused at their path", "[config][ocelot][auth][refuse]") {
  auto e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationProviders": {
        "Id": {"Type": "Jwt", "JwksUrl": "https://id.example/jwks.json"}}})"));
  CHECK(e.code == Errc::Unsupported);
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.Id.JwksUrl");
  e = load_error(one_route({}, R"("GlobalConfiguration": {"AuthenticationProviders": {
        "I": {"Type": "OAuth2Introspection", "IntrospectionUrl": "https://id.example/introspect"}}})"));
  CHECK(e.code == Errc::Unsupported);
  CHECK(e.where == "GlobalConfiguration.AuthenticationProviders.I.Type");
}
