// The command-line gateway (examples/ocelot_gateway) as a user runs it: --help, --version, --check
// (validates without listening, exit codes for CI), --listen PORT, and TLS from ocelot.json's
// ServerOptions.Certificates or --tls-cert/--tls-key, re-read on SIGHUP. Runs the built binary.
#ifdef PORTICO_OCELOT_GATEWAY

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "support/certs.hpp"
#include "support/net_helpers.hpp"
#include "support/tls_client.hpp"

extern char** environ;

using namespace portico;
using namespace portico::testing;

namespace {

/// The gateway binary as a child process; stdout and stderr go to one pipe read by the test.
class Process {
 public:
  explicit Process(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> argv_text{PORTICO_OCELOT_GATEWAY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, PORTICO_OCELOT_GATEWAY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_fd_ = fds[0];
    ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    REQUIRE(rc == 0);
  }
  ~Process() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    ::close(out_fd_);
  }
  Process(const Process&) = delete;

  /// Waits up to `timeout` for the exit code (nullopt: still running, or killed by a signal).
  std::optional<int> wait(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        if (WIFEXITED(status)) code_ = WEXITSTATUS(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      drain(20ms);
    }
    drain(0ms);
    return exited_ ? code_ : std::nullopt;
  }
  /// Everything the process printed so far.
  const std::string& output() {
    drain(0ms);
    return output_;
  }
  /// Polls until `done()` holds or `timeout` passes (collecting output meanwhile); false on timeout
  /// or when the process exits first.
  template <class Done>
  bool until(Done done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        if (WIFEXITED(status)) code_ = WEXITSTATUS(status);
        drain(0ms);
        return false;
      }
      drain(20ms);
    }
    return false;
  }
  void signal(int sig) { ::kill(pid_, sig); }

 private:
  void drain(std::chrono::milliseconds wait) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) return;
      output_.append(buf, static_cast<std::size_t>(n));
    }
  }
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  std::optional<int> code_;
  std::string output_;
};

struct Ran {
  std::optional<int> code;
  std::string output;
};

/// Runs the gateway to its exit (it must exit within `timeout`).
Ran run(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 10s) {
  Process p(args);
  Ran r;
  r.code = p.wait(timeout);
  r.output = p.output();
  return r;
}

/// A temporary directory, removed with its files.
class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/portico-cli-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path_ = templ;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

/// An ocelot.json with one catch-all route to 127.0.0.1:`upstream_port`; `global` goes into
/// GlobalConfiguration and `route_extra` into the route.
std::string ocelot_json(std::uint16_t upstream_port, const std::string& global = {},
                        const std::string& route_extra = {}) {
  return R"({ "Routes": [ { "UpstreamPathTemplate": "/{all}", "DownstreamPathTemplate": "/{all}",
      "DownstreamHostAndPorts": [ { "Host": "127.0.0.1", "Port": )" +
         std::to_string(upstream_port) + " } ]" + (route_extra.empty() ? "" : ", " + route_extra) +
         " } ], \"GlobalConfiguration\": { " + global + " } }";
}

bool listening(std::uint16_t port) { return RawClient(port).connected(); }

}  // namespace

TEST_CASE("ocelot_gateway --help prints every flag and the defaults and exits 0", "[integration][cli]") {
  for (const char* flag : {"--help", "-h"}) {
    auto r = run({flag});
    REQUIRE(r.code == 0);
    for (const char* f : {"--config", "--listen", "--tls-cert", "--tls-key", "--admin", "--threads", "--check",
                          "--version", "--help"})
      CHECK_THAT(r.output, Catch::Contains(f));
    CHECK_THAT(r.output, Catch::Contains("GlobalConfiguration.BaseUrl, else 0.0.0.0:5000"));
    CHECK_THAT(r.output, Catch::Contains("ServerOptions.Certificates"));
  }
  auto bad = run({"--nonsense"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.output, Catch::Contains("unknown option --nonsense"));
  CHECK(run({}).code == 2);  // --config is required
  CHECK(run({"--config", "x.json", "--tls-cert", "a.pem"}).code == 2);  // without --tls-key
}

TEST_CASE("ocelot_gateway --version prints the version and exits 0", "[integration][cli]") {
  auto r = run({"--version"});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Catch::StartsWith("ocelot_gateway (Portico) "));
  CHECK_THAT(r.output, !Catch::Contains("unknown"));
}

