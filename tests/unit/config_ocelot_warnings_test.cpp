// Loader warnings that catch mistakes which would otherwise load silently: method names that are no
// HTTP method, misspelt keys (with a "did you mean"), ws/wss schemes, add-on keys (noted once), and
// the TLS certificates of GlobalConfiguration.ServerOptions.

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/ocelot_values.hpp"
#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;

// ---- method names -----------------------------------------------------------------------------------

TEST_CASE("an UpstreamHttpMethod that is no HTTP method is a warning with its path and a hint", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("UpstreamHttpMethod": ["Get", "GTE", "purge", "PROPFIND"])"));
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].UpstreamHttpMethod[1]"});
  CHECK(warning_at(c, "Routes[0].UpstreamHttpMethod[1]") ==
        "\"GTE\" is not a known HTTP method (did you mean GET?); no client sends it, so this entry matches no request");
  // Still loaded as written: the warning explains, it does not rewrite.
  CHECK(c.config.routes()[0].method_list() == std::vector<std::string>{"GET", "GTE", "PURGE", "PROPFIND"});

  auto far = load_ok(one_route(R"("UpstreamHttpMethod": ["FETCHALL"])"));
  CHECK(warning_at(far, "Routes[0].UpstreamHttpMethod[0]") ==
        "\"FETCHALL\" is not a known HTTP method; no client sends it, so this entry matches no request");

  // Not a token at all stays an error.
  auto e = load_error(one_route(R"("UpstreamHttpMethod": ["GE T"])"));
  CHECK(e.where == "Routes[0].UpstreamHttpMethod[0]");
}

TEST_CASE("DownstreamHttpMethod and aggregate methods are checked the same way", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("DownstreamHttpMethod": "POTS")"));
  CHECK(warning_at(c, "Routes[0].DownstreamHttpMethod") ==
        "\"POTS\" is not a known HTTP method (did you mean POST?); it is sent upstream as written");

  auto a = load_ok(routes({route_at("/a", R"("Key": "a")"), route_at("/b", R"("Key": "b")")},
                          R"("Aggregates": [ { "UpstreamPathTemplate": "/ab", "RouteKeys": ["a", "b"],
                                               "UpstreamHttpMethod": ["GTE"] } ])"));
  CHECK_THAT(warning_at(a, "Aggregates[0].UpstreamHttpMethod[0]"),
             Catch::StartsWith("\"GTE\" is not a known HTTP method (did you mean GET?)"));
}

// ---- misspelt keys ------------------------------------------------------------------------------------

TEST_CASE("a misspelt UpstreamHttpMethod warns with the suggestion and what it means", "[config][ocelot]") {
  for (auto key : {"UpstreamHttpMethods", "upstreamhttpmethods", "UpstreamHtppMethod", "UpstreamHttpMetod"}) {
    auto c = load_ok(one_route("\"" + std::string(key) + "\": [\"Get\"]"));
    const std::string where = "Routes[0]." + std::string(key);
    INFO(key);
    CHECK(warning_paths(c) == std::vector<std::string>{where});
    CHECK(warning_at(c, where) ==
          "unknown key, ignored (did you mean UpstreamHttpMethod?); without UpstreamHttpMethod this route matches "
          "every method");
    CHECK(c.config.routes()[0].method_list().empty());
  }
}

