// Per-request body decisions and streamed body transforms through real sockets: a transform on a
// 50 MB chunked stream with memory bounded, a filter that buffers only JSON (text on the same route
// streams), over-limit bodies that stream unchanged, a transform failing mid-stream, re-framing for
// HTTP/1.0 and Content-Length responses, and request bodies read whole within a filter's limit.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <future>

#include "support/body_filters.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Reads from `fd` until `raw` holds a complete head ("\r\n\r\n"), EOF, or `timeout`. True if it does.
bool read_head(int fd, std::string& raw, std::chrono::milliseconds timeout = 10000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (raw.find("\r\n\r\n") == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

/// A raw upstream on 127.0.0.1: accepts connections one after another and hands each, with the
/// request head already read, to `serve`.
class RawUpstream {
 public:
  using Serve = std::function<void(int fd, const std::string& request_head)>;
  explicit RawUpstream(Serve serve) : serve_(std::move(serve)) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd_, 8) != 0)
      throw std::runtime_error("RawUpstream: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int fd = ::accept(lfd_, nullptr, nullptr);
        if (fd < 0) return;
        for (;;) {  // keep-alive: one request after another on this connection
          std::string head;
          if (!read_head(fd, head)) break;
          serve_(fd, head);
        }
        ::close(fd);
      }
    });
  }
  ~RawUpstream() {
    ::shutdown(lfd_, SHUT_RDWR);
    ::close(lfd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  Serve serve_;
  int lfd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::string json_reply(const std::string& body, bool chunked) {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  if (!chunked) return r + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  r += "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 10000) {
    auto piece = body.substr(at, 10000);
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx\r\n", piece.size());
    r += hex + piece + "\r\n";
  }
  return r + "0\r\n\r\n";
}

}  // namespace

TEST_CASE("a transform upper-cases a 50 MB chunked stream: header edits apply, memory bounded",
          "[integration][bodies][stream]") {
  constexpr std::size_t kPiece = 64 * 1024;
  constexpr std::size_t kPieces = 800;  // 50 MiB
  std::uint64_t sent_sum = 0;  // of the upper-cased body the client should receive
  RawUpstream up([&](int fd, const std::string&) {
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string piece(kPiece, 'a');
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx\r\n", kPiece);
    for (std::size_t i = 0; i < kPieces; ++i) {
      for (std::size_t k = 0; k < kPiece; ++k) {
        piece[k] = static_cast<char>('a' + (i * 7 + k * 3) % 26);
        sent_sum = sent_sum * 31 + static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(piece[k])));
      }
      if (!write_all(fd, hex) || !write_all(fd, piece) || !write_all(fd, "\r\n")) return;
    }
    write_all(fd, "0\r\n\r\n");
  });
  GatewayRunner gw(route_with(up.port(), {std::make_shared<UpperFilter>()}));
  reset_peak_rss();
  const long before = peak_rss_kib();
  RawClient c(gw.port());
  REQUIRE(c.send("GET /big HTTP/1.1\r\nHost: gw\r\n\r\n"));
  std::string head;
  REQUIRE(read_head(c.fd(), head));
  const auto end = head.find("\r\n\r\n");
  std::uint64_t got_sum = 0, got_bytes = 0;
  bool lower_seen = false;
  Dechunker d;
  d.on_data = [&](std::string_view data) {
    for (unsigned char ch : data) {
      got_sum = got_sum * 31 + ch;
      lower_seen = lower_seen || std::islower(ch);
    }
    got_bytes += data.size();
    return true;
  };
  REQUIRE(d.feed(std::string_view(head).substr(end + 4)));
  head.resize(end + 4);
  char buf[65536];
  while (!d.done) {
    auto n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    REQUIRE(d.feed(std::string_view(buf, static_cast<std::size_t>(n))));
  }
  const long after = peak_rss_kib();
  CHECK(status_of(head) == 200);
  CHECK(header_of(head, "X-Transformed") == "upper");  // on_response's edit on a streamed response
  CHECK(header_of(head, "Transfer-Encoding") == "chunked");
  CHECK(d.done);
  CHECK(got_bytes == kPiece * kPieces);
  CHECK_FALSE(lower_seen);
  CHECK(got_sum == sent_sum);
  INFO("peak RSS grew by " << (after - before) << " KiB while 50 MiB streamed through a transform");
  CHECK(after - before < 16 * 1024);
}

