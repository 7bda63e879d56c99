// The JWT filter through the harness, against keys and tokens minted by PyJWT (an independent JOSE
// implementation) at build time: every algorithm, and the attacks of RFC 8725.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "portico/filters/jwt.hpp"
#include "portico/testing/filter_harness.hpp"

using namespace portico;
using portico::testing::FilterHarness;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string key_path(const std::string& name) { return std::string(PORTICO_JWT_FIXTURES_DIR) + "/keys/" + name; }
std::string token(const std::string& name) {
  return slurp(std::string(PORTICO_JWT_FIXTURES_DIR) + "/tokens/" + name + ".jwt");
}

filters::JwtConfig rsa_config() {
  filters::JwtConfig c;
  c.name = "Bearer";
  c.issuer = "https://id.example";
  c.audiences = {"orders"};
  c.public_key_file = key_path("rsa.pem");
  return c;
}

FilterPtr make(filters::JwtConfig c) {
  auto f = filters::make_jwt(std::move(c));
  if (!f) FAIL(f.error().to_string());
  return *f;
}

// Runs one request with `Authorization: Bearer <tok>`; returns the outcome.
portico::testing::RequestOutcome run(FilterHarness& h, const std::string& tok) {
  h.request("GET", "/orders", {{"Authorization", "Bearer " + tok}});
  return h.run_request();
}

std::string challenge(const portico::testing::RequestOutcome& o) {
  REQUIRE(o.responded());
  return std::string(o.response->headers.get("WWW-Authenticate").value_or(""));
}

}  // namespace

