// The exchange's services on real sockets: a filter defers, fetches from a loopback server with the
// loop HTTP client (pooled, TLS, strict parser, limits, timeout) or arms a timer, and answers with
// what it got. Also: a fetch still pending when the gateway stops is dropped without harm.
#include <httplib.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "support/certs.hpp"
#include "support/tls_upstream.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

/// What the filter's callbacks saw (written on the loop thread, read by the test after a response).
struct Seen {
  std::atomic<int> callbacks{0};
  std::atomic<bool> on_loop_thread{true};
};

/// "ok <status> <body>" or "error <errc> <message>": what the filter answers with.
std::string describe(const Result<Response>& r) {
  if (r) return "ok " + std::to_string(r->status) + " " + r->body;
  return "error " + std::string(to_string(r.error().code)) + " " + r.error().message;
}

/// A filter that fetches `make(exchange)` and answers 200 with describe(result).
FilterPtr fetching_filter(std::function<ClientRequest()> make, std::shared_ptr<Seen> seen) {
  return request_filter("fetcher", [make, seen](Exchange& ex) {
    Deferred d = ex.defer();
    const auto loop_thread = std::this_thread::get_id();  // on_request runs on the loop thread
    ex.services().fetch(make(), [d, seen, loop_thread](Result<Response> r) {
      ++seen->callbacks;
      if (std::this_thread::get_id() != loop_thread) seen->on_loop_thread = false;
      d.respond(Response::text(200, describe(r)));
    });
    return FilterResult::pending();
  });
}

/// A gateway whose route "/f" runs `filter` (its upstream is never called).
Config filter_config(FilterPtr filter, ServerOptions options = {}) {
  Config c;
  c.options(std::move(options));
  c.add(Upstream("unused").endpoint("127.0.0.1", unused_port()));
  c.add(Route("f").get("/f").filter(std::move(filter)).to("unused"));
  return c;
}

std::string get_body(std::uint16_t port) {
  RawClient client(port);
  client.send("GET /f HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  auto raw = client.read_until_close(10000ms);
  REQUIRE(status_of(raw) == 200);
  return body_of(raw);
}

ClientRequest request_to(std::string url, std::chrono::milliseconds timeout = 5000ms) {
  ClientRequest r;
  r.url = std::move(url);
  r.timeout = timeout;
  return r;
}

}  // namespace

TEST_CASE("a filter fetches from a loopback server and answers with the response", "[integration][services]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("hello", "X-From: up\r\n"); });
  auto seen = std::make_shared<Seen>();
  const std::string url = "http://127.0.0.1:" + std::to_string(up.port()) + "/keys?kid=1";
  GatewayRunner gw(filter_config(fetching_filter([url] {
    ClientRequest r = request_to(url);
    r.headers.add("Accept", "application/json");
    r.headers.add("Content-Length", "99");  // framing is the client's own
    return r;
  }, seen)));

  CHECK(get_body(gw.port()) == "ok 200 hello");
  CHECK(seen->callbacks == 1);
  CHECK(seen->on_loop_thread);
  const auto received = up.received();
  REQUIRE(received.size() == 1);
  const auto& got = received[0];
  CHECK(got.request_line() == "GET /keys?kid=1 HTTP/1.1");
  CHECK(got.header("Host") == "127.0.0.1:" + std::to_string(up.port()));
  CHECK(got.header("Accept") == "application/json");
  CHECK(got.header("Content-Length").empty());
}

TEST_CASE("a second fetch reuses the pooled keep-alive connection", "[integration][services]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("again"); });
  auto seen = std::make_shared<Seen>();
  const std::string url = "http://127.0.0.1:" + std::to_string(up.port()) + "/x";
  GatewayRunner gw(filter_config(fetching_filter([url] { return request_to(url); }, seen)));

  CHECK(get_body(gw.port()) == "ok 200 again");
  CHECK(get_body(gw.port()) == "ok 200 again");
  CHECK(up.received().size() == 2);
  CHECK(up.connections() == 1);
  CHECK(seen->callbacks == 2);
}

TEST_CASE("a fetch the server never answers fails with upstream_timeout, once", "[integration][services]") {
  ScriptedUpstream silent([](const Received&) { return ScriptedUpstream::Reply{"", false, 60000ms}; });
  auto seen = std::make_shared<Seen>();
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/slow";
  GatewayRunner gw(filter_config(fetching_filter([url] { return request_to(url, 300ms); }, seen)));

  auto body = get_body(gw.port());
  CHECK(body.rfind("error upstream_timeout", 0) == 0);
  CHECK(body.find("did not answer in time") != std::string::npos);
  CHECK(seen->callbacks == 1);
  // A second exchange on the same loop times out the same way; the first fetch never called again.
  CHECK(get_body(gw.port()).rfind("error upstream_timeout", 0) == 0);
  CHECK(seen->callbacks == 2);
}

TEST_CASE("an invalid response is upstream_protocol", "[integration][services]") {
  ScriptedUpstream bad([](const Received&) {
    return ScriptedUpstream::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", true, 0ms};
  });
  auto seen = std::make_shared<Seen>();
  const std::string url = "http://127.0.0.1:" + std::to_string(bad.port()) + "/";
  GatewayRunner gw(filter_config(fetching_filter([url] { return request_to(url); }, seen)));
  auto body = get_body(gw.port());
  CHECK(body.rfind("error upstream_protocol", 0) == 0);
  CHECK(body.find("invalid response") != std::string::npos);
}

