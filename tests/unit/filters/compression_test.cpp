// Response compression through the filter harness: Accept-Encoding negotiation, every rule that
// skips a response, gzip and brotli bodies in many pieces decoded back, Vary, ETag and settings.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "filters/compression/negotiate.hpp"
#include "portico/filters/builtin.hpp"
#include "portico/filters/compression.hpp"
#include "portico/testing/filter_harness.hpp"
#include "support/decode.hpp"
#include "unit/config_support.hpp"

using namespace portico;
using portico::config::JsonDocument;
using portico::filters::CompressionConfig;
using portico::filters::detail::Coding;
using portico::testing::FilterHarness;
using portico::testing::load_error;
using portico::testing::load_ok;
using portico::testing::one_route;

namespace {

FilterPtr make(CompressionConfig c = {}) {
  auto f = filters::make_compression(std::move(c));
  REQUIRE(f);
  return *f;
}

/// JSON-ish text that compresses but not trivially: `n` bytes, the same for the same seed.
std::string text_body(std::size_t n, std::uint32_t seed = 1) {
  std::string s;
  s.reserve(n + 64);
  std::uint32_t x = seed;
  while (s.size() < n) {
    x = x * 1664525u + 1013904223u;
    s += "{\"id\": " + std::to_string(x % 100000) + ", \"name\": \"user-" + std::to_string((x >> 8) % 977) + "\"},\n";
  }
  s.resize(n);
  return s;
}

/// Bytes that do not compress at all.
std::string noise(std::size_t n, std::uint32_t seed = 7) {
  std::string s(n, '\0');
  std::uint32_t x = seed;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return s;
}

/// `body` cut into pieces of varying sizes (1 byte to ~40 KiB), with empty pieces among them.
std::vector<std::string> pieces_of(const std::string& body) {
  std::vector<std::string> out;
  static constexpr std::array<std::size_t, 7> sizes = {1, 700, 0, 16384, 3, 40000, 5000};
  std::size_t at = 0, i = 0;
  while (at < body.size()) {
    auto n = std::min(sizes[i++ % sizes.size()], body.size() - at);
    out.push_back(body.substr(at, n));
    at += n;
  }
  return out;
}

Response head(std::string content_type = "application/json", Headers extra = {}) {
  Response r;
  r.status = 200;
  r.headers.add("Content-Type", std::move(content_type));
  for (const auto& f : extra) r.headers.add(f.name, f.value);
  return r;
}

int choose(std::vector<std::string_view> fields, std::vector<Coding> offered = {Coding::Brotli, Coding::Gzip}) {
  return filters::detail::choose_coding(fields, offered);
}

}  // namespace

