// Edge rules through a real socket: a stop refuses new connections at once, body inactivity is a
// 408, header names with '_', request bodies validated before the upstream sees the request,
// the per-line header limit, TRACE, method tokens, and rejected requests that are identified,
// logged (rate-limited) and counted.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

using Clock = std::chrono::steady_clock;

/// A raw upstream for one connection: records every byte until the gateway closes it (or the
/// deadline passes) and never answers, so a test can see a request that was cut off.
class SinkUpstream {
 public:
  SinkUpstream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{0, 100 * 1000};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      const auto until = Clock::now() + 10s;
      char buf[65536];
      while (Clock::now() < until && !stop_) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n == 0) {
          eof_ = true;
          break;
        }
        if (n > 0) {
          std::lock_guard lock(mu_);
          bytes_.append(buf, static_cast<std::size_t>(n));
        }
      }
      ::close(c);
    });
  }
  ~SinkUpstream() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  bool wait_eof(std::chrono::milliseconds timeout) const {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until)
      if (eof_) return true;
      else std::this_thread::sleep_for(2ms);
    return eof_;
  }
  std::string bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> eof_{false};
  mutable std::mutex mu_;
  std::string bytes_;
};

/// Sends `bytes` on a new connection and returns everything until the gateway closes it.
std::string exchange_once(std::uint16_t port, const std::string& bytes) {
  RawClient c(port);
  REQUIRE(c.connected());
  c.send(bytes);
  return c.read_until_close(5000ms);
}

/// True when the response is a rejection that closes the connection and names a request id.
void check_rejected(const std::string& all, int status) {
  CHECK(status_of(all) == status);
  CHECK(count_responses(all) == 1);
  CHECK(header_of(all, "Connection") == "close");
  CHECK(body_of(all).find("\"request_id\":\"") != std::string::npos);
}

}  // namespace

