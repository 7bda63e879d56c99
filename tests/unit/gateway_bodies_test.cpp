// Gateway::handle honours the filters' body decisions: bodies are whole there, so transforms run
// over the whole body and limits are checked against it.
#include <catch2/catch.hpp>

#include "portico/gateway.hpp"
#include "portico/testing/fake_transport.hpp"
#include "support/body_filters.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

/// A gateway on a fake transport answering `body` with `type`; route "/x" carries `filters`.
struct Fixture {
  std::shared_ptr<FakeTransport> transport;
  Gateway gw;

  Fixture(std::vector<FilterPtr> filters, std::string type, std::string body)
      : transport(std::make_shared<FakeTransport>([type, body](const Endpoint&, const Request&) -> Result<Response> {
          Response r = Response::text(200, body);
          r.headers.set("Content-Type", type);
          return r;
        })),
        gw(transport) {
    gw.set_log_sink([](LogLevel, std::string_view) {});
    Config c;
    c.add(Upstream("svc").endpoint("10.0.0.1", 80));
    Route r("x");
    r.path("/x").to("svc");
    for (auto& f : filters) r.filter(f);
    c.add(std::move(r));
    REQUIRE(gw.apply(c));
  }
  Response get(std::string body = {}) {
    return gw.handle(Request::make(body.empty() ? "GET" : "POST", "/x", {{"Host", "h"}}, std::move(body)));
  }
};

}  // namespace

TEST_CASE("handle: a response transform runs over the whole body; the length is the new body's",
          "[gateway][bodies]") {
  Fixture f({std::make_shared<UpperFilter>("!")}, "text/plain", "hello");
  auto r = f.get();
  CHECK(r.status == 200);
  CHECK(r.body == "HELLO!");
  CHECK(r.headers.get("Content-Length") == "6");
  CHECK(r.headers.get("X-Transformed") == "upper");
}

TEST_CASE("handle: transforms chain in response order", "[gateway][bodies]") {
  struct Counting final : Filter {
    ResponseBody on_response_head(Exchange&, const Response&) const override {
      return ResponseBody::through(std::make_unique<CountTransform>());
    }
  };
  // Response order is the reverse of the chain: the counter (added last) sees the body first.
  Fixture f({std::make_shared<UpperFilter>("x"), std::make_shared<Counting>()}, "text/plain", "abc");
  CHECK(f.get().body == "ABC\n3x");  // the other order would give "ABCx\n4"
}

TEST_CASE("handle: a JSON-only buffering filter sees JSON whole and is told when over its limit",
          "[gateway][bodies]") {
  auto filter = std::make_shared<JsonOnlyFilter>(16);
  SECTION("within") {
    Fixture f({filter}, "application/json", "{\"ok\":true}");
    CHECK(f.get().headers.get("X-Json-Bytes") == "11");
  }
  SECTION("over") {
    Fixture f({filter}, "application/json", std::string(40, '1'));
    auto r = f.get();
    CHECK(r.headers.get("X-Json-Over-Limit") == "1");
    CHECK(r.body == std::string(40, '1'));
  }
  SECTION("not JSON") {
    Fixture f({filter}, "text/plain", "plain");
    auto r = f.get();
    CHECK_FALSE(r.headers.has("X-Json-Bytes"));
    CHECK_FALSE(r.headers.has("X-Json-Over-Limit"));
  }
}

TEST_CASE("handle: a failing transform on a whole body is a 500 problem, not the upstream's body",
          "[gateway][bodies]") {
  for (bool throws : {false, true}) {
    Fixture f({std::make_shared<FailingFilter>(3, throws)}, "text/plain", "secret upstream body");
    auto r = f.get();
    CHECK(r.status == 500);
    CHECK(r.body.find("secret") == std::string::npos);
    CHECK(r.headers.get("Content-Type") == "application/problem+json");
  }
}

TEST_CASE("handle: on_response throwing on a transformed response drops the transform", "[gateway][bodies]") {
  auto thrower = response_filter("thrower", [](Exchange&, Response&) { throw std::runtime_error("x"); });
  Fixture f({thrower, std::make_shared<UpperFilter>()}, "text/plain", "upstream body");
  auto r = f.get();
  CHECK(r.status == 500);
  CHECK(r.body.find("UPSTREAM") == std::string::npos);
}

TEST_CASE("handle: a request body limit is checked against the body given", "[gateway][bodies]") {
  Fixture f({std::make_shared<RequestBodyFilter>(8)}, "text/plain", "ok");
  CHECK(f.get("12345678").status == 200);
  REQUIRE(f.transport->sent().size() == 1);
  CHECK(f.transport->sent()[0].request.headers.get("X-Seen-Body") == "8");
  CHECK(f.get("123456789").status == 413);
  CHECK(f.transport->sent().size() == 1);  // never reached the upstream
}

TEST_CASE("handle: a filter's answer goes through the transforms of the filters entered", "[gateway][bodies]") {
  auto answer = request_filter("answer", [](Exchange&) { return FilterResult::respond(Response::text(403, "no")); });
  Fixture f({std::make_shared<UpperFilter>(), answer}, "text/plain", "unused");
  auto r = f.get();
  CHECK(r.status == 403);
  CHECK(r.body == "NO");
}

TEST_CASE("handle: a request body transform runs over the whole body; the upstream gets its new length",
          "[gateway][bodies]") {
  std::string seen_body, seen_length;
  auto transport = std::make_shared<FakeTransport>([&](const Endpoint&, const Request& req) -> Result<Response> {
    seen_body = req.body;
    seen_length = std::string(req.headers.get("Content-Length").value_or(""));
    return Response::text(200, "ok");
  });
  Gateway gw(transport);
  gw.set_log_sink([](LogLevel, std::string_view) {});
  Config c;
  c.add(Upstream("svc").endpoint("10.0.0.1", 80));
  Route r("x");
  r.path("/x").to("svc").filter(request_upper("!")).filter(request_count());
  c.add(std::move(r));
  REQUIRE(gw.apply(c));
  auto res = gw.handle(Request::make("POST", "/x", {{"Host", "h"}}, "abc"));
  CHECK(res.status == 200);
  CHECK(seen_body == "ABC!\n4");  // request order: upper-case, then count
  CHECK(seen_length == "6");
}