TEST_CASE("compression: Accept-Encoding with q-values", "[filters][compression]") {
  // Server order breaks ties: br before gzip.
  CHECK(choose({"gzip, deflate, br"}) == 0);
  CHECK(choose({"gzip, deflate, br"}, {Coding::Gzip, Coding::Brotli}) == 0);  // gzip, offered first
  CHECK(choose({"gzip"}) == 1);
  CHECK(choose({"br"}) == 0);
  // Weights decide before the server's order.
  CHECK(choose({"br;q=0.5, gzip;q=0.8"}) == 1);
  CHECK(choose({"br;q=0.801, gzip;q=0.8"}) == 0);
  CHECK(choose({"br;q=1.0, gzip"}) == 0);
  // q=0 refuses a coding, even through *.
  CHECK(choose({"gzip;q=0"}) == -1);
  CHECK(choose({"br;q=0, gzip"}) == 1);
  CHECK(choose({"*;q=0"}) == -1);
  CHECK(choose({"*, br;q=0"}) == 1);
  // * covers the codings not listed.
  CHECK(choose({"*"}) == 0);
  CHECK(choose({"gzip;q=0.5, *;q=0.6"}) == 0);  // br gets *'s 0.6
  CHECK(choose({"deflate, *;q=0.1"}) == 0);
  // identity wins only when listed above the best coding.
  CHECK(choose({"identity;q=0, gzip;q=0.1"}) == 1);
  CHECK(choose({"identity, gzip;q=0.5"}) == -1);
  CHECK(choose({"identity;q=0.5, gzip;q=0.5"}) == 1);
  CHECK(choose({"identity"}) == -1);
  CHECK(choose({"identity;q=0"}) == -1);  // nothing acceptable: the body goes unencoded anyway
  // Case-insensitive names and q; OWS around members and ';'.
  CHECK(choose({"GZIP ; Q=0.9 ,  BR;q=0.1"}) == 1);
  CHECK(choose({"Br"}) == 0);
  // x-gzip is gzip.
  CHECK(choose({"x-gzip"}) == 1);
  // Several fields are one list.
  CHECK(choose({"deflate", "gzip;q=0.3", "br;q=0.2"}) == 1);
  // No field or an empty one: unencoded.
  CHECK(choose({}) == -1);
  CHECK(choose({""}) == -1);
  CHECK(choose({" , ,"}) == -1);
  // Malformed members are ignored, the rest still count.
  CHECK(choose({"br;q=2, gzip"}) == 1);
  CHECK(choose({"br;q=1.5, gzip"}) == 1);
  CHECK(choose({"br;q=0.5555, gzip;q=0.1"}) == 1);  // four decimals
  CHECK(choose({"br;q=, gzip;q=0.1"}) == 1);
  CHECK(choose({"br;level=3, gzip;q=0.1"}) == 1);
  CHECK(choose({"br;q=0.5;x=1, gzip;q=0.1"}) == 1);
  CHECK(choose({"b(r, gzip;q=0.1"}) == 1);
  CHECK(choose({"gzip;q=0"}) == -1);
  CHECK(choose({"gzip;q=0.000"}) == -1);
  CHECK(choose({"gzip;q=0.001"}) == 1);
  // A coding listed twice: the first member counts.
  CHECK(choose({"gzip;q=0, gzip"}) == -1);
  // Only what is offered.
  CHECK(choose({"br"}, {Coding::Gzip}) == -1);
  CHECK(choose({"*"}, {Coding::Gzip}) == 0);
}

TEST_CASE("compression: the content-type allow list", "[filters][compression]") {
  std::vector<std::string> ranges = {"application/json", "text/*"};
  using filters::detail::content_type_allowed;
  CHECK(content_type_allowed("application/json", ranges));
  CHECK(content_type_allowed("Application/JSON; charset=utf-8", ranges));
  CHECK(content_type_allowed("text/html", ranges));
  CHECK(content_type_allowed(" text/plain ;charset=x", ranges));
  CHECK_FALSE(content_type_allowed("application/problem+json", ranges));
  CHECK_FALSE(content_type_allowed("image/png", ranges));
  CHECK_FALSE(content_type_allowed("", ranges));
  CHECK_FALSE(content_type_allowed("text", ranges));
  CHECK_FALSE(content_type_allowed("text/", ranges));
  std::vector<std::string> all = {"*/*"};
  CHECK(content_type_allowed("image/png", all));
}

