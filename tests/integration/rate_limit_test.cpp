// Rate and concurrency limits end to end: the command-line gateway (examples/ocelot_gateway) loads
// an ocelot.json and a burst of concurrent clients over real sockets gets exactly the limit admitted.
#ifdef PORTICO_OCELOT_GATEWAY

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/net_helpers.hpp"
#include "support/redis_server.hpp"

extern char** environ;

using namespace portico;
using namespace portico::testing;

namespace {

// The gateway as a child process, its output in a file (shown when a check fails).
class GatewayProcess {
 public:
  GatewayProcess(const std::string& config, std::uint16_t port) : log_(config + ".log") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args{PORTICO_OCELOT_GATEWAY, "--config", config, "--listen",
                                  "127.0.0.1:" + std::to_string(port), "--threads", "2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, PORTICO_OCELOT_GATEWAY, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!RawClient(port).connected()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("the gateway exited: " << output());
      }
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(20ms);
    }
  }
  ~GatewayProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::string output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

std::string write_config(const std::string& text) {
  char templ[] = "/tmp/portico-rl-XXXXXX";
  REQUIRE(::mkdtemp(templ) != nullptr);
  std::string path = std::string(templ) + "/ocelot.json";
  std::ofstream(path) << text;
  return path;
}

std::string route(std::uint16_t upstream, const std::string& path, const std::string& extra) {
  return R"({"UpstreamPathTemplate": ")" + path + R"(", "DownstreamPathTemplate": "/ok",
      "DownstreamHostAndPorts": [{"Host": "127.0.0.1", "Port": )" +
         std::to_string(upstream) + "}], " + extra + "}";
}

// `clients` threads, each on its own keep-alive connection, send `each` requests at once; returns
// how many answers had each status (0: no answer).
std::map<int, int> burst(std::uint16_t port, int clients, int each, const std::string& target,
                         const std::string& headers = {}) {
  std::map<int, int> statuses;
  std::mutex mu;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&] {
      RawClient c(port);
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < each; ++i) {
        int s = 0;
        if (c.send("GET " + target + " HTTP/1.1\r\nHost: gw\r\n" + headers + "\r\n")) s = status_of(c.read_response());
        std::lock_guard l(mu);
        ++statuses[s];
      }
    });
  go = true;
  for (auto& t : threads) t.join();
  return statuses;
}

}  // namespace

