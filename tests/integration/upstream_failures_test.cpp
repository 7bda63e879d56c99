// A failing upstream fails only its own requests, with the status the one table gives.
#include <catch2/catch.hpp>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;


TEST_CASE("connection refused gives 502 problem+json with the request id", "[integration][upstream]") {
  GatewayRunner gw(catch_all_config(unused_port()));
  RawClient c(gw.port());
  c.send("GET /a HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-123\r\n\r\n");
  auto res = c.read_response();
  CHECK(status_of(res) == 502);
  CHECK(header_of(res, "Content-Type") == "application/problem+json");
  CHECK(body_of(res).find("\"request_id\":\"abc-123\"") != std::string::npos);
  // The connection survives a failed upstream.
  c.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(c.read_response()) == 502);
}

TEST_CASE("garbage and invalid upstream framing give 502 for that request only", "[integration][upstream]") {
  std::string mode;
  ScriptedUpstream up([&](const Received& r) {
    ScriptedUpstream::Reply reply;
    auto line = r.request_line();
    if (line.find("/garbage") != std::string::npos) reply = {"NOT HTTP AT ALL\r\n\r\n", true};
    else if (line.find("/clte") != std::string::npos)
      reply = {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true};
    else if (line.find("/badcl") != std::string::npos) reply = {"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", true};
    else if (line.find("/crlf") != std::string::npos)
      reply = {"HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: pwn=1\r\nContent-Length: 0\r\n\r\n", true};
    else if (line.find("/hugehead") != std::string::npos)
      reply = {"HTTP/1.1 200 OK\r\nX-Big: " + std::string(100000, 'a') + "\r\nContent-Length: 0\r\n\r\n", true};
    else if (line.find("/longstatus") != std::string::npos)
      reply = {"HTTP/1.1 200 " + std::string(100000, 'O') + "\r\n\r\n", true};
    else reply = ScriptedUpstream::ok("fine");
    return reply;
  });
  GatewayRunner gw(catch_all_config(up.port()));
  for (std::string path : {"/garbage", "/clte", "/badcl", "/crlf", "/hugehead", "/longstatus"}) {
    DYNAMIC_SECTION(path) {
      RawClient c(gw.port());
      c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
      auto res = c.read_response();
      CHECK(status_of(res) == 502);
      CHECK(header_of(res, "Set-Cookie").empty());
      c.send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
      auto ok = c.read_response();
      CHECK(status_of(ok) == 200);
      CHECK(body_of(ok) == "fine");
    }
  }
}

TEST_CASE("a slow upstream gives 504 after the upstream timeout", "[integration][upstream]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("late");
    r.delay = std::chrono::milliseconds(1500);
    return r;
  });
  ServerOptions opts;
  opts.upstream_timeout = std::chrono::milliseconds(200);
  GatewayRunner gw(catch_all_config(up.port(), opts));
  RawClient c(gw.port());
  auto t0 = std::chrono::steady_clock::now();
  c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = c.read_response();
  CHECK(status_of(res) == 504);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1400));
}

TEST_CASE("a route's total timeout bounds the upstream call", "[integration][upstream]") {
  ScriptedUpstream up([](const Received&) {
    auto r = ScriptedUpstream::ok("late");
    r.delay = std::chrono::milliseconds(1500);
    return r;
  });
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("all").path("/{all}").timeout(std::chrono::milliseconds(150)).to("svc"));
  GatewayRunner gw(std::move(c));
  RawClient client(gw.port());
  client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(status_of(client.read_response()) == 504);
}

TEST_CASE("an upstream that resets mid-body aborts only that client connection", "[integration][upstream]") {
  ScriptedUpstream up([](const Received& r) {
    if (r.request_line().find("/cut") != std::string::npos)
      return ScriptedUpstream::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial", true};
    return ScriptedUpstream::ok("whole");
  });
  GatewayRunner gw(catch_all_config(up.port()));
  RawClient other(gw.port());
  RawClient c(gw.port());
  c.send("GET /cut HTTP/1.1\r\nHost: h\r\n\r\n");
  auto all = c.read_until_close();
  CHECK(status_of(all) == 200);  // the head had already gone out
  CHECK(all.size() < 100000);    // and the body was cut: the connection was closed, never padded
  other.send("GET /fine HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(body_of(other.read_response()) == "whole");
}

TEST_CASE("a stale pooled connection is retried once for idempotent requests", "[integration][upstream]") {
  // The upstream answers with keep-alive but closes right after: the pooled connection is dead
  // by the time of the next request.
  ScriptedUpstream up([](const Received& r) {
    auto reply = ScriptedUpstream::ok(r.request_line());
    reply.close = true;
    return reply;
  });
  GatewayRunner gw(catch_all_config(up.port()));
  RawClient c(gw.port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n");
    auto res = c.read_response();
    CHECK(status_of(res) == 200);
    CHECK(body_of(res) == "GET /n" + std::to_string(i) + " HTTP/1.1");
  }
  CHECK(up.received().size() == 3);
}

TEST_CASE("a streamed request body larger than memory limits reaches the upstream intact", "[integration][upstream]") {
  // 32 MiB through a gateway whose pieces are 64 KiB: the body streams with backpressure.
  std::size_t total = 32u << 20;
  ScriptedUpstream up([](const Received& r) {
    std::uint64_t sum = 0;
    for (unsigned char ch : r.body) sum += ch;
    return ScriptedUpstream::ok(std::to_string(r.body.size()) + ":" + std::to_string(sum));
  });
  ServerOptions opts;
  opts.max_body_bytes = 64u << 20;
  GatewayRunner gw(catch_all_config(up.port(), opts));
  RawClient c(gw.port());
  std::string chunk(1 << 20, '\0');
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    chunk[i] = static_cast<char>(i * 7 + 3);
    sum += static_cast<unsigned char>(chunk[i]);
  }
  std::thread sender([&] {
    c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n");
    for (std::size_t sent = 0; sent < total; sent += chunk.size()) c.send(chunk);
  });
  auto res = c.read_response(std::chrono::milliseconds(30000));
  sender.join();
  CHECK(status_of(res) == 200);
  CHECK(body_of(res) == std::to_string(total) + ":" + std::to_string(sum * 32));
}

TEST_CASE("a large upstream response streams to the client", "[integration][upstream]") {
  std::string big(8u << 20, 'z');
  ScriptedUpstream up([&](const Received&) { return ScriptedUpstream::ok(big); });
  GatewayRunner gw(catch_all_config(up.port()));
  RawClient c(gw.port());
  c.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
  auto res = c.read_response(std::chrono::milliseconds(30000));
  CHECK(status_of(res) == 200);
  CHECK(body_of(res).size() == big.size());
}
