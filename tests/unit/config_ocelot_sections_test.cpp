// The ocelot.json loader's section table: a host's own section (route and GlobalConfiguration,
// merged), unknown keys inside sections, factory errors with their JSON paths, registry refusals.
// The built-in sections' behaviour: tests/unit/filters/builtin_sections_test.cpp.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config_support.hpp"
#include "portico/config/sections.hpp"
#include "portico/filters/builtin.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

class TagFilter final : public Filter {
 public:
  explicit TagFilter(std::string tag) : tag_(std::move(tag)) {}
  std::string_view name() const noexcept override { return "tag"; }
  const std::string& tag() const noexcept { return tag_; }

 private:
  std::string tag_;
};

// What the factory saw, per call.
struct Seen {
  std::string route_id, route_key, route_path, upstream_path_template, base_url;
  std::string tag, tag_path, header, header_path;
};

config::SectionRegistry tag_sections(std::vector<Seen>& seen, bool allow_global = true) {
  config::SectionRegistry sections;
  auto added = sections.add({.keys = {"MyTagOptions"}, .allow_global = allow_global,
                             .factory = [&seen](const config::SectionInput& in) -> Result<FilterPtr> {
                               auto section = in.node["MyTagOptions"];
                               auto tag = section["Tag"].as_string();
                               if (!tag) return std::move(tag).error();
                               if (*tag == "refuse") return make_error(Errc::InvalidConfig, "refused without a where");
                               if (*tag == "throw") throw std::runtime_error("boom");
                               auto header = section["Header"];
                               Seen x;
                               x.route_id = in.route_id;
                               x.route_key = in.route_key;
                               x.route_path = in.route_path;
                               x.upstream_path_template = in.upstream_path_template;
                               x.base_url = in.base_url;
                               x.tag = *tag;
                               x.tag_path = section["Tag"].path();
                               x.header = header.present() ? *header.as_string() : "";
                               x.header_path = header.path();
                               seen.push_back(std::move(x));
                               if (*tag == "none") return FilterPtr{};
                               return FilterPtr(std::make_shared<TagFilter>(*tag));
                             }});
  REQUIRE(added);
  return sections;
}

config::OcelotConfig load_with(const config::SectionRegistry& sections, std::string_view json) {
  auto r = config::load_ocelot(json, config::OcelotLoadOptions{.sections = &sections});
  INFO(json);
  if (!r) FAIL("unexpected error: " << r.error().to_string());
  return std::move(r).value();
}

Error error_with(const config::SectionRegistry& sections, std::string_view json) {
  auto r = config::load_ocelot(json, config::OcelotLoadOptions{.sections = &sections});
  INFO(json);
  REQUIRE_FALSE(r);
  return std::move(r).error();
}

const TagFilter* tag_of(const Route& route) {
  for (const auto& f : route.filters())
    if (auto t = dynamic_cast<const TagFilter*>(f.get())) return t;
  return nullptr;
}

}  // namespace

TEST_CASE("sections: a host section on a route and in GlobalConfiguration, merged per route",
          "[config][ocelot][sections]") {
  std::vector<Seen> seen;
  auto sections = tag_sections(seen);
  auto c = load_with(sections, routes({route_at("/a", R"("Key": "a", "mytagoptions": {"Tag": "route-a"})"),
                                       route_at("/b/{id}"), route_at("/c", R"("MyTagOptions": {"Tag": "none"})")},
                                      R"("GlobalConfiguration": {"BaseUrl": "https://gw.example.com",
                                           "MyTagOptions": {"Tag": "global", "Header": "X-Team"}})"));
  CHECK(c.warnings.empty());
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].route_id == "a");
  CHECK(seen[0].route_key == "a");
  CHECK(seen[0].route_path == "Routes[0]");
  CHECK(seen[0].upstream_path_template == "/a");
  CHECK(seen[0].base_url == "https://gw.example.com");
  CHECK(seen[0].tag == "route-a");  // the route's key wins
  CHECK(seen[0].tag_path == "Routes[0].MyTagOptions.Tag");
  CHECK(seen[0].header == "X-Team");  // and the keys it lacks are inherited, with their own path
  CHECK(seen[0].header_path == "GlobalConfiguration.MyTagOptions.Header");
  CHECK(seen[1].route_id == "route-1");
  CHECK(seen[1].route_key.empty());
  CHECK(seen[1].upstream_path_template == "/b/{id}");
  CHECK(seen[1].tag == "global");
  CHECK(seen[1].tag_path == "GlobalConfiguration.MyTagOptions.Tag");

  const auto& r = c.config.routes();
  REQUIRE(tag_of(r[0]));
  CHECK(tag_of(r[0])->tag() == "route-a");
  REQUIRE(tag_of(r[1]));
  CHECK(tag_of(r[1])->tag() == "global");
  CHECK(r[2].filters().empty());  // a null FilterPtr adds nothing
}

TEST_CASE("sections: no factory call for a route that neither has nor inherits the key", "[config][ocelot][sections]") {
  std::vector<Seen> seen;
  auto sections = tag_sections(seen);
  auto c = load_with(sections, routes({route_at("/a", R"("MyTagOptions": {"Tag": "x"})"), route_at("/b")}));
  CHECK(seen.size() == 1);
  CHECK(c.config.routes()[1].filters().empty());
}

