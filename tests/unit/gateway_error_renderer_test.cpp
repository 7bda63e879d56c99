// Replaceable rendering of gateway-made error responses: global, per route, and a failing renderer.
#include <catch2/catch.hpp>

#include "portico/gateway.hpp"
#include "portico/testing/fake_transport.hpp"

using namespace portico;
using portico::testing::FakeTransport;

namespace {

Response plain_text(const ErrorInfo& info) {
  Response r = Response::text(999, "error " + std::to_string(info.status) + " " + std::string(to_string(info.code)) +
                                       " on " + std::string(info.route_id.empty() ? "-" : info.route_id));
  r.headers.set("X-Request-Id", std::string(info.request_id));
  return r;
}

}  // namespace

TEST_CASE("error renderer: global, per route, status kept, a throwing one falls back", "[gateway][errors]") {
  auto down = std::make_shared<FakeTransport>(
      [](const Endpoint&, const Request&) -> Result<Response> { return make_error(Errc::ConnectFailed, "refused"); });
  Gateway gw(down);
  Config c;
  c.add(Upstream("u").endpoint("10.0.0.1", 80));
  c.error_renderer(plain_text);
  c.add(Route("plain").get("/plain").to("u"));
  c.add(Route("json").get("/json").error_renderer([](const ErrorInfo& info) {
    return Response::json(0, R"({"error":")" + std::string(info.detail) + R"("})");
  }).to("u"));
  c.add(Route("broken").get("/broken").error_renderer([](const ErrorInfo&) -> Response {
    throw std::runtime_error("renderer bug");
  }).to("u"));
  REQUIRE(gw.apply(c));

  auto a = gw.handle(Request::make("GET", "/plain", {{"Host", "h"}}));
  CHECK(a.status == 502);  // the table's status, whatever the renderer set
  CHECK(a.body == "error 502 connect_failed on plain");
  CHECK(a.headers.get("Content-Type") == "text/plain; charset=utf-8");
  CHECK(a.headers.get("X-Request-Id")->size() == 16);

  auto b = gw.handle(Request::make("GET", "/json", {{"Host", "h"}}));
  CHECK(b.status == 502);
  CHECK(b.body == R"({"error":"the upstream could not be reached"})");

  auto broken = gw.handle(Request::make("GET", "/broken", {{"Host", "h"}}));
  CHECK(broken.status == 502);
  CHECK(broken.headers.get("Content-Type") == "application/problem+json");

  auto none = gw.handle(Request::make("GET", "/nowhere", {{"Host", "h"}}));
  CHECK(none.status == 404);
  CHECK(none.body == "error 404 no_route on -");
}
