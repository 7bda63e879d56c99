// Header transforms through the filter harness: Ocelot's semantics and Portico's edits.
#include <catch2/catch.hpp>

#include "portico/filters/header_transform.hpp"
#include "portico/testing/filter_harness.hpp"

using namespace portico;
using portico::config::JsonDocument;
using portico::filters::HeaderEdit;
using portico::testing::FilterHarness;

namespace {

FilterPtr from_ocelot(std::string_view up, std::string_view down, std::string base_url = {}) {
  auto u = JsonDocument::parse(up);
  auto d = JsonDocument::parse(down);
  REQUIRE(u);
  REQUIRE(d);
  auto cfg = filters::ocelot_header_transform(u->root("Routes[0].UpstreamHeaderTransform"),
                                              d->root("Routes[0].DownstreamHeaderTransform"), std::move(base_url));
  REQUIRE(cfg);
  auto f = filters::make_header_transform(std::move(*cfg));
  REQUIRE(f);
  return *f;
}

Request upstream_request(Headers h) {
  Request r = Request::make("GET", "/x", std::move(h));
  return r;
}

}  // namespace

TEST_CASE("header transform: Ocelot's find-and-replace on the upstream request", "[filters][header_transform]") {
  auto f = from_ocelot(R"({"Test": "http://www.bbc.co.uk/, http://ocelot.com/"})", "{}");
  CHECK(f->phase() == Phase::Transform);
  FilterHarness h(f);
  h.request("GET", "/x", {{"Test", "http://www.bbc.co.uk/"}});
  REQUIRE(h.run_request().next());
  auto out = h.run_upstream_request(upstream_request({{"Host", "up:80"}, {"test", "http://www.bbc.co.uk/"}}));
  CHECK(out.headers.get("Test") == "http://ocelot.com/");
}

TEST_CASE("header transform: plain values set request headers, placeholders resolve per request",
          "[filters][header_transform]") {
  auto f = from_ocelot(R"({"X-Forwarded-For": "{RemoteIpAddress}", "X-Host": "{UpstreamHost}",
                           "X-User": "user-{id}", "X-Missing": "{nope}", "X-Json": "{\"a\":1}", "Cookie": ""})",
                       "{}");
  FilterHarness h(f);
  h.request("GET", "/users/7", {{"Host", "api.example.com"}}).client_address("203.0.113.5").param("id", "7");
  REQUIRE(h.run_request().next());
  auto out = h.run_upstream_request(upstream_request(
      {{"Host", "up:80"}, {"X-Forwarded-For", "1.1.1.1"}, {"X-Forwarded-For", "2.2.2.2"}, {"Cookie", "a=b"}}));
  CHECK(out.headers.get_all("X-Forwarded-For") == std::vector<std::string_view>{"203.0.113.5"});
  CHECK(out.headers.get("X-Host") == "api.example.com");
  CHECK(out.headers.get("X-User") == "user-7");
  CHECK_FALSE(out.headers.has("X-Missing"));  // no such placeholder for this request: skipped
  CHECK(out.headers.get("X-Json") == "{\"a\":1}");
  CHECK_FALSE(out.headers.has("Cookie"));  // an empty value removes
}

TEST_CASE("header transform: Location of a redirect is rewritten to the gateway", "[filters][header_transform]") {
  SECTION("configured base URL") {
    auto f = from_ocelot("{}", R"({"Location": "{DownstreamBaseUrl}, {BaseUrl}"})", "http://gateway.example.com");
    FilterHarness h(f);
    h.request("GET", "/a", {{"Host", "gw"}}).endpoint(Endpoint{"10.0.0.7", 8080, 1, "http"});
    REQUIRE(h.run_request().next());
    Response res = Response::text(302, "");
    res.headers.add("Location", "http://10.0.0.7:8080/login?next=/a");
    auto out = h.run_response(std::move(res));
    CHECK(out.headers.get("Location") == "http://gateway.example.com/login?next=/a");
  }
  SECTION("base URL from the request, default port left out") {
    auto f = from_ocelot("{}", R"({"Location": "{DownstreamBaseUrl}, {BaseUrl}"})");
    FilterHarness h(f);
    h.request("GET", "/a", {{"Host", "api.example.com:8443"}}).endpoint(Endpoint{"users.internal", 80, 1, "http"});
    REQUIRE(h.run_request().next());
    Response res = Response::text(301, "");
    res.headers.add("Location", "http://users.internal/home");
    CHECK(h.run_response(std::move(res)).headers.get("Location") == "http://api.example.com:8443/home");
  }
}