TEST_CASE("a stop closes the listening socket at once; in-flight requests finish; a new run listens again",
          "[integration][edge][drain]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("slow");
    r.delay = 400ms;
    return r;
  });
  Gateway gw;
  REQUIRE(gw.apply(catch_all_config(up.port())));
  REQUIRE(gw.listen({"127.0.0.1", 0, {}}));
  const auto port = gw.port();
  std::thread loop([&] { gw.run(); });
  RawClient busy(port);
  REQUIRE(busy.connected());
  busy.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(up.wait_for_requests(1));

  gw.request_stop();
  {
    RawClient late(port);  // the kernel refuses it: nobody listens any more
    CHECK_FALSE(late.connected());
  }
  auto res = busy.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "slow");
  CHECK(header_of(res, "Connection") == "close");
  gw.stop();  // waits for the drain; afterwards the gateway may run again
  loop.join();
  {
    RawClient after(port);
    CHECK_FALSE(after.connected());
  }

  // The same gateway runs again on the same port.
  std::thread again([&] { gw.run(); });
  std::unique_ptr<RawClient> c;
  const auto until = Clock::now() + 3s;
  while (Clock::now() < until) {
    c = std::make_unique<RawClient>(port);
    if (c->connected()) break;
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(c->connected());
  c->send("GET /again HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c->read_response()) == 200);
  gw.stop();
  again.join();
}

TEST_CASE("a body that stops arriving answers 408", "[integration][edge][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  ServerOptions o;
  o.request_body_timeout = 200ms;
  GatewayRunner gw(catch_all_config(up.port(), o));
  SECTION("a small body (read before the upstream request)") {
    auto all = exchange_once(gw.port(), "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly-part");
    check_rejected(all, 408);
    CHECK(up.connections() == 0);
  }
  SECTION("a large body (streamed to the upstream)") {
    auto all = exchange_once(gw.port(), "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n" +
                                            std::string(70000, 'b'));
    CHECK(status_of(all) == 408);
    CHECK(header_of(all, "Connection") == "close");
    CHECK(body_of(all).find("\"request_id\":\"") != std::string::npos);
  }
  SECTION("a chunked body") {
    auto all = exchange_once(gw.port(), "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    check_rejected(all, 408);
  }
  CHECK(up.received().empty());
  CHECK(gw.gateway().requests_rejected() >= 1);
}

TEST_CASE("header names with '_' are dropped, rejected or passed", "[integration][edge][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.body); });
  const std::string smuggle =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer_Encoding: chunked\r\nContent_Length: 27\r\n"
      "X_Forwarded_For: 6.6.6.6\r\nX-Ok: 1\r\nContent-Length: 5\r\n\r\nhello";
  SECTION("dropped by default") {
    GatewayRunner gw(catch_all_config(up.port()));
    RawClient c(gw.port());
    c.send(smuggle);
    auto res = c.read_response();
    CHECK(status_of(res) == 200);
    CHECK(body_of(res) == "hello");
    REQUIRE(up.wait_for_requests(1));
    const auto r = up.received().at(0);
    CHECK(r.head.find('_') == std::string::npos);
    CHECK(r.header("X-Ok") == "1");
    CHECK(r.header("Content-Length") == "5");
    CHECK(r.header("X-Forwarded-For").find("6.6.6.6") == std::string::npos);
  }
  SECTION("rejected with 400") {
    ServerOptions o;
    o.underscores_in_headers = UnderscoreHeaders::Reject;
    GatewayRunner gw(catch_all_config(up.port(), o));
    check_rejected(exchange_once(gw.port(), smuggle), 400);
    CHECK(up.connections() == 0);
  }
  SECTION("passed when asked") {
    ServerOptions o;
    o.underscores_in_headers = UnderscoreHeaders::Pass;
    GatewayRunner gw(catch_all_config(up.port(), o));
    RawClient c(gw.port());
    c.send("GET /a HTTP/1.1\r\nHost: h\r\nX_Custom: v\r\n\r\n");
    CHECK(status_of(c.read_response()) == 200);
    REQUIRE(up.wait_for_requests(1));
    CHECK(up.received().at(0).header("X_Custom") == "v");
  }
}

TEST_CASE("small request bodies are validated before the upstream sees the request", "[integration][edge][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.body); });
  const std::string te = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  SECTION("invalid chunked framing: 400, and no upstream connection at all") {
    GatewayRunner gw(catch_all_config(up.port()));
    for (const std::string& body : {std::string("5\r\nhello\r\n0_2e\r\n\r\n"), std::string("5;\x01\r\nhello\r\n0\r\n\r\n"),
                                   std::string("5 x\r\nhello\r\n0\r\n\r\n")}) {
      check_rejected(exchange_once(gw.port(), te + body), 400);
    }
    CHECK(up.connections() == 0);
    CHECK(gw.gateway().requests_rejected() == 3);
  }
  SECTION("a valid small chunked body is forwarded whole with a Content-Length") {
    GatewayRunner gw(catch_all_config(up.port()));
    RawClient c(gw.port());
    c.send(te + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    auto res = c.read_response();
    CHECK(status_of(res) == 200);
    CHECK(body_of(res) == "hello world");
    REQUIRE(up.wait_for_requests(1));
    CHECK(up.received().at(0).header("Content-Length") == "11");
    CHECK(up.received().at(0).header("Transfer-Encoding").empty());
  }
  SECTION("RequestBufferBytes 0 streams: the upstream request starts before the body is checked") {
    ServerOptions o;
    o.request_buffer_bytes = 0;
    GatewayRunner gw(catch_all_config(up.port(), o));
    check_rejected(exchange_once(gw.port(), te + "5\r\nhello\r\n0_2e\r\n\r\n"), 400);
    const auto until = Clock::now() + 3s;
    while (up.connections() == 0 && Clock::now() < until) std::this_thread::sleep_for(2ms);
    CHECK(up.connections() == 1);
    CHECK(up.received().empty());
  }
}

TEST_CASE("a large chunked body streams: the checked first part, then the rest", "[integration][edge][framing]") {
  ScriptedUpstream up([](const Received& r) {
    return ScriptedUpstream::ok(r.header("Transfer-Encoding") + "|" +
                                std::to_string(std::count(r.body.begin(), r.body.end(), 'z')));
  });
  GatewayRunner gw(catch_all_config(up.port()));
  RawClient c(gw.port());
  const std::string big(50000, 'z');
  const std::string chunk = "c350\r\n" + big + "\r\n";  // 0xc350 = 50000
  c.send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk);
  c.send(chunk + "0\r\n\r\n");
  auto res = c.read_response();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == "chunked|150000");
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received().at(0).body.size() > 150000);
  CHECK(up.received().at(0).body.ends_with("\r\n0\r\n\r\n"));
}

TEST_CASE("a framing error in a large streamed body aborts the upstream request", "[integration][edge][framing]") {
  SinkUpstream sink;
  GatewayRunner gw(catch_all_config(sink.port()));
  RawClient c(gw.port());
  std::string big(70000, 'z');
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", big.size());
  c.send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) + big +
         "\r\n" + std::string(size) + big + "\r\n0_2e\r\n\r\n");
  auto all = c.read_until_close(5000ms);
  CHECK(status_of(all) == 400);
  CHECK(header_of(all, "Connection") == "close");
  CHECK(sink.wait_eof(5000ms));  // the gateway closed its upstream connection
  const auto got = sink.bytes();
  CHECK(got.find("POST /a HTTP/1.1\r\n") == 0);
  CHECK(got.find("\r\n0\r\n\r\n") == std::string::npos);  // never a complete chunked request
}