TEST_CASE("jwt: every algorithm verifies tokens minted by PyJWT", "[filters][jwt]") {
  struct Case {
    const char* alg;
    filters::JwtConfig config;
  };
  auto with = [](auto set) {
    filters::JwtConfig c;
    c.name = "Bearer";
    set(c);
    return c;
  };
  std::vector<Case> cases;
  for (const char* a : {"HS256", "HS384", "HS512"})
    cases.push_back({a, with([](auto& c) { c.secret = slurp(key_path("hs.secret")); })});
  for (const char* a : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
    cases.push_back({a, with([](auto& c) { c.public_key_file = key_path("rsa.pem"); })});
  cases.push_back({"ES256", with([](auto& c) { c.public_key_file = key_path("ec256.pem"); })});
  cases.push_back({"ES384", with([](auto& c) { c.public_key_pem = slurp(key_path("ec384.pem")); })});
  cases.push_back({"ES512", with([](auto& c) { c.public_key_file = key_path("ec521.pem"); })});
  cases.push_back({"EdDSA", with([](auto& c) { c.public_key_file = key_path("ed25519.pem"); })});
  for (auto& c : cases) {
    INFO(c.alg);
    FilterHarness h(make(c.config));
    for (const char* prefix : {"valid_", "nokid_"}) {
      auto o = run(h, token(std::string(prefix) + c.alg));
      REQUIRE(o.next());
      const Identity* id = h.exchange().identity();
      REQUIRE(id);
      CHECK(id->consumer == "alice");
      CHECK(id->provider == "Bearer");
      CHECK(id->has_claim("role", "admin"));
      CHECK(id->has_claim("role", "user"));
      CHECK(*id->claim("iss") == "https://id.example");
      CHECK(*id->claim("exp") == "4102444800");
    }
  }
}

TEST_CASE("jwt: a JWK Set verifies all 13 algorithms by kid", "[filters][jwt]") {
  filters::JwtConfig c;
  c.jwks = slurp(key_path("jwks.json"));
  FilterHarness h(make(c));
  for (const char* a : {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                        "ES384", "ES512", "EdDSA"}) {
    INFO(a);
    CHECK(run(h, token(std::string("valid_") + a)).next());
    CHECK(run(h, token(std::string("nokid_") + a)).next());  // no kid: every key that fits the alg is tried
  }
  auto o = run(h, token("unknown_kid"));
  CHECK_THAT(challenge(o), Catch::Contains("names no known key"));
}

TEST_CASE("jwt: a certificate file gives its public key", "[filters][jwt]") {
  auto c = rsa_config();
  c.public_key_file = key_path("rsa_cert.pem");
  FilterHarness h(make(c));
  CHECK(run(h, token("valid_RS256")).next());
}

TEST_CASE("jwt: attack tokens are refused with 401 and a description, never the token", "[filters][jwt][attack]") {
  FilterHarness h(make(rsa_config()));
  const std::pair<const char*, const char*> cases[] = {
      {"alg_none", "no signature"},
      {"alg_None_signed", "alg none"},
      {"alg_unknown", "not supported"},
      {"hs_rs_confusion", "algorithm is not allowed"},
      {"hs_rs_confusion_nokid", "algorithm is not allowed"},
      {"stripped_signature", "no signature"},
      {"two_parts", "compact form"},
      {"four_parts", "compact form"},
      {"tampered_payload", "signature is invalid"},
      {"other_key", "signature is invalid"},
      {"embedded_jwk", "signature is invalid"},
      {"jku_header", "signature is invalid"},
      {"expired", "expired"},
      {"nbf_future", "not valid yet"},
      {"iat_future", "issued in the future"},
      {"no_exp", "no expiration"},
      {"exp_string", "not a number"},
      {"wrong_aud", "audience"},
      {"aud_array_wrong", "audience"},
      {"no_aud", "audience"},
      {"wrong_iss", "issuer"},
      {"oversized", "too large"},
      {"b64_padding", "not base64url"},
      {"b64_std_alphabet", "not base64url"},
      {"kid_path_injection", "algorithm is not allowed"},
      {"kid_sql_injection", "algorithm is not allowed"},
      {"dup_claim", "payload is not a JSON object"},
      {"dup_header", "header is not a JSON object"},
      {"crit", "critical"},
      {"deep_json", "payload is not a JSON object"},
      {"es256_der_signature", "algorithm is not allowed"},
  };
  for (const auto& [name, why] : cases) {
    INFO(name);
    const std::string tok = token(name);
    auto o = run(h, tok);
    REQUIRE(o.responded());
    CHECK(o.response->status == 401);
    CHECK(h.exchange().identity() == nullptr);
    auto ch = challenge(o);
    CHECK_THAT(ch, Catch::StartsWith("Bearer error=\"invalid_token\", error_description=\""));
    CHECK_THAT(ch, Catch::Contains(why));
    const auto sig = tok.substr(tok.rfind('.') + 1);
    if (sig.size() > 8) {
      CHECK(ch.find(sig) == std::string::npos);
      CHECK(o.response->body.find(sig) == std::string::npos);
    }
  }
  CHECK(run(h, token("aud_array")).next());
}

TEST_CASE("jwt: the maximum lifetime", "[filters][jwt]") {
  auto c = rsa_config();
  c.max_lifetime = std::chrono::seconds(86400);
  c.clock = [] { return std::int64_t{1700000000 + 10}; };
  FilterHarness h(make(c));
  CHECK(run(h, token("short_lived")).next());
  CHECK_THAT(challenge(run(h, token("long_lived"))), Catch::Contains("lifetime"));
  CHECK_THAT(challenge(run(h, token("no_exp"))), Catch::Contains("no expiration"));
}

TEST_CASE("jwt: a whitespace inside the token is refused", "[filters][jwt][attack]") {
  FilterHarness h(make(rsa_config()));
  CHECK_THAT(challenge(run(h, token("b64_whitespace"))), Catch::Contains("invalid_token"));
}

TEST_CASE("jwt: keys are bound to their algorithm family", "[filters][jwt][attack]") {
  // An EC P-256 key never verifies ES384/ES512 or RS*, an HMAC secret never RS*.
  filters::JwtConfig ec;
  ec.public_key_file = key_path("ec256.pem");
  FilterHarness h(make(ec));
  for (const char* t : {"valid_ES384", "valid_ES512", "valid_RS256", "valid_HS256", "valid_EdDSA"})
    CHECK_THAT(challenge(run(h, token(t))), Catch::Contains("not allowed"));

  ec.algorithms = {"ES256"};
  FilterHarness der(make(ec));  // ECDSA in DER instead of JOSE's r||s
  CHECK_THAT(challenge(run(der, token("es256_der_signature"))), Catch::Contains("signature is invalid"));
  CHECK(run(der, token("valid_ES256")).next());

  filters::JwtConfig bad = rsa_config();
  bad.algorithms = {"HS256"};
  auto e = filters::make_jwt(bad);
  REQUIRE_FALSE(e);
  CHECK(e.error().where == "algorithms[0]");
  bad.algorithms = {"none"};
  e = filters::make_jwt(bad);
  REQUIRE_FALSE(e);
  CHECK(e.error().where == "algorithms[0]");

  auto only_ps = rsa_config();
  only_ps.algorithms = {"PS256"};
  FilterHarness ps(make(only_ps));
  CHECK(run(ps, token("valid_PS256")).next());
  CHECK_THAT(challenge(run(ps, token("valid_RS256"))), Catch::Contains("algorithm is not allowed"));

  filters::JwtConfig pinned;  // a JWK with alg verifies that algorithm only
  pinned.jwks = R"({"keys": [)" + std::string(R"({"kty":"oct","k":")") +
                "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0" + R"(","alg":"HS512"}]})";
  auto f = filters::make_jwt(pinned);
  REQUIRE(f);
}

