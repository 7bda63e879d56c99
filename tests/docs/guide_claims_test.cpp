// What docs/guide/embedding.md says about filters and stopping, checked against the engine.
// tenant_filter.hpp is the guide's own Tenant filter, extracted from the Markdown at configure time.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <portico/portico.hpp>
#include <portico/testing/fake_transport.hpp>

#include "tenant_filter.hpp"

namespace {

portico::Config tenant_config() {
  portico::Config config;
  config.add(portico::Upstream("users").endpoint("10.0.0.7", 8080))
      .add(portico::Route("user").get("/api/users/{id}").to("users").filter(std::make_shared<Tenant>()));
  return config;
}

}  // namespace

TEST_CASE("guide Tenant filter: a request without X-Tenant gets 400, and its response hook copes", "[docs]") {
  auto transport = std::make_shared<portico::testing::FakeTransport>();
  portico::Gateway gateway(transport);
  REQUIRE(gateway.apply(tenant_config()));

  auto res = gateway.handle(portico::Request::make("GET", "/api/users/1", {{"Host", "api"}}));
  CHECK(res.status == 400);
  CHECK_FALSE(res.headers.has("X-Tenant"));
  CHECK(transport->sent().empty());

  // The gateway keeps serving: the next request, with the header, goes upstream and is tagged.
  res = gateway.handle(portico::Request::make("GET", "/api/users/1", {{"Host", "api"}, {"X-Tenant", "acme"}}));
  CHECK(res.status == 200);
  CHECK(res.headers.get("X-Tenant") == "acme");
  CHECK(transport->sent().size() == 1);
}

TEST_CASE("guide Tenant filter: a gateway-made error passes its response hook too", "[docs]") {
  auto transport = std::make_shared<portico::testing::FakeTransport>(
      [](const portico::Endpoint&, const portico::Request&) -> portico::Result<portico::Response> {
        return portico::make_error(portico::Errc::ConnectFailed, "refused");
      });
  portico::Gateway gateway(transport);
  REQUIRE(gateway.apply(tenant_config()));
  auto res = gateway.handle(portico::Request::make("GET", "/api/users/1", {{"Host", "api"}, {"X-Tenant", "acme"}}));
  CHECK(res.status == 502);
  CHECK(res.headers.get("X-Tenant") == "acme");
}

TEST_CASE("guide: a path served only for another method is 404, not 405", "[docs]") {
  auto transport = std::make_shared<portico::testing::FakeTransport>();
  portico::Gateway gateway(transport);
  REQUIRE(gateway.apply(tenant_config()));
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    CAPTURE(method);
    auto res = gateway.handle(portico::Request::make(method, "/api/users/1", {{"Host", "api"}, {"X-Tenant", "a"}}));
    CHECK(res.status == 404);
    CHECK_FALSE(res.headers.has("Allow"));
  }
  CHECK(transport->sent().empty());
}

TEST_CASE("guide: request_stop() before a loop starts is remembered, and that run() drains at once", "[docs]") {
  portico::Gateway gateway;
  REQUIRE(gateway.apply(tenant_config()));
  REQUIRE(gateway.listen({.host = "127.0.0.1", .port = 0}));
  gateway.request_stop();
  auto loop = std::async(std::launch::async, [&] { gateway.run(); });
  const bool returned = loop.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!returned) gateway.stop();  // releases the loop so the test can end (and fail)
  CHECK(returned);
}