TEST_CASE("ocelot_gateway: a concurrent burst gets exactly the limit admitted", "[integration][rate_limit]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  const std::uint16_t port = unused_port();
  const std::string config = write_config(
      R"({"Routes": [)" +
      route(up.port(), "/ocelot/{any}",
            R"("RateLimitOptions": {"EnableRateLimiting": true, "ClientWhitelist": ["ops"], "Period": "1h", "Limit": 25})") +
      ", " +
      route(up.port(), "/portico/{any}",
            R"("RateLimitPolicies": [{"Name": "burst", "Algorithm": "SlidingWindow", "Limit": 30, "Period": "1h", "Key": "Route"}])") +
      ", " +
      route(up.port(), "/bucket/{any}",
            R"("RateLimitPolicies": [{"Name": "tb", "Algorithm": "TokenBucket", "Limit": 1, "Period": "1h", "Burst": 15, "Key": "Header:X-Tenant"}])") +
      R"(], "GlobalConfiguration": {"RateLimitOptions": {"ClientIdHeader": "ClientId", "HttpStatusCode": 999,
           "QuotaExceededMessage": "quota"}}})");
  GatewayProcess gw(config, port);
  INFO(gw.output());

  // Ocelot's rule: path variants of the route share the client's counter.
  auto s = burst(port, 8, 10, "/ocelot/1", "ClientId: alice\r\n");
  CHECK(s[200] == 25);
  CHECK(s[429] == 55);  // HttpStatusCode 999 is warned; 429 is used
  s = burst(port, 4, 5, "/ocelot/2", "ClientId: alice\r\n");
  CHECK(s[429] == 20);
  s = burst(port, 4, 10, "/ocelot/3", "ClientId: ops\r\n");
  CHECK(s[200] == 40);

  s = burst(port, 8, 10, "/portico/a");
  CHECK(s[200] == 30);
  CHECK(s[429] == 50);

  s = burst(port, 6, 5, "/bucket/a", "X-Tenant: t1\r\n");
  CHECK(s[200] == 15);
  CHECK(s[429] == 15);

  // The answers carry the headers.
  RawClient c(port);
  REQUIRE(c.send("GET /ocelot/9 HTTP/1.1\r\nHost: gw\r\nClientId: bob\r\n\r\n"));
  auto ok = c.read_response();
  CHECK(status_of(ok) == 200);
  CHECK(header_of(ok, "X-Rate-Limit-Limit") == "1h");
  CHECK(header_of(ok, "X-Rate-Limit-Remaining") == "24");
  REQUIRE(c.send("GET /portico/b HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto refused = c.read_response();
  CHECK(status_of(refused) == 429);
  CHECK_FALSE(header_of(refused, "Retry-After").empty());
  CHECK(header_of(refused, "RateLimit-Policy") == R"("burst";q=30;w=3600)");
  CHECK(gw.output().find("GlobalConfiguration.RateLimitOptions.HttpStatusCode") != std::string::npos);
}

TEST_CASE("ocelot_gateway: two instances and one Redis admit exactly the limit of a burst over both",
          "[integration][rate_limit][redis]") {
  RedisServer redis(unused_port());
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  const std::string prefix = "it-" + std::to_string(::getpid());
  const std::string config = write_config(
      R"({"Routes": [)" +
      route(up.port(), "/ocelot/{any}",
            R"("RateLimitOptions": {"EnableRateLimiting": true, "Period": "1h", "PeriodTimespan": 3600, "Limit": 20})") +
      ", " +
      route(up.port(), "/portico/{any}",
            R"("RateLimitPolicies": [{"Name": "shared", "Algorithm": "SlidingWindow", "Limit": 30, "Period": "1h", "Key": "Route"},
                                     {"Name": "tb", "Algorithm": "TokenBucket", "Limit": 1, "Period": "1h", "Burst": 100, "Key": "Route"}])") +
      R"(], "GlobalConfiguration": {"RateLimitOptions": {"Storage": ")" + redis.url() +
      R"(", "StorageTimeoutMs": 500, "StorageFailure": "Deny", "RateLimitCounterPrefix": ")" + prefix + R"("}}})");
  const std::uint16_t p1 = unused_port();
  GatewayProcess a(config, p1);
  const std::uint16_t p2 = unused_port();
  GatewayProcess b(config, p2);
  INFO(a.output() << b.output());

  std::map<int, int> total;
  std::thread other([&] {
    auto s = burst(p2, 6, 10, "/ocelot/x", "ClientId: alice\r\n");
    for (auto [k, v] : s) total[k] += v;  // joined before `total` is read below
  });
  auto s1 = burst(p1, 6, 10, "/ocelot/y", "ClientId: alice\r\n");
  other.join();
  for (auto [k, v] : s1) total[k] += v;
  CHECK(total[200] == 20);
  CHECK(total[429] == 100);

  std::map<int, int> shared;
  std::thread other2([&] {
    auto s = burst(p1, 5, 10, "/portico/x");
    for (auto [k, v] : s) shared[k] += v;
  });
  auto s2 = burst(p2, 5, 10, "/portico/y");
  other2.join();
  for (auto [k, v] : s2) shared[k] += v;
  CHECK(shared[200] == 30);  // the refused 70 took nothing from the bucket either
  CHECK(shared[429] == 70);

  // With Redis gone, StorageFailure Deny refuses with 503.
  redis.stop();
  RawClient c(p1);
  REQUIRE(c.send("GET /portico/z HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto down = c.read_response();
  CHECK(status_of(down) == 503);
  CHECK(header_of(down, "Retry-After") == "1");
}

TEST_CASE("ocelot_gateway: ConcurrencyLimit bounds requests in flight", "[integration][rate_limit]") {
  // The upstream holds each request until the test has seen the gateway refuse the extra ones.
  std::atomic<bool> release{false};
  std::atomic<int> arrived{0};
  ScriptedUpstream up([&](const Received&) {
    arrived.fetch_add(1);
    while (!release.load()) std::this_thread::sleep_for(1ms);
    return ScriptedUpstream::ok("ok");
  });
  const std::uint16_t port = unused_port();
  const std::string config = write_config(
      R"({"Routes": [)" +
      route(up.port(), "/{any}", R"("ConcurrencyLimit": {"MaxConcurrent": 2, "MaxQueue": 0, "QueueTimeoutMs": 1000})") +
      "]}");
  GatewayProcess gw(config, port);
  INFO(gw.output());
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawClient>(port));
    REQUIRE(held.back()->send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"));
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (arrived.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(arrived.load() == 2);
  RawClient extra(port);
  REQUIRE(extra.send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto busy = extra.read_response();
  CHECK(status_of(busy) == 503);
  CHECK(header_of(busy, "Retry-After") == "1");
  release = true;
  for (auto& c : held) CHECK(status_of(c->read_response()) == 200);
  REQUIRE(extra.send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"));  // the slots came back
  CHECK(status_of(extra.read_response()) == 200);
}

TEST_CASE("ocelot_gateway: ConcurrencyLimit queues a waiter, refuses past the queue, times a waiter out",
          "[integration][rate_limit]") {
  std::atomic<bool> release{false};
  std::atomic<int> arrived{0};
  ScriptedUpstream up([&](const Received& r) {
    arrived.fetch_add(1);
    if (r.header("X-Hold") == "1")
      while (!release.load()) std::this_thread::sleep_for(1ms);
    return ScriptedUpstream::ok("ok");
  });
  const std::uint16_t port = unused_port();
  const std::string config = write_config(
      R"({"Routes": [)" +
      route(up.port(), "/q/{any}", R"("ConcurrencyLimit": {"MaxConcurrent": 1, "MaxQueue": 1, "QueueTimeoutMs": 60000})") +
      ", " +
      route(up.port(), "/t/{any}", R"("ConcurrencyLimit": {"MaxConcurrent": 1, "MaxQueue": 1, "QueueTimeoutMs": 200})") +
      "]}");
  GatewayProcess gw(config, port);
  INFO(gw.output());
  auto wait_arrived = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (arrived.load() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return arrived.load() >= n;
  };

  SECTION("a waiter gets the slot; the request past the queue gets 503") {
    RawClient holder(port);
    REQUIRE(holder.send("GET /q/hold HTTP/1.1\r\nHost: gw\r\nX-Hold: 1\r\n\r\n"));
    REQUIRE(wait_arrived(1));
    // Two more: one waits in the queue, the other finds it full (whichever comes second).
    std::atomic<int> answered{0};
    int status[2] = {0, 0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 2; ++i)
      clients.emplace_back([&, i] {
        RawClient c(port);
        if (c.send("GET /q/next HTTP/1.1\r\nHost: gw\r\n\r\n")) status[i] = status_of(c.read_response(20s));
        answered.fetch_add(1);
      });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (answered.load() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    CHECK(answered.load() == 1);  // the refused one, while the holder still has the slot
    CHECK(arrived.load() == 1);   // the waiter did not reach the upstream
    release = true;
    CHECK(status_of(holder.read_response()) == 200);
    for (auto& t : clients) t.join();
    CHECK(std::min(status[0], status[1]) == 200);
    CHECK(std::max(status[0], status[1]) == 503);
    CHECK(arrived.load() == 2);
  }
  SECTION("a waiter that waits longer than QueueTimeoutMs gets 503") {
    RawClient holder(port);
    REQUIRE(holder.send("GET /t/hold HTTP/1.1\r\nHost: gw\r\nX-Hold: 1\r\n\r\n"));
    REQUIRE(wait_arrived(1));
    RawClient waiter(port);
    REQUIRE(waiter.send("GET /t/next HTTP/1.1\r\nHost: gw\r\n\r\n"));
    auto timed_out = waiter.read_response(20s);
    CHECK(status_of(timed_out) == 503);
    CHECK(header_of(timed_out, "Retry-After") == "1");
    CHECK(arrived.load() == 1);
    release = true;
    CHECK(status_of(holder.read_response()) == 200);
  }
}

#endif  // PORTICO_OCELOT_GATEWAY