TEST_CASE("jwt: clock skew, expiration and an injected clock", "[filters][jwt]") {
  auto c = rsa_config();
  std::int64_t now = 1700000000 + 3600 + 30;  // short_lived expired 30 s ago
  c.clock = [&now] { return now; };
  FilterHarness h(make(c));
  CHECK(run(h, token("short_lived")).next());  // within the 60 s skew
  now += 31;
  CHECK_THAT(challenge(run(h, token("short_lived"))), Catch::Contains("expired"));

  c = rsa_config();
  c.clock_skew = std::chrono::seconds(0);
  now = 1700000000 + 3600;
  c.clock = [&now] { return now; };
  FilterHarness strict(make(c));
  CHECK_THAT(challenge(run(strict, token("short_lived"))), Catch::Contains("expired"));

  c = rsa_config();
  c.require_expiration = false;
  FilterHarness lax(make(c));
  CHECK(run(lax, token("no_exp")).next());
}

TEST_CASE("jwt: required claims", "[filters][jwt]") {
  auto c = rsa_config();
  c.required_claims = {{"role", "admin"}};
  FilterHarness h(make(c));
  CHECK(run(h, token("valid_RS256")).next());
  CHECK_THAT(challenge(run(h, token("role_user"))), Catch::Contains("required claim"));
}

TEST_CASE("jwt: no token, another scheme, several tokens", "[filters][jwt]") {
  FilterHarness h(make(rsa_config()));
  h.request("GET", "/");
  auto o = h.run_request();
  REQUIRE(o.responded());
  CHECK(o.response->status == 401);
  CHECK(o.response->headers.get("WWW-Authenticate") == "Bearer");

  h.request("GET", "/", {{"Authorization", "Basic YWxpY2U6cHc="}});
  CHECK(challenge(h.run_request()) == "Bearer");

  h.request("GET", "/", {{"Authorization", "bearer " + token("valid_RS256")}});
  CHECK(h.run_request().next());

  h.request("GET", "/", {{"Authorization", "Bearer " + token("valid_RS256")}, {"Authorization", "Bearer x.y.z"}});
  CHECK_THAT(challenge(h.run_request()), Catch::Contains("more than one token"));
}

TEST_CASE("jwt: token from another header, a cookie or a query parameter; forwarded or stripped",
          "[filters][jwt]") {
  auto c = rsa_config();
  c.token_header = "X-Token";
  c.token_cookie = "session";
  c.token_query_parameter = "access_token";
  c.forward_token = false;
  FilterHarness h(make(c));
  const auto tok = token("valid_RS256");

  h.request("GET", "/", {{"X-Token", tok}, {"Authorization", "Bearer junk"}});
  REQUIRE(h.run_request().next());
  CHECK_FALSE(h.exchange().request().headers.has("X-Token"));
  CHECK(h.exchange().request().headers.has("Authorization"));  // not this provider's place

  h.request("GET", "/", {{"Cookie", "a=1; session=" + tok + "; b=2"}});
  REQUIRE(h.run_request().next());
  CHECK(h.exchange().request().headers.get("Cookie") == "a=1; b=2");

  h.request("GET", "/x?a=1&access_token=" + tok + "&b=2");
  REQUIRE(h.run_request().next());
  auto up = h.run_upstream_request(Request::make("GET", "/x?a=1&access_token=" + tok + "&b=2"));
  CHECK(up.target == "/x?a=1&b=2");

  h.request("GET", "/", {{"X-Token", tok}, {"Cookie", "session=" + token("valid_RS384")}});
  CHECK_THAT(challenge(h.run_request()), Catch::Contains("more than one token"));

  auto fwd = rsa_config();
  FilterHarness keep(make(fwd));
  keep.request("GET", "/", {{"Authorization", "Bearer " + tok}});
  REQUIRE(keep.run_request().next());
  CHECK(keep.exchange().request().headers.has("Authorization"));
}

