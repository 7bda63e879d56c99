// A host's own ocelot.json section, end to end through real sockets: the host registers
// "MyTagOptions" with a factory for its C++ filter, one route sets it and GlobalConfiguration gives
// the default, and the upstream sees each route's merged settings.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "portico/config/ocelot.hpp"
#include "portico/config/sections.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

// Tags the upstream request (header and value from its section) and names the route on the response.
class TagFilter final : public Filter {
 public:
  TagFilter(std::string header, std::string tag, std::string route) :
      header_(std::move(header)), tag_(std::move(tag)), route_(std::move(route)) {}
  std::string_view name() const noexcept override { return "tag"; }
  void on_upstream_request(Exchange&, Request& upstream) const override { upstream.headers.set(header_, tag_); }
  void on_response(Exchange&, Response& response) const override { response.headers.set("X-Tagged-Route", route_); }

 private:
  std::string header_, tag_, route_;
};

Result<FilterPtr> tag_section(const config::SectionInput& in) {
  auto section = in.node["MyTagOptions"];
  auto tag = section["Tag"].as_string();
  if (!tag) return std::move(tag).error();
  std::string header = "X-Tag";
  if (auto h = section["Header"]; h.present()) {
    auto s = h.as_string();
    if (!s) return std::move(s).error();
    header = std::move(*s);
  }
  return FilterPtr(std::make_shared<TagFilter>(std::move(header), std::move(*tag), std::string(in.route_id)));
}

std::string route_to(std::uint16_t port, std::string_view path, std::string_view extra) {
  return R"({"DownstreamPathTemplate": "/{everything}", "DownstreamHostAndPorts": [{"Host": "127.0.0.1", "Port": )" +
         std::to_string(port) + R"(}], "UpstreamPathTemplate": ")" + std::string(path) + R"(")" +
         (extra.empty() ? "" : ", " + std::string(extra)) + "}";
}

}  // namespace

TEST_CASE("a host section configures the host's filter per route, GlobalConfiguration merged under it",
          "[integration][filters][sections]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("ok"); });
  config::SectionRegistry sections;
  REQUIRE(sections.add({.keys = {"MyTagOptions"}, .factory = tag_section}));
  auto loaded = config::load_ocelot(
      R"({"Routes": [)" + route_to(up.port(), "/a/{everything}", R"("Key": "orders", "MyTagOptions": {"Tag": "x"})") +
          ", " + route_to(up.port(), "/b/{everything}", "") +
          R"(], "GlobalConfiguration": {"MyTagOptions": {"Tag": "default", "Header": "X-Team"}}})",
      config::OcelotLoadOptions{.sections = &sections});
  REQUIRE(loaded);
  CHECK(loaded->warnings.empty());
  GatewayRunner gw(std::move(loaded->config));

  RawClient c(gw.port());
  REQUIRE(c.send("GET /a/1 HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto a = c.read_response();
  CHECK(status_of(a) == 200);
  CHECK(header_of(a, "X-Tagged-Route") == "orders");
  REQUIRE(up.wait_for_requests(1));
  CHECK(up.received()[0].header("X-Team") == "x");  // the route's Tag, GlobalConfiguration's Header
  CHECK(up.received()[0].header("X-Tag").empty());

  REQUIRE(c.send("GET /b/2 HTTP/1.1\r\nHost: gw\r\n\r\n"));
  auto b = c.read_response();
  CHECK(status_of(b) == 200);
  CHECK(header_of(b, "X-Tagged-Route") == "route-1");
  REQUIRE(up.wait_for_requests(2));
  CHECK(up.received()[1].header("X-Team") == "default");  // all inherited
}
