// register_builtin_filters: the built-ins by name, configured from JSON nodes.
#include <catch2/catch.hpp>

#include "portico/filters/builtin.hpp"
#include "portico/testing/filter_harness.hpp"

using namespace portico;
using portico::config::JsonDocument;
using portico::testing::FilterHarness;

namespace {

Result<FilterPtr> make(const FilterRegistry& r, std::string_view name, std::string_view json, std::string path) {
  auto doc = JsonDocument::parse(json);
  REQUIRE(doc);
  return r.create(name, doc->root(std::move(path)));
}

}  // namespace

TEST_CASE("built-in filters are registered by name and read their JSON", "[filters][registry]") {
  FilterRegistry r;
  filters::register_builtin_filters(r);
  CHECK(r.contains("HeaderTransform"));
  CHECK(r.contains("RequestId"));

  auto ht = make(r, "HeaderTransform", R"({"Upstream": {"X-Up": "{RemoteIpAddress}"}, "Downstream": {"X-Down": "1"},
                                           "BaseUrl": "https://gw.example.com"})", "filters[0]");
  REQUIRE(ht);
  FilterHarness h(*ht);
  h.request("GET", "/").client_address("198.51.100.4");
  REQUIRE(h.run_request().next());
  CHECK(h.run_upstream_request(Request::make("GET", "/")).headers.get("X-Up") == "198.51.100.4");
  CHECK(h.run_response(Response::text(200, "")).headers.get("X-Down") == "1");

  auto rid = make(r, "RequestId", R"({"Header": "X-Trace", "ReturnOnResponse": false})", "filters[1]");
  REQUIRE(rid);
  CHECK((*rid)->name() == "request_id");
  auto defaults = r.create("RequestId");  // no settings: the defaults
  REQUIRE(defaults);
}

TEST_CASE("built-in factories refuse bad settings with the JSON path", "[filters][registry]") {
  FilterRegistry r;
  filters::register_builtin_filters(r);
  auto typo = make(r, "HeaderTransform", R"({"Upstrem": {"X-A": "1"}})", "filters[0]");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().where == "filters[0].Upstrem");
  auto bad_header = make(r, "HeaderTransform", R"({"Downstream": {"Content-Length": "0"}})", "filters[0]");
  REQUIRE_FALSE(bad_header);
  CHECK(bad_header.error().where == "filters[0].Downstream.Content-Length");
  auto bad_bool = make(r, "RequestId", R"({"ReturnOnResponse": "sometimes"})", "filters[2]");
  REQUIRE_FALSE(bad_bool);
  CHECK(bad_bool.error().where == "filters[2].ReturnOnResponse");
  auto bad_name = make(r, "RequestId", R"({"Header": "Not A Token"})", "filters[3]");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().where == "filters[3].Header");
  auto not_object = make(r, "RequestId", R"(["X"])", "filters[4]");
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().where == "filters[4]");
}