TEST_CASE("a response body over max_response_bytes is an error", "[integration][services]") {
  const std::string big(100, 'x');
  auto seen = std::make_shared<Seen>();
  SECTION("Content-Length over the limit") {
    ScriptedUpstream up([&](const Received&) { return ScriptedUpstream::ok(big); });
    const std::string url = "http://127.0.0.1:" + std::to_string(up.port()) + "/big";
    GatewayRunner gw(filter_config(fetching_filter([url] {
      ClientRequest r = request_to(url);
      r.max_response_bytes = 10;
      return r;
    }, seen)));
    auto body = get_body(gw.port());
    CHECK(body.rfind("error upstream_protocol", 0) == 0);
    CHECK(body.find("over the limit of 10 bytes") != std::string::npos);
  }
  SECTION("a chunked body growing over the limit") {
    ScriptedUpstream up([&](const Received&) {
      return ScriptedUpstream::Reply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + big + "\r\n0\r\n\r\n"};
    });
    const std::string url = "http://127.0.0.1:" + std::to_string(up.port()) + "/big";
    GatewayRunner gw(filter_config(fetching_filter([url] {
      ClientRequest r = request_to(url);
      r.max_response_bytes = 10;
      return r;
    }, seen)));
    auto body = get_body(gw.port());
    CHECK(body.rfind("error upstream_protocol", 0) == 0);
    CHECK(body.find("over the limit of 10 bytes") != std::string::npos);
  }
}

TEST_CASE("https fetches verify the server against the configured CA", "[integration][services][tls]") {
  TestCerts certs;
  certs.make_server("keys.test");
  TlsUpstream server(certs, "keys.test");
  TestCerts other;  // a different CA that did not sign the server's certificate
  auto seen = std::make_shared<Seen>();
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/jwks";

  SECTION("the right CA: the response") {
    GatewayRunner gw(filter_config(fetching_filter([&] {
      ClientRequest r = request_to(url);
      r.tls.ca_file = certs.ca_cert();
      return r;
    }, seen)));
    CHECK(get_body(gw.port()) == "ok 200 secure /jwks");
  }
  SECTION("a wrong CA: connect_failed naming the certificate") {
    GatewayRunner gw(filter_config(fetching_filter([&] {
      ClientRequest r = request_to(url);
      r.tls.ca_file = other.ca_cert();
      return r;
    }, seen)));
    auto body = get_body(gw.port());
    CHECK(body.rfind("error connect_failed", 0) == 0);
    CHECK(body.find("certificate") != std::string::npos);
  }
}

TEST_CASE("a bad URL fails the fetch with invalid_argument, after fetch() returned", "[integration][services]") {
  auto seen = std::make_shared<Seen>();
  GatewayRunner gw(filter_config(fetching_filter([] { return request_to("ftp://example.test/"); }, seen)));
  auto body = get_body(gw.port());
  CHECK(body.rfind("error invalid_argument", 0) == 0);
  CHECK(seen->callbacks == 1);
}

TEST_CASE("a timer fires on the loop thread; a cancelled one never runs", "[integration][services]") {
  auto cancelled_ran = std::make_shared<std::atomic<bool>>(false);
  auto filter = request_filter("timed", [cancelled_ran](Exchange& ex) {
    Deferred d = ex.defer();
    const auto loop_thread = std::this_thread::get_id();
    TimerHandle never = ex.services().timer(10ms, [cancelled_ran] { *cancelled_ran = true; });
    never.cancel();
    ex.services().timer(30ms, [d, loop_thread] {
      d.respond(Response::text(200, std::this_thread::get_id() == loop_thread ? "fired on the loop" : "wrong thread"));
    });
    return FilterResult::pending();
  });
  GatewayRunner gw(filter_config(filter));
  CHECK(get_body(gw.port()) == "fired on the loop");
  CHECK(get_body(gw.port()) == "fired on the loop");  // the cancelled timer had its time by now
  CHECK_FALSE(*cancelled_ran);
}

TEST_CASE("a fetch still pending when the gateway stops is dropped without being called",
          "[integration][services]") {
  ScriptedUpstream silent([](const Received&) { return ScriptedUpstream::Reply{"", false, 60000ms}; });
  auto seen = std::make_shared<Seen>();
  auto captured = std::make_shared<int>(0);
  std::weak_ptr<int> watch = captured;
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/hang";
  auto filter = request_filter("hang", [url, seen, captured](Exchange& ex) {
    Deferred d = ex.defer();
    ex.services().fetch(request_to(url, 60000ms), [d, seen, captured](Result<Response>) { ++seen->callbacks; });
    ex.services().timer(std::chrono::minutes(10), [captured] {});
    return FilterResult::pending();
  });
  ServerOptions options;
  options.drain_timeout = 200ms;
  auto gw = std::make_unique<GatewayRunner>(filter_config(filter, options));
  filter.reset();
  captured.reset();
  RawClient client(gw->port());
  REQUIRE(client.send("GET /f HTTP/1.1\r\nHost: h\r\n\r\n"));
  REQUIRE(silent.wait_for_requests(1));
  gw->stop();
  CHECK(seen->callbacks == 0);
  CHECK(client.closed_by_peer());
  gw.reset();
  CHECK(watch.expired());  // the dropped callbacks (and what they captured) are gone
}