TEST_CASE("a Connection header naming a framing field is a 400 that closes", "[integration][edge][framing]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("reached"); });
  GatewayRunner gw(catch_all_config(up.port()));
  for (const char* value : {"Content-Length", "close, Transfer-Encoding", "host"}) {
    DYNAMIC_SECTION(value) {
      check_rejected(exchange_once(gw.port(), std::string("GET /a HTTP/1.1\r\nHost: h\r\nConnection: ") + value +
                                                  "\r\n\r\n"),
                     400);
    }
  }
  CHECK(up.connections() == 0);
}

TEST_CASE("one header line over max_header_line_bytes answers 431", "[integration][edge][limits]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("reached"); });
  const std::string long_line = "GET /a HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(9000, 'a') + "\r\n\r\n";
  SECTION("default 8192") {
    GatewayRunner gw(catch_all_config(up.port()));
    check_rejected(exchange_once(gw.port(), long_line), 431);
    RawClient c(gw.port());
    c.send("GET /a HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(8000, 'a') + "\r\n\r\n");
    CHECK(status_of(c.read_response()) == 200);
  }
  SECTION("raised") {
    ServerOptions o;
    o.max_header_line_bytes = 16384;
    GatewayRunner gw(catch_all_config(up.port(), o));
    RawClient c(gw.port());
    c.send(long_line);
    CHECK(status_of(c.read_response()) == 200);
  }
}

TEST_CASE("TRACE is refused with 405 unless allowed; CONNECT stays refused", "[integration][edge][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  SECTION("default") {
    GatewayRunner gw(catch_all_config(up.port()));
    check_rejected(exchange_once(gw.port(), "TRACE /a HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
    CHECK(status_of(exchange_once(gw.port(), "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n")) == 501);
    CHECK(up.connections() == 0);
  }
  SECTION("allowed") {
    ServerOptions o;
    o.allow_trace = true;
    GatewayRunner gw(catch_all_config(up.port(), o));
    RawClient c(gw.port());
    c.send("TRACE /a HTTP/1.1\r\nHost: h\r\n\r\n");
    auto res = c.read_response();
    CHECK(status_of(res) == 200);
    CHECK(body_of(res) == "TRACE /a HTTP/1.1");
  }
}

TEST_CASE("methods must be upper-case letters, '-' or '_'; unknown ones are forwarded", "[integration][edge][framing]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  GatewayRunner gw(catch_all_config(up.port()));
  for (const char* m : {"get", "Get", "G3T", "GET!", "P.OST"}) {
    DYNAMIC_SECTION(m) {
      check_rejected(exchange_once(gw.port(), std::string(m) + " /a HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    }
  }
  SECTION("PURGE and VERSION-CONTROL are framed and forwarded") {
    for (const char* m : {"PURGE", "VERSION-CONTROL", "X_MY_METHOD"}) {
      RawClient c(gw.port());
      c.send(std::string(m) + " /a HTTP/1.1\r\nHost: h\r\n\r\n");
      CHECK(body_of(c.read_response()) == std::string(m) + " /a HTTP/1.1");
    }
  }
}

TEST_CASE("rejected requests carry a request id, are logged rate-limited and counted", "[integration][edge][observability]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("reached"); });
  ServerOptions o;
  o.rejected_log_level = LogLevel::Warn;
  o.rejected_log_per_second = 3;
  Config cfg = catch_all_config(up.port(), o);
  cfg.add(Route("deny").get("/deny").filter(request_filter("deny", [](Exchange&) {
    return FilterResult::respond(Response::problem(403, "not for you"));
  })).to("svc"));
  GatewayRunner gw(std::move(cfg));
  std::mutex mu;
  std::vector<std::string> lines;
  gw.gateway().set_log_sink([&](LogLevel level, std::string_view line) {
    std::lock_guard lock(mu);
    if (level == LogLevel::Warn && line.find("rejected request") != std::string_view::npos) lines.emplace_back(line);
  });

  const int n = 20;
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    auto all = exchange_once(gw.port(), "GET /a HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n");
    check_rejected(all, 400);
    auto body = body_of(all);
    auto at = body.find("\"request_id\":\"");
    REQUIRE(at != std::string::npos);
    ids.push_back(body.substr(at + 14, body.find('"', at + 14) - at - 14));
  }
  CHECK(gw.gateway().requests_rejected() == static_cast<std::uint64_t>(n));
  CHECK(gw.gateway().requests_served() == 0);
  {
    std::lock_guard lock(mu);
    CHECK(lines.size() >= 3);
    CHECK(lines.size() < static_cast<std::size_t>(n));  // the flood is cut down
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.front().find(ids.front()) != std::string::npos);  // the line names the id the client saw
    CHECK(lines.front().find(" 400 ") != std::string::npos);
  }

  SECTION("a filter's Response::problem gets the request id too") {
    RawClient c(gw.port());
    c.send("GET /deny HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-123\r\n\r\n");
    auto res = c.read_response();
    CHECK(status_of(res) == 403);
    CHECK(body_of(res).find("\"request_id\":\"abc-123\"") != std::string::npos);
  }
}