TEST_CASE("jwt: configuration errors name the field", "[filters][jwt]") {
  auto check = [](filters::JwtConfig c, const char* where) {
    auto f = filters::make_jwt(std::move(c));
    INFO(where);
    REQUIRE_FALSE(f);
    CHECK(f.error().where == where);
  };
  filters::JwtConfig none;
  check(none, "secret");
  filters::JwtConfig two = rsa_config();
  two.secret = std::string(40, 's');
  check(two, "secret");
  filters::JwtConfig short_secret;
  short_secret.secret = "too-short";
  check(short_secret, "secret");
  filters::JwtConfig missing;
  missing.public_key_file = key_path("does-not-exist.pem");
  check(missing, "public_key_file");
  filters::JwtConfig not_pem;
  not_pem.public_key_file = key_path("jwks.json");
  check(not_pem, "public_key_file");
  filters::JwtConfig bad_jwk;
  bad_jwk.jwks = R"({"keys": [{"kty": "RSA", "n": "AQAB="}]})";
  check(bad_jwk, "jwks.keys[0].n");
  filters::JwtConfig bad_kty;
  bad_kty.jwks = R"({"keys": [{"kty": "XYZ"}]})";
  check(bad_kty, "jwks.keys[0].kty");
  filters::JwtConfig bad_curve;
  bad_curve.jwks = R"({"keys": [{"kty": "EC", "crv": "P-192", "x": "AA", "y": "AA"}]})";
  check(bad_curve, "jwks.keys[0].crv");
  auto header = rsa_config();
  header.token_header = "Bad Header";
  check(header, "token_header");
  auto size = rsa_config();
  size.max_token_bytes = 1 << 20;
  check(size, "max_token_bytes");
}

TEST_CASE("jwt: phase Authentication, the token size limit is configurable", "[filters][jwt]") {
  auto c = rsa_config();
  c.max_token_bytes = 200;
  auto f = make(c);
  CHECK(f->phase() == Phase::Authentication);
  FilterHarness h(f);
  CHECK_THAT(challenge(run(h, token("valid_RS256"))), Catch::Contains("too large"));
}

TEST_CASE("jwt: verified tokens are remembered per filter, byte for byte, times checked again", "[filters][jwt]") {
  auto rsa = make(rsa_config());
  filters::JwtConfig ec_config;
  ec_config.public_key_file = key_path("ec256.pem");
  auto ec = make(ec_config);
  FilterHarness a(rsa), b(ec);
  for (int i = 0; i < 3; ++i) {
    CHECK(run(a, token("valid_RS256")).next());
    CHECK(run(b, token("valid_ES256")).next());
    // Another filter never answers from this one's memory.
    CHECK_THAT(challenge(run(b, token("valid_RS256"))), Catch::Contains("not allowed"));
  }
  // One byte changed (the signature's last character) is verified, and fails.
  auto tok = token("valid_RS256");
  tok.back() = tok.back() == 'A' ? 'B' : 'A';
  CHECK_THAT(challenge(run(a, tok)), Catch::Contains("invalid_token"));

  auto off = rsa_config();
  off.verified_cache_size = 0;
  FilterHarness none(make(off));
  CHECK(run(none, token("valid_RS256")).next());
  CHECK(run(none, token("valid_RS256")).next());
  CHECK(none.exchange().identity()->consumer == "alice");
}