TEST_CASE("sections: unknown keys inside a section are warned with their paths, inherited ones once",
          "[config][ocelot][sections]") {
  std::vector<Seen> seen;
  auto sections = tag_sections(seen);
  auto c = load_with(sections, routes({route_at("/a", R"("MyTagOptions": {"Tag": "x", "Colour": "red"})"),
                                       route_at("/b")},
                                      R"("GlobalConfiguration": {"MyTagOptions": {"Tga": "typo", "Tag": "g"}})"));
  CHECK(warning_paths(c) == std::vector<std::string>{"GlobalConfiguration.MyTagOptions.Tga",
                                                     "Routes[0].MyTagOptions.Colour"});
  CHECK(c.warnings[0].message == "unknown key, ignored");
  // A misspelt section key on a route gets the loader's hint.
  auto typo = load_with(sections, one_route(R"("MyTagOption": {"Tag": "x"})"));
  REQUIRE(typo.warnings.size() == 1);
  CHECK(typo.warnings[0].where == "Routes[0].MyTagOption");
  CHECK(typo.warnings[0].message == "unknown key, ignored (did you mean MyTagOptions?)");
}

TEST_CASE("sections: a factory's error fails the load at its JSON path", "[config][ocelot][sections]") {
  std::vector<Seen> seen;
  auto sections = tag_sections(seen);
  auto e = error_with(sections, one_route(R"("MyTagOptions": {"Tag": 5})"));
  CHECK(e.code == Errc::InvalidConfig);
  CHECK(e.where == "Routes[0].MyTagOptions.Tag");
  CHECK(e.message == "expected a string, got 5");
  // Inherited: the GlobalConfiguration path.
  e = error_with(sections, one_route({}, R"("GlobalConfiguration": {"MyTagOptions": {"Tag": ["x"]}})"));
  CHECK(e.where == "GlobalConfiguration.MyTagOptions.Tag");
  // The route's own section keeps its path when the rest is inherited.
  e = error_with(sections, one_route(R"("MyTagOptions": {"Header": "X"})"));
  CHECK(e.where == "Routes[0].MyTagOptions.Tag");
  CHECK(e.message == "a string is required");
  // An error without a where: the section's key on the route.
  e = error_with(sections, one_route(R"("MyTagOptions": {"Tag": "refuse"})"));
  CHECK(e.where == "Routes[0].MyTagOptions");
  CHECK(e.message == "refused without a where");
  // A factory that throws fails the load; the exception stays in the loader.
  e = error_with(sections, one_route(R"("MyTagOptions": {"Tag": "throw"})"));
  CHECK(e.where == "Routes[0].MyTagOptions");
  CHECK(e.message == "the section's factory threw: boom");
  CHECK(seen.empty());
}

TEST_CASE("sections: a route-only section ignores GlobalConfiguration, which warns the key",
          "[config][ocelot][sections]") {
  std::vector<Seen> seen;
  auto sections = tag_sections(seen, /*allow_global=*/false);
  auto c = load_with(sections, routes({route_at("/a", R"("MyTagOptions": {"Tag": "x"})"), route_at("/b")},
                                      R"("GlobalConfiguration": {"MyTagOptions": {"Tag": "g", "Header": "X-G"}})"));
  CHECK(warning_paths(c) == std::vector<std::string>{"GlobalConfiguration.MyTagOptions"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].header.empty());
}

TEST_CASE("sections: the registry refuses empty or conflicting entries", "[config][ocelot][sections]") {
  auto factory = [](const config::SectionInput&) -> Result<FilterPtr> { return FilterPtr{}; };
  config::SectionRegistry s;
  CHECK(s.add({.keys = {"A", "B"}, .factory = factory}));
  auto dup = s.add({.keys = {"b"}, .factory = factory});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == Errc::InvalidArgument);
  CHECK_FALSE(s.add({.keys = {}, .factory = factory}));
  CHECK_FALSE(s.add({.keys = {"C"}}));
  CHECK_FALSE(s.add({.keys = {"C", "c"}, .factory = factory}));
  CHECK_FALSE(s.add({.keys = {""}, .factory = factory}));
  CHECK(s.sections().size() == 1);
  CHECK(s.find("a") == &s.sections()[0]);
  CHECK(s.find("C") == nullptr);

  // A built-in section's key, or a key the loader reads itself, cannot be taken.
  config::SectionRegistry builtin_key;
  REQUIRE(builtin_key.add({.keys = {"requestidkey"}, .factory = factory}));
  auto e = error_with(builtin_key, one_route());
  CHECK(e.code == Errc::InvalidArgument);
  CHECK(e.where == "OcelotLoadOptions::sections");
  config::SectionRegistry loader_key;
  REQUIRE(loader_key.add({.keys = {"UpstreamPathTemplate"}, .factory = factory}));
  e = error_with(loader_key, one_route());
  CHECK(e.code == Errc::InvalidArgument);
  CHECK_THAT(e.message, Catch::Contains("\"UpstreamPathTemplate\" is read by the ocelot.json loader itself"));
}