TEST_CASE("header transform: response side adds headers the upstream did not send", "[filters][header_transform]") {
  auto f = from_ocelot("{}", R"({"X-Served-By": "portico", "X-Kept": "gateway", "Server": ""})");
  FilterHarness h(f);
  h.request("GET", "/");
  REQUIRE(h.run_request().next());
  Response res = Response::text(200, "body");
  res.headers.add("X-Kept", "upstream");
  res.headers.add("Server", "kestrel");
  auto out = h.run_response(std::move(res));
  CHECK(out.headers.get("X-Served-By") == "portico");
  CHECK(out.headers.get_all("X-Kept") == std::vector<std::string_view>{"upstream"});
  CHECK_FALSE(out.headers.has("Server"));
  CHECK(out.body == "body");
  // Gateway-made errors get the response edits too.
  auto err = h.run_error(make_error(Errc::ConnectFailed, "down"));
  CHECK(err.status == 502);
  CHECK(err.headers.get("X-Served-By") == "portico");
}

TEST_CASE("header transform: C++ edits in order", "[filters][header_transform]") {
  filters::HeaderTransformConfig c;
  c.request = {{HeaderEdit::Kind::Append, "X-Trace", "a", {}, {}},
               {HeaderEdit::Kind::Append, "X-Trace", "b-{RequestId}", {}, {}},
               {HeaderEdit::Kind::Replace, "X-Trace", {}, "a", "z"}};
  auto f = filters::make_header_transform(c);
  REQUIRE(f);
  FilterHarness h(*f);
  h.request("GET", "/").request_id("rid-1");
  REQUIRE(h.run_request().next());
  auto out = h.run_upstream_request(upstream_request({}));
  CHECK(out.headers.get_all("X-Trace") == std::vector<std::string_view>{"z", "b-rid-1"});
}

TEST_CASE("header transform: invalid settings are refused with their path", "[filters][header_transform]") {
  auto bad_name = JsonDocument::parse(R"({"Bad Name": "x"})");
  REQUIRE(bad_name);
  auto r = filters::ocelot_header_transform(bad_name->root("Routes[1].UpstreamHeaderTransform"), {}, "");
  REQUIRE_FALSE(r);
  CHECK(r.error().where == "Routes[1].UpstreamHeaderTransform.Bad Name");
  auto unclosed = JsonDocument::parse(R"({"X-A": "{RemoteIpAddress"})");
  REQUIRE(unclosed);
  auto r2 = filters::ocelot_header_transform({}, unclosed->root("Routes[0].DownstreamHeaderTransform"), "");
  REQUIRE_FALSE(r2);
  CHECK(r2.error().where == "Routes[0].DownstreamHeaderTransform.X-A");
  for (const char* framing : {"Content-Length", "transfer-encoding", "Connection", "Upgrade"}) {
    INFO(framing);
    auto doc = JsonDocument::parse(std::string(R"({")") + framing + R"(": "0"})");
    REQUIRE(doc);
    auto refused = filters::ocelot_header_transform(doc->root("Routes[0].UpstreamHeaderTransform"), {}, "");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().where == std::string("Routes[0].UpstreamHeaderTransform.") + framing);
    filters::HeaderTransformConfig cpp;
    cpp.request = {{HeaderEdit::Kind::Set, framing, "0", {}, {}}};
    auto made = filters::make_header_transform(cpp);
    REQUIRE_FALSE(made);
    CHECK(made.error().where == "request[0].name");
  }
  auto not_string = JsonDocument::parse(R"({"X-A": 5})");
  REQUIRE(not_string);
  CHECK_FALSE(filters::ocelot_header_transform(not_string->root("U"), {}, ""));
  filters::HeaderTransformConfig c;
  c.response = {{HeaderEdit::Kind::Set, "X-A", "line\r\nInjected: 1", {}, {}}};
  auto crlf = filters::make_header_transform(c);
  REQUIRE_FALSE(crlf);
  CHECK(crlf.error().where == "response[0].value");
}

TEST_CASE("header transform: a placeholder value that cannot be a header is not used", "[filters][header_transform]") {
  filters::HeaderTransformConfig c;
  c.request = {{HeaderEdit::Kind::Set, "X-Id", "{id}", {}, {}}};
  auto f = filters::make_header_transform(c);
  REQUIRE(f);
  FilterHarness h(*f);
  h.request("GET", "/").param("id", std::string("a\r\nb", 4));
  REQUIRE(h.run_request().next());
  CHECK_FALSE(h.run_upstream_request(upstream_request({})).headers.has("X-Id"));
}