TEST_CASE("an unknown key close to a known one gets a hint; a far one does not", "[config][ocelot]") {
  auto c = load_ok(one_route(R"("DownstreamSchema": "https", "ServiceKey": "x", "Priorty": 2,
                                 "DownstreamHostAndPorts_": 1)",
                             R"("GlobalConfiguration": { "BaseURL": "http://a", "RequestIdKye": "X-Id" })"));
  CHECK(warning_at(c, "Routes[0].DownstreamSchema") == "unknown key, ignored (did you mean DownstreamScheme?)");
  CHECK(warning_at(c, "Routes[0].Priorty") == "unknown key, ignored (did you mean Priority?)");
  CHECK(warning_at(c, "Routes[0].ServiceKey") == "unknown key, ignored");
  CHECK(warning_at(c, "GlobalConfiguration.RequestIdKye") == "unknown key, ignored (did you mean RequestIdKey?)");
  // "BaseURL" is BaseUrl (keys are case-insensitive): no warning at all.
  CHECK(c.base_url == "http://a");
  // A key that is present is never suggested for another one.
  auto both = load_ok(one_route(R"("UpstreamHttpMethod": ["Get"], "UpstreamHttpMethods": ["Post"])"));
  CHECK(warning_at(both, "Routes[0].UpstreamHttpMethods") == "unknown key, ignored");
}

TEST_CASE("closest_name and edit_distance", "[config][values]") {
  using detail::closest_name;
  using detail::edit_distance;
  CHECK(edit_distance("GTE", "GET") == 1);  // a transposition
  CHECK(edit_distance("UpstreamHttpMethods", "upstreamhttpmethod") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance(std::string(65, 'a'), std::string(65, 'a')) == static_cast<std::size_t>(-1));
  std::vector<std::string_view> names{"Key", "Priority", "Timeout"};
  CHECK(closest_name("Kye", names) == std::optional<std::string_view>("Key"));
  CHECK(closest_name("Timeuot", names) == std::optional<std::string_view>("Timeout"));
  CHECK_FALSE(closest_name("Colour", names).has_value());
  CHECK_FALSE(closest_name("Ke", {"Xy"}).has_value());
  CHECK(detail::closest_http_method("DELTE") == "DELETE");
  CHECK(detail::closest_http_method("ZZZZZZ").empty());
  CHECK(detail::is_known_http_method("patch"));
  CHECK_FALSE(detail::is_known_http_method("GTE"));
}

// ---- ws / wss --------------------------------------------------------------------------------------------

TEST_CASE("DownstreamScheme ws/wss warns and refuses upgrades on the route", "[config][ocelot]") {
  auto c = load_ok(routes({route_at("/chat", R"("DownstreamScheme": "ws")"),
                           route_at("/secure", R"("DownstreamScheme": "WSS")"),
                           route_at("/plain", R"("DownstreamScheme": "http")")}));
  CHECK(warning_paths(c) == std::vector<std::string>{"Routes[0].DownstreamScheme", "Routes[1].DownstreamScheme"});
  CHECK(warning_at(c, "Routes[0].DownstreamScheme") ==
        "WebSocket proxying is not implemented yet: on this route, requests asking for a protocol upgrade "
        "(Upgrade: websocket) are answered 501; other requests are proxied over http");
  CHECK_THAT(warning_at(c, "Routes[1].DownstreamScheme"), Catch::EndsWith("proxied over https"));
  const auto& r = c.config.routes();
  REQUIRE(r[0].filters().size() == 1);
  CHECK(r[0].filters()[0]->name() == "websocket-unsupported");
  CHECK(upstream_of(r[0]).default_scheme() == "http");
  REQUIRE(r[1].filters().size() == 1);
  CHECK(upstream_of(r[1]).default_scheme() == "https");
  CHECK(r[2].filters().empty());
}

TEST_CASE("a global ws DownstreamScheme warns once and applies to routes without their own", "[config][ocelot]") {
  auto c = load_ok(routes({route_at("/a"), route_at("/b", R"("DownstreamScheme": "https")")},
                          R"("GlobalConfiguration": { "DownstreamScheme": "ws" })"));
  CHECK(warning_paths(c) == std::vector<std::string>{"GlobalConfiguration.DownstreamScheme"});
  CHECK_THAT(warning_at(c, "GlobalConfiguration.DownstreamScheme"),
             Catch::Contains("on the routes without a DownstreamScheme of their own"));
  CHECK(c.config.routes()[0].filters().size() == 1);
  CHECK(c.config.routes()[1].filters().empty());
}

// ---- add-ons -----------------------------------------------------------------------------------------------

TEST_CASE("MMLib.SwaggerForOcelot keys are one note for the file, not a warning per route", "[config][ocelot]") {
  auto c = load_ok(routes({route_at("/a", R"("SwaggerKey": "a")"), route_at("/b", R"("SwaggerKey": "b")")},
                          R"("SwaggerEndPoints": [ { "Key": "a", "Config": [ { "Name": "A", "Version": "v1",
                               "Url": "http://a/swagger/v1/swagger.json" } ] } ])"));
  CHECK(c.warnings.empty());
  REQUIRE(c.notes.size() == 1);
  CHECK(c.notes[0].message ==
        "MMLib.SwaggerForOcelot keys recognised (SwaggerEndPoints and SwaggerKey on 2 routes): Portico does not "
        "serve Swagger documents; they are ignored");

  auto only_keys = load_ok(one_route(R"("SwaggerKey": "a")"));
  CHECK(only_keys.warnings.empty());
  REQUIRE(only_keys.notes.size() == 1);
  CHECK_THAT(only_keys.notes[0].message, Catch::Contains("(SwaggerKey on 1 route)"));

  CHECK(load_ok(one_route()).notes.empty());
}