TEST_CASE("compression: gzip and brotli bodies in many pieces decode to the input", "[filters][compression]") {
  const std::string body = text_body(600 * 1024);
  auto pieces = pieces_of(body);
  REQUIRE(pieces.size() > 40);
  for (auto [accept, coding] : {std::pair{"gzip", "gzip"}, std::pair{"br", "br"}, std::pair{"gzip, br", "br"}}) {
    INFO(accept);
    FilterHarness h(make());
    h.request("GET", "/a", {{"Accept-Encoding", accept}});
    REQUIRE(h.run_request().next());
    auto out = h.run_response_stream(head("application/json", {{"ETag", "\"v1\""}}), pieces);
    REQUIRE_FALSE(out.error);
    CHECK(out.transformed);
    CHECK(out.response.headers.get("Content-Encoding") == coding);
    CHECK(out.response.headers.get("Vary") == "Accept-Encoding");
    CHECK(out.response.headers.get("ETag") == "W/\"v1\"");
    CHECK_FALSE(out.response.headers.has("Content-Length"));
    CHECK(out.response.body.size() < body.size() / 3);
    auto decoded = std::string(coding) == "gzip" ? testing::gunzip(out.response.body) : testing::unbrotli(out.response.body);
    REQUIRE(decoded);
    CHECK(decoded->size() == body.size());
    CHECK(*decoded == body);
    // The stream ends in the last call, not before: a prefix does not decode.
    CHECK_FALSE((std::string(coding) == "gzip" ? testing::gunzip(out.response.body.substr(0, out.response.body.size() - 1))
                                               : testing::unbrotli(out.response.body.substr(0, out.response.body.size() - 1))));
  }
}

TEST_CASE("compression: output per piece stays bounded, also for bytes that do not compress", "[filters][compression]") {
  const std::string body = noise(2 * 1024 * 1024);
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < body.size(); at += 64 * 1024) pieces.push_back(body.substr(at, 64 * 1024));
  for (const char* accept : {"gzip", "br"}) {
    INFO(accept);
    FilterHarness h(make());
    h.request("GET", "/a", {{"Accept-Encoding", accept}});
    auto out = h.run_response_stream(head("text/plain"), pieces);
    REQUIRE_FALSE(out.error);
    REQUIRE(out.pieces.size() == pieces.size() + 1);
    std::size_t in_so_far = 0, out_so_far = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      in_so_far += pieces[i].size();
      out_so_far += out.pieces[i].size();
      // What the compressor held back comes out in bursts of at most about 256 KiB (brotli's flush).
      CHECK(out.pieces[i].size() <= pieces[i].size() + 256 * 1024 + 1024);
      CHECK(out_so_far <= in_so_far + 1024);
      CHECK(out_so_far + 320 * 1024 >= in_so_far);  // what is held back stays small
    }
    auto decoded = std::string(accept) == "gzip" ? testing::gunzip(out.response.body) : testing::unbrotli(out.response.body);
    REQUIRE(decoded);
    CHECK(*decoded == body);
  }
}

TEST_CASE("compression: a whole body (a filter's or the gateway's answer) is compressed too", "[filters][compression]") {
  FilterHarness h(make());
  h.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
  auto body = text_body(5000);
  auto res = h.run_response(Response::json(200, body));
  CHECK(res.headers.get("Content-Encoding") == "gzip");
  auto decoded = testing::gunzip(res.body);
  REQUIRE(decoded);
  CHECK(*decoded == body);
  // A whole body below the minimum stays as it is.
  h.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
  auto small = h.run_response(Response::json(200, "{\"a\": 1}"));
  CHECK_FALSE(small.headers.has("Content-Encoding"));
  CHECK(small.body == "{\"a\": 1}");
}