TEST_CASE("a filter that buffers only JSON: JSON arrives whole, text on the same route streams",
          "[integration][bodies]") {
  std::promise<void> head_seen;
  auto head_seen_future = head_seen.get_future();
  RawUpstream up([&](int fd, const std::string& request) {
    if (request.rfind("GET /json ", 0) == 0) {
      write_all(fd, json_reply("{\"items\":[1,2,3]}", true));
      return;
    }
    // Text: the head first; the body only once the client has the head (a buffering gateway
    // would hold the head back until the body came, and this would wait out its deadline).
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
    head_seen_future.wait_for(10s);
    write_all(fd, "later");
  });
  GatewayRunner gw(route_with(up.port(), {std::make_shared<JsonOnlyFilter>(1 << 20)}));
  RawClient c(gw.port());
  REQUIRE(c.send("GET /json HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto json = c.read_response();
  CHECK(status_of(json) == 200);
  CHECK(header_of(json, "X-Json-Bytes") == "17");  // on_response saw the whole body
  CHECK(header_of(json, "Content-Length") == "17");  // re-framed whole: no chunked
  CHECK(body_of(json) == "{\"items\":[1,2,3]}");

  REQUIRE(c.send("GET /text HTTP/1.1\r\nHost: gw\r\n\r\n"));
  std::string text;
  const bool got_head = read_head(c.fd(), text);
  head_seen.set_value();
  REQUIRE(got_head);
  CHECK(status_of(text) == 200);
  CHECK(header_of(text, "X-Json-Bytes").empty());
  CHECK(header_of(text, "Content-Length") == "5");  // streamed with the upstream's framing
  const auto until = std::chrono::steady_clock::now() + 10s;
  char buf[256];
  while (text.size() < text.find("\r\n\r\n") + 4 + 5 && std::chrono::steady_clock::now() < until) {
    auto n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  CHECK(body_of(text) == "later");
}

TEST_CASE("a body over the buffering limit streams unchanged, nothing lost", "[integration][bodies]") {
  std::string big;
  for (std::size_t i = 0; big.size() < 300 * 1024; ++i) big += "{\"n\":" + std::to_string(i) + "},";
  RawUpstream up([&](int fd, const std::string& request) {
    write_all(fd, json_reply(big, request.rfind("GET /chunked ", 0) == 0));
  });
  GatewayRunner gw(route_with(up.port(), {std::make_shared<JsonOnlyFilter>(64 * 1024)}));
  RawClient c(gw.port());
  SECTION("Content-Length from the upstream: the same length goes out") {
    REQUIRE(c.send("GET /length HTTP/1.1\r\nHost: gw\r\n\r\n"));
    auto r = c.read_response(10s);
    CHECK(status_of(r) == 200);
    CHECK(header_of(r, "X-Json-Over-Limit") == "1");
    CHECK(header_of(r, "Content-Length") == std::to_string(big.size()));
    CHECK(body_of(r) == big);
  }
  SECTION("chunked from the upstream") {
    REQUIRE(c.send("GET /chunked HTTP/1.1\r\nHost: gw\r\n\r\n"));
    auto r = c.read_response(10s);
    CHECK(status_of(r) == 200);
    CHECK(header_of(r, "X-Json-Over-Limit") == "1");
    CHECK(header_of(r, "Transfer-Encoding") == "chunked");
    CHECK(body_of(r) == big);
  }
  // The connection is still good for another request.
  REQUIRE(c.send("GET /length HTTP/1.1\r\nHost: gw\r\n\r\n"));
  CHECK(body_of(c.read_response(10s)) == big);
}

TEST_CASE("a transform failing mid-stream closes the connection after a partial body", "[integration][bodies]") {
  const bool throws = GENERATE(false, true);
  constexpr std::size_t kBody = 1 << 20;
  RawUpstream up([&](int fd, const std::string&) {
    std::string body(kBody, 'z');
    std::string r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 16384) {
      char hex[32];
      std::snprintf(hex, sizeof hex, "%x\r\n", 16384);
      r += hex + body.substr(at, 16384) + "\r\n";
    }
    write_all(fd, r + "0\r\n\r\n");
  });
  auto observer = std::make_shared<OutcomeObserver>();
  GatewayRunner gw(route_with(up.port(), {observer, std::make_shared<FailingFilter>(100 * 1024, throws)}));
  gw.gateway().set_log_sink([](LogLevel, std::string_view) {});
  RawClient c(gw.port());
  REQUIRE(c.send("GET /fails HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto raw = c.read_until_close(10s);
  CHECK(status_of(raw) == 200);
  CHECK(count_responses(raw) == 1);  // never a second (500) head after the first
  CHECK(header_of(raw, "Transfer-Encoding") == "chunked");
  auto body_start = raw.find("\r\n\r\n") + 4;
  Dechunker d;
  std::size_t got = 0;
  d.on_data = [&](std::string_view data) {
    got += data.size();
    return true;
  };
  REQUIRE(d.feed(std::string_view(raw).substr(body_start)));
  CHECK_FALSE(d.done);  // no last chunk: the client can tell the body is incomplete
  CHECK(got > 0);
  CHECK(got <= 100 * 1024);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (observer->calls.load() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  CHECK(observer->outcome.load() == static_cast<int>(ExchangeRecord::Outcome::Failed));
  CHECK(observer->error.load() == static_cast<int>(Errc::FilterThrew));
}

TEST_CASE("a transformed response is re-framed: close-delimited for HTTP/1.0, chunked for 1.1",
          "[integration][bodies]") {
  RawUpstream up([&](int fd, const std::string&) {
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world");
  });
  GatewayRunner gw(route_with(up.port(), {std::make_shared<UpperFilter>("!")}));
  SECTION("HTTP/1.0: no length, the connection closes after the body") {
    RawClient c(gw.port());
    REQUIRE(c.send("GET /a HTTP/1.0\r\nHost: gw\r\n\r\n"));
    auto raw = c.read_until_close(10s);
    CHECK(status_of(raw) == 200);
    CHECK(header_of(raw, "Content-Length").empty());
    CHECK(header_of(raw, "Transfer-Encoding").empty());
    CHECK(header_of(raw, "Connection") == "close");
    CHECK(raw.substr(raw.find("\r\n\r\n") + 4) == "HELLO WORLD!");
  }
  SECTION("HTTP/1.1 and a Content-Length upstream: chunked, and the connection stays open") {
    RawClient c(gw.port());
    for (int i = 0; i < 2; ++i) {
      REQUIRE(c.send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"));
      auto raw = c.read_response(10s);
      CHECK(status_of(raw) == 200);
      CHECK(header_of(raw, "Content-Length").empty());
      CHECK(header_of(raw, "Transfer-Encoding") == "chunked");
      CHECK(body_of(raw) == "HELLO WORLD!");
    }
  }
  SECTION("HEAD: no body and no length") {
    RawClient c(gw.port());
    REQUIRE(c.send("HEAD /a HTTP/1.1\r\nHost: gw\r\n\r\n"));
    auto raw = c.read_response(10s, true);
    CHECK(status_of(raw) == 200);
    CHECK(header_of(raw, "Content-Length").empty());
    CHECK(raw.substr(raw.find("\r\n\r\n") + 4).empty());
  }
}

TEST_CASE("a request body is read whole within a filter's limit; over it, 413", "[integration][bodies]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.header("X-Seen-Body")); });
  GatewayRunner gw(route_with(up.port(), {std::make_shared<RequestBodyFilter>(200 * 1024)}));
  gw.gateway().set_log_sink([](LogLevel, std::string_view) {});
  SECTION("a chunked body larger than request_buffer_bytes, within the limit: the filter sees it whole") {
    RawClient c(gw.port());
    std::string body(100 * 1024, 'b');
    std::string req = "POST /up HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 8192) {
      auto piece = body.substr(at, 8192);
      char hex[32];
      std::snprintf(hex, sizeof hex, "%zx\r\n", piece.size());
      req += hex + piece + "\r\n";
    }
    REQUIRE(c.send(req + "0\r\n\r\n"));
    auto r = c.read_response(10s);
    CHECK(status_of(r) == 200);
    CHECK(body_of(r) == std::to_string(body.size()));
    REQUIRE(up.wait_for_requests(1));
    CHECK(up.received()[0].header("Content-Length") == std::to_string(body.size()));
  }
  SECTION("a declared length over the limit: 413 at once, the connection closes") {
    RawClient c(gw.port());
    REQUIRE(c.send("POST /up HTTP/1.1\r\nHost: gw\r\nContent-Length: 300000\r\n\r\n"));
    auto r = c.read_response(10s);
    CHECK(status_of(r) == 413);
    CHECK(c.closed_by_peer());
    CHECK(up.received().empty());
  }
  SECTION("a chunked body growing over the limit: 413") {
    RawClient c(gw.port());
    std::string piece(64 * 1024, 'c');
    std::string req = "POST /up HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) req += "10000\r\n" + piece + "\r\n";
    REQUIRE(c.send(req));
    auto r = c.read_response(10s);
    CHECK(status_of(r) == 413);
    CHECK(up.received().empty());
  }
}

TEST_CASE("a filter throwing in on_response on a streamed response: a whole 500, never the upstream's body",
          "[integration][bodies]") {
  RawUpstream up([&](int fd, const std::string&) {
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nsecret upstream body");
  });
  auto thrower = response_filter("thrower", [](Exchange&, Response&) { throw std::runtime_error("x"); });
  GatewayRunner gw(route_with(up.port(), {thrower}));
  gw.gateway().set_log_sink([](LogLevel, std::string_view) {});
  RawClient c(gw.port());
  for (int i = 0; i < 2; ++i) {  // the client connection stays usable
    REQUIRE(c.send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"));
    auto raw = c.read_response(10s);
    CHECK(status_of(raw) == 500);
    CHECK(header_of(raw, "Content-Type") == "application/problem+json");
    CHECK(header_of(raw, "Content-Length") == std::to_string(body_of(raw).size()));
    CHECK(raw.find("secret") == std::string::npos);
  }
}