// ---- ServerOptions.Certificates --------------------------------------------------------------------------

TEST_CASE("ServerOptions.Certificates are read in order with their server names", "[config][ocelot][tls]") {
  auto c = load_ok(one_route({}, R"("GlobalConfiguration": { "ServerOptions": { "Certificates": [
      { "CertFile": "certs/api.pem", "KeyFile": "certs/api.key", "ServerNames": ["api.example.com"] },
      { "CertFile": "/etc/tls/wild.pem", "KeyFile": "/etc/tls/wild.key", "ServerNames": ["*.example.org", "x.io"] },
      { "CertFile": "c.pem", "KeyFile": "c.key" } ] } })"));
  CHECK(c.warnings.empty());
  REQUIRE(c.certificates.size() == 3);
  CHECK(c.certificates[0].cert_file == "certs/api.pem");  // load_ocelot keeps paths as written
  CHECK(c.certificates[0].key_file == "certs/api.key");
  CHECK(c.certificates[0].server_names == std::vector<std::string>{"api.example.com"});
  CHECK(c.certificates[1].server_names == std::vector<std::string>{"*.example.org", "x.io"});
  CHECK(c.certificates[2].server_names.empty());
}

TEST_CASE("ServerOptions.Certificates errors name their path", "[config][ocelot][tls]") {
  auto certs = [](std::string_view list) {
    return one_route({}, "\"GlobalConfiguration\": { \"ServerOptions\": { \"Certificates\": " + std::string(list) +
                             " } }");
  };
  auto e = load_error(certs(R"([ { "KeyFile": "k" } ])"));
  CHECK(e.where == "GlobalConfiguration.ServerOptions.Certificates[0].CertFile");
  CHECK(e.message == "required: the path of the PEM certificate chain");
  e = load_error(certs(R"([ { "CertFile": "c", "KeyFile": "k" }, { "CertFile": "c", "KeyFile": "" } ])"));
  CHECK(e.where == "GlobalConfiguration.ServerOptions.Certificates[1].KeyFile");
  e = load_error(certs(R"([ { "CertFile": "c", "KeyFile": "k", "ServerNames": ["ok.test", "bad name"] } ])"));
  CHECK(e.where == "GlobalConfiguration.ServerOptions.Certificates[0].ServerNames[1]");
  CHECK_THAT(e.message, Catch::StartsWith("expected a host name"));
  e = load_error(certs(R"([ { "CertFile": "c", "KeyFile": "k", "ServerNames": ["a.test:443"] } ])"));
  CHECK(e.where == "GlobalConfiguration.ServerOptions.Certificates[0].ServerNames[0]");
  e = load_error(certs(R"({ "CertFile": "c" })"));
  CHECK(e.where == "GlobalConfiguration.ServerOptions.Certificates");

  auto c = load_ok(certs(R"([ { "CertFile": "c", "KeyFile": "k", "Password": "x" } ])"));
  CHECK(warning_paths(c) == std::vector<std::string>{"GlobalConfiguration.ServerOptions.Certificates[0].Password"});
}

TEST_CASE("load_ocelot_file resolves relative certificate paths against the file's directory",
          "[config][ocelot][tls]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("portico-cfg-" + std::to_string(::getpid()));
  fs::create_directories(dir / "conf");
  const fs::path file = dir / "conf" / "ocelot.json";
  {
    std::ofstream out(file);
    out << one_route({}, R"("GlobalConfiguration": { "ServerOptions": { "Certificates": [
        { "CertFile": "certs/api.pem", "KeyFile": "../keys/api.key" },
        { "CertFile": "/abs/b.pem", "KeyFile": "/abs/b.key" } ] } })");
  }
  auto r = config::load_ocelot_file(file.string());
  fs::remove_all(dir);
  REQUIRE(r);
  REQUIRE(r->certificates.size() == 2);
  CHECK(r->certificates[0].cert_file == (dir / "conf" / "certs/api.pem").string());
  CHECK(r->certificates[0].key_file == (dir / "conf" / "../keys/api.key").string());
  CHECK(r->certificates[1].cert_file == "/abs/b.pem");
  CHECK(r->certificates[1].key_file == "/abs/b.key");
}