TEST_CASE("compression: responses that are sent as they are", "[filters][compression]") {
  const std::string body = text_body(4096);
  auto run = [&](std::string method, Response r, Headers req = {{"Accept-Encoding", "gzip, br"}}) {
    FilterHarness h(make());
    h.request(std::move(method), "/a", std::move(req));
    auto out = h.run_response_stream(std::move(r), pieces_of(body));
    REQUIRE_FALSE(out.error);
    CHECK(out.response.body == body);
    CHECK_FALSE(out.transformed);
    return out.response;
  };
  SECTION("already encoded by the upstream: never twice") {
    auto r = run("GET", head("application/json", {{"Content-Encoding", "gzip"}}));
    CHECK(r.headers.get("Content-Encoding") == "gzip");
    CHECK(r.headers.count("Content-Encoding") == 1);
  }
  SECTION("Cache-Control: no-transform") {
    auto r = run("GET", head("application/json", {{"Cache-Control", "public, No-Transform, max-age=60"}}));
    CHECK_FALSE(r.headers.has("Content-Encoding"));
    CHECK_FALSE(r.headers.has("Vary"));
  }
  SECTION("HEAD") { CHECK_FALSE(run("HEAD", head()).headers.has("Content-Encoding")); }
  SECTION("statuses without a body, and partial content") {
    for (int status : {101, 103, 204, 206, 304}) {
      INFO(status);
      auto h = head();
      h.status = status;
      CHECK_FALSE(run("GET", h).headers.has("Content-Encoding"));
    }
    CHECK_FALSE(run("GET", head("text/plain", {{"Content-Range", "bytes 0-9/100"}})).headers.has("Content-Encoding"));
  }
  SECTION("a type not on the list, or none") {
    CHECK_FALSE(run("GET", head("image/png")).headers.has("Content-Encoding"));
    CHECK_FALSE(run("GET", head("application/octet-stream")).headers.has("Vary"));
    Response none;
    CHECK_FALSE(run("GET", none).headers.has("Content-Encoding"));
  }
  SECTION("a known length below MinBytes") {
    auto r = run("GET", head("application/json", {{"Content-Length", "1023"}}));
    CHECK_FALSE(r.headers.has("Content-Encoding"));
    CHECK(r.headers.get("Content-Length") == "1023");
  }
}

TEST_CASE("compression: MinBytes counts a known length; an unknown length is compressed", "[filters][compression]") {
  for (auto [length, compressed] : {std::pair{"1024", true}, std::pair{"", true}, std::pair{"1023", false}}) {
    INFO(length);
    FilterHarness h(make());
    h.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
    auto r = head("text/css");
    if (*length) r.headers.add("Content-Length", length);
    auto out = h.run_response_stream(r, {std::string(1024, 'a')});
    CHECK(out.response.headers.has("Content-Encoding") == compressed);
    CHECK(out.response.headers.has("Content-Length") == !compressed);
  }
}

TEST_CASE("compression: Vary is merged, not duplicated; also when the client takes no coding", "[filters][compression]") {
  auto vary_after = [](Headers response_fields, Headers req = {{"Accept-Encoding", "gzip"}}) {
    FilterHarness h(make());
    h.request("GET", "/a", std::move(req));
    auto out = h.run_response_stream(head("text/html", std::move(response_fields)), {text_body(2000)});
    std::vector<std::string> values;
    for (auto v : out.response.headers.get_all("Vary")) values.emplace_back(v);
    return values;
  };
  using V = std::vector<std::string>;
  CHECK(vary_after({}) == V{"Accept-Encoding"});
  CHECK(vary_after({{"Vary", "Origin"}}) == V{"Origin, Accept-Encoding"});
  CHECK(vary_after({{"Vary", "Origin"}, {"Vary", "Cookie"}}) == V{"Origin, Cookie, Accept-Encoding"});
  CHECK(vary_after({{"Vary", "origin, accept-encoding"}}) == V{"origin, accept-encoding"});
  CHECK(vary_after({{"Vary", "*"}}) == V{"*"});
  // Compressible, but this client takes no coding: the response still varies by Accept-Encoding.
  CHECK(vary_after({}, {}) == V{"Accept-Encoding"});
  CHECK(vary_after({{"Vary", "Origin"}}, {{"Accept-Encoding", "gzip;q=0, br;q=0"}}) == V{"Origin, Accept-Encoding"});
  CHECK(vary_after({}, {{"Accept-Encoding", "identity"}}) == V{"Accept-Encoding"});
}

