// Authentication through real sockets: examples/ocelot_gateway runs an ocelot.json with JWT (inline
// JWK Set, PEM file) and API-key providers, AllowedScopes and RouteClaimsRequirement; tokens of every
// algorithm and the attack tokens were minted by PyJWT at build time.
#ifdef PORTICO_OCELOT_GATEWAY

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/net_helpers.hpp"

extern char** environ;

using namespace portico;
using namespace portico::testing;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
const std::string kFixtures = PORTICO_JWT_FIXTURES_DIR;
std::string token(const std::string& name) { return slurp(kFixtures + "/tokens/" + name + ".jwt"); }

/// The gateway as a child process (output to a file), killed when the test ends.
class GatewayProcess {
 public:
  GatewayProcess(const std::string& config, std::uint16_t port, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args{PORTICO_OCELOT_GATEWAY, "--config", config, "--listen", std::to_string(port),
                                  "--threads", "2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, PORTICO_OCELOT_GATEWAY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
  }
  ~GatewayProcess() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  GatewayProcess(const GatewayProcess&) = delete;
  bool running() {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/portico-auth-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path_ = templ;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string route(const std::string& prefix, std::uint16_t up, const std::string& extra = {}) {
  std::string s = R"({"UpstreamPathTemplate": ")" + prefix + R"(/{all}", "DownstreamPathTemplate": "/{all}",
      "DownstreamHostAndPorts": [{"Host": "127.0.0.1", "Port": )" + std::to_string(up) + "}]";
  if (!extra.empty()) s += ", " + extra;
  return s + "}";
}

struct Reply {
  int status = 0;
  std::string www_authenticate;
  std::string body;
};

Reply get(std::uint16_t port, const std::string& target, const std::string& headers = {}) {
  RawClient c(port);
  REQUIRE(c.connected());
  REQUIRE(c.send("GET " + target + " HTTP/1.1\r\nHost: gw\r\n" + headers + "Connection: close\r\n\r\n"));
  auto raw = c.read_until_close();
  return {status_of(raw), header_of(raw, "WWW-Authenticate"), body_of(raw)};
}
Reply bearer(std::uint16_t port, const std::string& target, const std::string& tok) {
  return get(port, target, "Authorization: Bearer " + tok + "\r\n");
}

}  // namespace

TEST_CASE("ocelot_gateway enforces JWT and API-key authentication, scopes and claims", "[integration][auth]") {
  ScriptedUpstream up([](const Received& r) {
    return ScriptedUpstream::ok(r.request_line() + "|auth=" + r.header("Authorization") + "|key=" + r.header("X-Api-Key"));
  });
  TempDir dir;
  const std::string config = dir.path() + "/ocelot.json";
  {
    std::ofstream out(config);
    out << R"({"Routes": [)" << route("/jwks", up.port(), R"("AuthenticationOptions": {"AuthenticationProviderKey": "Bearer"})")
        << ", "
        << route("/orders", up.port(), R"("AuthenticationOptions": {"AuthenticationProviderKeys": ["Pem", "Keys"],
                                             "AllowedScopes": ["orders.read"]},
                                           "RouteClaimsRequirement": {"role": "admin"})")
        << ", " << route("/keys", up.port(), R"("AuthenticationOptions": {"AuthenticationProviderKey": "Keys"})")
        << ", " << route("/public", up.port()) << R"(],
      "GlobalConfiguration": {"AuthenticationProviders": {
        "Bearer": {"Type": "Jwt", "Issuer": "https://id.example", "Audiences": ["orders"], "MaxTokenBytes": 4096,
                   "Jwks": )" << slurp(kFixtures + "/keys/jwks.json") << R"(},
        "Pem": {"Type": "Jwt", "Issuer": "https://id.example", "Audiences": ["orders"], "Algorithms": ["RS256"],
                "PublicKeyFile": ")" << kFixtures << R"(/keys/rsa.pem", "ForwardToken": false},
        "Keys": {"Type": "ApiKey", "Keys": [{"Key": "alice-key-0123456789", "Consumer": "alice"}]}}}})";
  }
  const std::uint16_t port = unused_port();
  GatewayProcess gw(config, port, dir.path() + "/gateway.log");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!RawClient(port).connected() && gw.running() && std::chrono::steady_clock::now() < deadline) {
  }
  INFO(slurp(dir.path() + "/gateway.log"));
  REQUIRE(RawClient(port).connected());

  SECTION("tokens of all 13 algorithms, minted by PyJWT, pass; the token is forwarded") {
    for (const char* a : {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                          "ES384", "ES512", "EdDSA"}) {
      INFO(a);
      const auto tok = token(std::string("valid_") + a);
      auto r = bearer(port, "/jwks/x", tok);
      CHECK(r.status == 200);
      CHECK(r.body == "GET /x HTTP/1.1|auth=Bearer " + tok + "|key=");
    }
  }
  SECTION("attack tokens get 401 with an invalid_token challenge and never reach the upstream") {
    for (const char* name : {"alg_none", "alg_None_signed", "alg_unknown", "hs_rs_confusion", "stripped_signature",
                             "tampered_payload", "other_key", "embedded_jwk", "jku_header", "expired", "nbf_future",
                             "wrong_aud", "wrong_iss", "large", "b64_padding", "b64_std_alphabet", "unknown_kid",
                             "kid_path_injection", "kid_sql_injection", "dup_claim", "dup_header", "crit",
                             "deep_json", "es256_der_signature"}) {
      INFO(name);
      auto r = bearer(port, "/jwks/x", token(name));
      CHECK(r.status == 401);
      CHECK_THAT(r.www_authenticate, Catch::StartsWith("Bearer error=\"invalid_token\", error_description=\""));
    }
    // Over one header line's limit (8 KiB), the edge refuses the request before any filter runs.
    CHECK(bearer(port, "/jwks/x", token("oversized")).status == 431);
    auto r = get(port, "/jwks/x");
    CHECK(r.status == 401);
    CHECK(r.www_authenticate == "Bearer");
    CHECK(up.received().empty());
  }
  SECTION("scopes and claims: 403 for a valid token that is not authorized; the token is stripped") {
    auto r = bearer(port, "/orders/o/1", token("scope_read"));
    CHECK(r.status == 200);
    CHECK(r.body == "GET /o/1 HTTP/1.1|auth=|key=");  // ForwardToken false
    CHECK(bearer(port, "/orders/o/1", token("scp_array")).status == 200);
    CHECK(bearer(port, "/orders/o/1", token("role_user")).status == 403);
    r = bearer(port, "/orders/o/1", token("no_scope"));
    CHECK(r.status == 403);
    CHECK(r.www_authenticate == "Bearer error=\"insufficient_scope\"");
    // The API key authenticates alice, who has no scopes: 403, not 401.
    CHECK(get(port, "/orders/o/1", "X-Api-Key: alice-key-0123456789\r\n").status == 403);
    CHECK(get(port, "/orders/o/1").status == 401);
  }
  SECTION("API keys: the key authenticates and is removed before forwarding") {
    auto r = get(port, "/keys/k", "X-Api-Key: alice-key-0123456789\r\n");
    CHECK(r.status == 200);
    CHECK(r.body == "GET /k HTTP/1.1|auth=|key=");
    CHECK(get(port, "/keys/k", "X-Api-Key: alice-key-0123456788\r\n").status == 401);
    CHECK(get(port, "/keys/k").status == 401);
    CHECK(get(port, "/public/p").status == 200);
  }
}

#endif  // PORTICO_OCELOT_GATEWAY