TEST_CASE("ocelot_gateway --check validates without listening: exit 0 with warnings", "[integration][cli]") {
  TempDir dir;
  const std::uint16_t port = unused_port();
  auto config = write_file(dir.path() + "/ocelot.json",
                           ocelot_json(9, "\"BaseUrl\": \"http://127.0.0.1:" + std::to_string(port) + "\"",
                                       R"("UpstreamHttpMethod": ["GTE"])"));
  Process p({"--config", config, "--check"});
  auto code = p.wait();
  REQUIRE(code == 0);  // it exits on its own: a serving gateway would not
  const auto& out = p.output();
  CHECK_THAT(out, Catch::Contains("warning: Routes[0].UpstreamHttpMethod[0]: \"GTE\" is not a known HTTP method"));
  CHECK_THAT(out, Catch::Contains("is valid (routes: 1, warnings: 1); it would listen on http://127.0.0.1:" +
                                  std::to_string(port)));
  CHECK_FALSE(listening(port));
}

TEST_CASE("ocelot_gateway --check exits non-zero on an invalid config, naming the problem", "[integration][cli]") {
  TempDir dir;
  struct Case {
    std::string json;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({ "Routes": [ { "UpstreamPathTemplate": "/a", "DownstreamHostAndPorts": [ { "Host": "a", "Port": 1 } ] } ] })",
       "Routes[0].DownstreamPathTemplate: required key is missing"},
      {R"({ "Routes": [ )", "invalid JSON at line 1"},
      {ocelot_json(9, R"("ServerOptions": { "Certificates": [ { "CertFile": "missing.pem", "KeyFile": "missing.key" } ] })"),
       "GlobalConfiguration.ServerOptions.Certificates[0].CertFile: cannot load certificate '" + dir.path() +
           "/missing.pem'"},
  };
  for (const auto& c : cases) {
    auto config = write_file(dir.path() + "/bad.json", c.json);
    auto r = run({"--config", config, "--check"});
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK_THAT(r.output, Catch::Contains(c.expected));
  }
  // An https:// BaseUrl without a certificate: the config is valid (a gateway behind a TLS load
  // balancer), --check warns; running it without --listen refuses to start.
  auto https_base = write_file(dir.path() + "/https.json", ocelot_json(9, R"("BaseUrl": "https://127.0.0.1:8443")"));
  auto checked = run({"--config", https_base, "--check"});
  CHECK(checked.code == 0);
  CHECK_THAT(checked.output, Catch::Contains("running without --listen would refuse to start"));
  auto served = run({"--config", https_base});
  CHECK(served.code == 2);
  CHECK_THAT(served.output,
             Catch::Contains("GlobalConfiguration.BaseUrl: \"https://127.0.0.1:8443\" cannot be served without a certificate"));
  auto missing = run({"--config", dir.path() + "/nothing.json", "--check"});
  CHECK(missing.code == 2);
  CHECK_THAT(missing.output, Catch::Contains("cannot open the file"));
}

TEST_CASE("ocelot_gateway --listen PORT listens on 0.0.0.0:PORT and drains on SIGTERM", "[integration][cli]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok("hello " + r.request_line()); });
  TempDir dir;
  auto config = write_file(dir.path() + "/ocelot.json", ocelot_json(up.port(), R"("BaseUrl": "http://127.0.0.1:1")"));
  const std::uint16_t port = unused_port();
  Process p({"--config", config, "--listen", std::to_string(port), "--threads", "1"});
  REQUIRE(p.until([&] { return listening(port); }));
  RawClient c(port);
  c.send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  auto reply = c.read_until_close();
  CHECK(status_of(reply) == 200);
  CHECK(body_of(reply) == "hello GET /x HTTP/1.1");
  CHECK(p.until([&] { return p.output().find("on http://0.0.0.0:" + std::to_string(port)) != std::string::npos; }));
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  CHECK_THAT(p.output(), Catch::Contains("SIGTERM, draining"));
}

TEST_CASE("ocelot_gateway terminates TLS with ServerOptions.Certificates and re-reads them on SIGHUP",
          "[integration][cli][tls]") {
  TestCerts certs;
  for (const char* name : {"a.test", "b.test", "c.test"}) certs.make_server(name);
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.header("X-Forwarded-Proto")); });
  // Relative paths: relative to the config file's directory (the certificates' directory here).
  const std::string two = R"("ServerOptions": { "Certificates": [
      { "CertFile": "a.test.pem", "KeyFile": "a.test.key", "ServerNames": ["a.test"] },
      { "CertFile": "b.test.pem", "KeyFile": "b.test.key", "ServerNames": ["b.test", "*.b.test"] } ] })";
  auto config = write_file(certs.dir() + "/ocelot.json", ocelot_json(up.port(), two));
  const std::uint16_t port = unused_port();
  Process p({"--config", config, "--listen", "127.0.0.1:" + std::to_string(port), "--threads", "1"});
  REQUIRE(p.until([&] { return listening(port); }));
  const std::string get = "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";

  auto a = tls_request(port, certs.ca_cert(), "other.test", get);  // unknown name: the first is the default
  REQUIRE(a.handshake_ok);
  CHECK(a.peer_cn == "a.test");
  CHECK(status_of(a.response) == 200);
  CHECK(body_of(a.response) == "https");
  CHECK(tls_request(port, certs.ca_cert(), "b.test", get).peer_cn == "b.test");
  CHECK(tls_request(port, certs.ca_cert(), "x.b.test", get).peer_cn == "b.test");
  CHECK_THAT(p.output(), Catch::Contains("on https://127.0.0.1:" + std::to_string(port)));

  // A broken certificate on reload keeps the running ones.
  write_file(config, ocelot_json(up.port(), R"("ServerOptions": { "Certificates": [
      { "CertFile": "c.test.pem", "KeyFile": "a.test.key" } ] })"));
  p.signal(SIGHUP);
  REQUIRE(p.until([&] { return p.output().find("reload failed") != std::string::npos; }));
  CHECK_THAT(p.output(), Catch::Contains("GlobalConfiguration.ServerOptions.Certificates[0].KeyFile: cannot load key"));
  CHECK_THAT(p.output(), Catch::Contains("key values mismatch"));
  CHECK(tls_request(port, certs.ca_cert(), "other.test", get).peer_cn == "a.test");

  write_file(config, ocelot_json(up.port(), R"("ServerOptions": { "Certificates": [
      { "CertFile": "c.test.pem", "KeyFile": "c.test.key" } ] })"));
  p.signal(SIGHUP);
  REQUIRE(p.until([&] { return p.output().find("and its certificates") != std::string::npos; }));
  auto c = tls_request(port, certs.ca_cert(), "other.test", get);
  CHECK(c.peer_cn == "c.test");
  CHECK(status_of(c.response) == 200);
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
}