TEST_CASE("compression: ETag weakened, a weak one kept", "[filters][compression]") {
  auto etag_after = [](std::string etag) {
    FilterHarness h(make());
    h.request("GET", "/a", {{"Accept-Encoding", "br"}});
    auto out = h.run_response_stream(head("text/html", {{"ETag", std::move(etag)}}), {text_body(2000)});
    return std::string(out.response.headers.get("ETag").value_or(""));
  };
  CHECK(etag_after("\"abc\"") == "W/\"abc\"");
  CHECK(etag_after("W/\"abc\"") == "W/\"abc\"");
  // Not compressed: the strong ETag stays.
  FilterHarness h(make());
  h.request("GET", "/a");
  auto out = h.run_response_stream(head("text/html", {{"ETag", "\"abc\""}}), {text_body(2000)});
  CHECK(out.response.headers.get("ETag") == "\"abc\"");
}

TEST_CASE("compression: settings — server order, levels, types", "[filters][compression]") {
  CHECK(make()->phase() == Phase::Transform);
  CHECK(make()->name() == "compression");
  // gzip first: a client taking both gets gzip.
  FilterHarness h(make({.algorithms = {"gzip", "br"}}));
  h.request("GET", "/a", {{"Accept-Encoding", "br, gzip"}});
  auto out = h.run_response_stream(head(), {text_body(3000)});
  CHECK(out.response.headers.get("Content-Encoding") == "gzip");
  // Only gzip offered: a brotli-only client gets the body as it is.
  FilterHarness g(make({.algorithms = {"GZIP"}}));
  g.request("GET", "/a", {{"Accept-Encoding", "br"}});
  CHECK_FALSE(g.run_response_stream(head(), {text_body(3000)}).response.headers.has("Content-Encoding"));
  // Levels at both ends of their ranges round-trip.
  for (int level : {1, 9}) {
    FilterHarness l(make({.gzip_level = level}));
    l.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
    auto body = text_body(100000, static_cast<std::uint32_t>(level));
    auto o = l.run_response_stream(head(), pieces_of(body));
    CHECK(testing::gunzip(o.response.body) == body);
  }
  for (int quality : {0, 11}) {
    FilterHarness l(make({.brotli_quality = quality}));
    l.request("GET", "/a", {{"Accept-Encoding", "br"}});
    auto body = text_body(100000, static_cast<std::uint32_t>(quality));
    auto o = l.run_response_stream(head(), pieces_of(body));
    CHECK(testing::unbrotli(o.response.body) == body);
  }
  // Only the listed types.
  FilterHarness t(make({.content_types = {"image/svg+xml"}}));
  t.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
  CHECK(t.run_response_stream(head("image/svg+xml"), {text_body(3000)}).response.headers.has("Content-Encoding"));
  t.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
  CHECK_FALSE(t.run_response_stream(head("text/html"), {text_body(3000)}).response.headers.has("Content-Encoding"));
}

TEST_CASE("compression: the defaults", "[filters][compression]") {
  CompressionConfig c;
  CHECK(c.algorithms == std::vector<std::string>{"br", "gzip"});
  CHECK(c.min_bytes == 1024);
  CHECK(c.gzip_level == 6);
  CHECK(c.brotli_quality == 4);
  for (const char* t : {"application/json", "text/*", "application/javascript", "application/xml", "image/svg+xml"})
    CHECK(std::find(c.content_types.begin(), c.content_types.end(), t) != c.content_types.end());
}

TEST_CASE("compression: invalid settings are refused, naming the field", "[filters][compression]") {
  auto where = [](CompressionConfig c) {
    auto f = filters::make_compression(std::move(c));
    REQUIRE_FALSE(f);
    CHECK(f.error().code == Errc::InvalidConfig);
    return f.error().where;
  };
  CHECK(where({.algorithms = {}}) == "algorithms");
  CHECK(where({.algorithms = {"br", "deflate"}}) == "algorithms[1]");
  CHECK(where({.algorithms = {"gzip", "GZIP"}}) == "algorithms[1]");
  CHECK(where({.content_types = {}}) == "content_types");
  CHECK(where({.content_types = {"text/*", "json"}}) == "content_types[1]");
  CHECK(where({.content_types = {"*/json"}}) == "content_types[0]");
  CHECK(where({.gzip_level = 0}) == "gzip_level");
  CHECK(where({.gzip_level = 10}) == "gzip_level");
  CHECK(where({.brotli_quality = -1}) == "brotli_quality");
  CHECK(where({.brotli_quality = 12}) == "brotli_quality");
}

TEST_CASE("compression: the JSON shape, errors at their paths", "[filters][compression]") {
  auto read = [](std::string_view json) {
    auto doc = JsonDocument::parse(json);
    REQUIRE(doc);
    return filters::compression_config_from(doc->root("Routes[0].CompressionOptions"));
  };
  auto c = read(R"({"Algorithms": ["gzip"], "MinBytes": 10, "ContentTypes": ["text/css"], "GzipLevel": 9,
                    "BrotliQuality": "11"})");
  REQUIRE(c);
  CHECK(c->algorithms == std::vector<std::string>{"gzip"});
  CHECK(c->min_bytes == 10);
  CHECK(c->content_types == std::vector<std::string>{"text/css"});
  CHECK(c->gzip_level == 9);
  CHECK(c->brotli_quality == 11);
  auto d = read("{}");
  REQUIRE(d);
  CHECK(d->algorithms == CompressionConfig{}.algorithms);

  auto error_at = [&](std::string_view json) {
    auto r = read(json);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::InvalidConfig);
    return r.error().where;
  };
  CHECK(error_at(R"({"Algorithms": ["br", "zstd"]})") == "Routes[0].CompressionOptions.Algorithms[1]");
  CHECK(error_at(R"({"Algorithms": "br"})") == "Routes[0].CompressionOptions.Algorithms");
  CHECK(error_at(R"({"Algorithms": []})") == "Routes[0].CompressionOptions.Algorithms");
  CHECK(error_at(R"({"Algorithms": [1]})") == "Routes[0].CompressionOptions.Algorithms[0]");
  CHECK(error_at(R"({"GzipLevel": 10})") == "Routes[0].CompressionOptions.GzipLevel");
  CHECK(error_at(R"({"GzipLevel": "high"})") == "Routes[0].CompressionOptions.GzipLevel");
  CHECK(error_at(R"({"BrotliQuality": 12})") == "Routes[0].CompressionOptions.BrotliQuality");
  CHECK(error_at(R"({"MinBytes": -1})") == "Routes[0].CompressionOptions.MinBytes");
  CHECK(error_at(R"({"MinBytes": 1.5})") == "Routes[0].CompressionOptions.MinBytes");
  CHECK(error_at(R"({"ContentTypes": ["text/*", "nonsense"]})") == "Routes[0].CompressionOptions.ContentTypes[1]");
  CHECK(error_at(R"(["br"])") == "Routes[0].CompressionOptions");
}

TEST_CASE("compression: a problem another filter put in place is not labelled compressed", "[filters][compression]") {
  // on_response_head chose gzip, then (as the engine does when an earlier response filter fails)
  // the response became a gateway problem whose body was never transformed.
  FilterHarness h(make());
  h.request("GET", "/a", {{"Accept-Encoding", "gzip"}});
  auto res = Response::json(200, text_body(3000));
  FilterPtr f = make();
  auto body = f->on_response_head(h.exchange(), res);
  REQUIRE(body.transform);
  Response problem = Response::problem(500, "filter failed");
  h.run_error(make_error(Errc::FilterThrew, "x"));  // sets exchange().error()
  f->on_response(h.exchange(), problem);
  CHECK_FALSE(problem.headers.has("Content-Encoding"));
}

TEST_CASE("compression: ocelot.json CompressionOptions, route over GlobalConfiguration", "[filters][compression][config]") {
  auto encoding_for = [](const config::OcelotConfig& c, std::string accept) {
    REQUIRE(c.config.routes()[0].filters().size() == 1);
    FilterHarness h(c.config.routes()[0].filters()[0]);
    h.request("GET", "/a", {{"Accept-Encoding", std::move(accept)}});
    auto r = head("text/plain");
    r.headers.add("Content-Length", "2000");
    auto out = h.run_response_stream(r, {text_body(2000)});
    return std::string(out.response.headers.get("Content-Encoding").value_or(""));
  };
  // The route's keys win; the rest is GlobalConfiguration's.
  auto c = load_ok(one_route(R"("CompressionOptions": {"Algorithms": ["gzip"]})",
                             R"("GlobalConfiguration": {"CompressionOptions": {"Algorithms": ["br"], "MinBytes": 5000}})"));
  CHECK(c.warnings.empty());
  CHECK(encoding_for(c, "br, gzip") == "");  // MinBytes 5000 inherited
  auto g = load_ok(one_route(R"("CompressionOptions": {"Algorithms": ["gzip"]})",
                             R"("GlobalConfiguration": {"CompressionOptions": {"Algorithms": ["br"]}})"));
  CHECK(encoding_for(g, "br, gzip") == "gzip");
  // Global only: every route gets it.
  auto only = load_ok(one_route({}, R"("GlobalConfiguration": {"CompressionOptions": {}})"));
  CHECK(encoding_for(only, "gzip, br") == "br");
  // A route opts out.
  auto off = load_ok(one_route(R"("CompressionOptions": {"Enabled": false})",
                               R"("GlobalConfiguration": {"CompressionOptions": {"GzipLevel": 3}})"));
  CHECK(off.config.routes()[0].filters().empty());
  // No key anywhere: no filter.
  CHECK(load_ok(one_route()).config.routes()[0].filters().empty());
  // Errors at their paths, inherited ones at GlobalConfiguration's.
  CHECK(load_error(one_route(R"("CompressionOptions": {"Algorithms": ["deflate"]})")).where ==
        "Routes[0].CompressionOptions.Algorithms[0]");
  CHECK(load_error(one_route(R"("CompressionOptions": {"GzipLevel": 12})")).where == "Routes[0].CompressionOptions.GzipLevel");
  CHECK(load_error(one_route(R"("CompressionOptions": {"BrotliQuality": "x"})")).where ==
        "Routes[0].CompressionOptions.BrotliQuality");
  CHECK(load_error(one_route(R"("CompressionOptions": {"Enabled": "maybe"})")).where ==
        "Routes[0].CompressionOptions.Enabled");
  CHECK(load_error(one_route(R"("CompressionOptions": true)")).where == "Routes[0].CompressionOptions");
  CHECK(load_error(one_route({}, R"("GlobalConfiguration": {"CompressionOptions": {"MinBytes": -5}})")).where ==
        "GlobalConfiguration.CompressionOptions.MinBytes");
  // An unknown key is warned with its path.
  auto typo = load_ok(one_route(R"("CompressionOptions": {"GzipLvl": 3})"));
  REQUIRE(typo.warnings.size() == 1);
  CHECK(typo.warnings[0].where == "Routes[0].CompressionOptions.GzipLvl");
}

TEST_CASE("compression: the registry's Compression factory", "[filters][compression][config]") {
  FilterRegistry r;
  filters::register_builtin_filters(r);
  REQUIRE(r.contains("Compression"));
  auto doc = JsonDocument::parse(R"({"Algorithms": ["gzip"], "GzipLevel": 1})");
  REQUIRE(doc);
  auto f = r.create("Compression", doc->root("Compression"));
  REQUIRE(f);
  FilterHarness h(*f);
  h.request("GET", "/a", {{"Accept-Encoding", "br, gzip"}});
  CHECK(h.run_response_stream(head(), {text_body(3000)}).response.headers.get("Content-Encoding") == "gzip");
  CHECK(r.create("Compression"));  // no settings: the defaults
  auto bad = JsonDocument::parse(R"({"GzipLevel": 1, "Extra": 2})");
  REQUIRE(bad);
  auto e = r.create("Compression", bad->root("Compression"));
  REQUIRE_FALSE(e);
  CHECK(e.error().where == "Compression.Extra");
}