TEST_CASE("ocelot_gateway --tls-cert/--tls-key terminate TLS; a scheme that contradicts them is refused",
          "[integration][cli][tls]") {
  TestCerts certs;
  certs.make_server("c.test");
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  auto config = write_file(certs.dir() + "/plain.json", ocelot_json(up.port()));
  const std::uint16_t port = unused_port();
  Process p({"--config", config, "--listen", "https://127.0.0.1:" + std::to_string(port), "--tls-cert",
             certs.server_cert("c.test"), "--tls-key", certs.server_key("c.test"), "--threads", "1"});
  REQUIRE(p.until([&] { return listening(port); }));
  auto c = tls_request(port, certs.ca_cert(), "c.test", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(c.peer_cn == "c.test");
  CHECK(body_of(c.response) == "ok");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);

  auto http = run({"--config", config, "--listen", "http://127.0.0.1:1", "--tls-cert", certs.server_cert("c.test"),
                   "--tls-key", certs.server_key("c.test"), "--check"});
  CHECK(http.code == 2);
  CHECK_THAT(http.output, Catch::Contains("is http:// but certificates are given"));
  auto https = run({"--config", config, "--listen", "https://127.0.0.1:1", "--check"});
  CHECK(https.code == 2);
  CHECK_THAT(https.output, Catch::Contains("cannot be served without a certificate"));
  auto wrong_key = run({"--config", config, "--tls-cert", certs.server_cert("c.test"), "--tls-key",
                        certs.client_key(), "--check"});
  CHECK(wrong_key.code == 2);
  CHECK_THAT(wrong_key.output, Catch::Contains("invalid certificate: --tls-key: cannot load key"));
}

#endif  // PORTICO_OCELOT_GATEWAY
