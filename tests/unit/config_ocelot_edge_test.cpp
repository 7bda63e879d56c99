// ocelot.json GlobalConfiguration.ServerOptions keys of the HTTP edge: per-line header limit,
// request buffering, '_' in header names, TRACE, and the rejection log.

#include <catch2/catch.hpp>

#include "config_support.hpp"

using namespace portico;
using namespace portico::testing;

TEST_CASE("edge ServerOptions keys map onto portico::ServerOptions", "[config][ocelot][global]") {
  auto c = load_ok(server_options(R"(
      "MaxHeaderLineBytes": 16384, "RequestBufferBytes": 0, "UnderscoresInHeaders": "reject",
      "AllowTrace": true, "RejectedLogLevel": "Warn", "RejectedLogPerSecond": 0)"));
  ServerOptions expected;
  expected.max_header_line_bytes = 16384;
  expected.request_buffer_bytes = 0;
  expected.underscores_in_headers = UnderscoreHeaders::Reject;
  expected.allow_trace = true;
  expected.rejected_log_level = LogLevel::Warn;
  expected.rejected_log_per_second = 0;
  check_server_options(c.config.server_options(), expected);
  CHECK(c.warnings.empty());

  auto p = load_ok(server_options(R"("UnderscoresInHeaders": "Pass", "RejectedLogLevel": "debug")"));
  CHECK(p.config.server_options().underscores_in_headers == UnderscoreHeaders::Pass);
  CHECK(p.config.server_options().rejected_log_level == LogLevel::Debug);

  auto d = load_ok(server_options(R"("MaxHeaderCount": 10)"));
  CHECK(d.config.server_options().max_header_line_bytes == 8192);
  CHECK(d.config.server_options().request_buffer_bytes == 65536);
  CHECK(d.config.server_options().underscores_in_headers == UnderscoreHeaders::Drop);
  CHECK_FALSE(d.config.server_options().allow_trace);
}

TEST_CASE("edge ServerOptions keys: wrong values are errors with their path", "[config][ocelot][global]") {
  struct Case {
    std::string members;
    std::string where;
    std::string message;
  };
  const Case cases[] = {
      {R"("MaxHeaderLineBytes": 0)", "GlobalConfiguration.ServerOptions.MaxHeaderLineBytes",
       "expected an integer 1..16777216, got 0"},
      {R"("RequestBufferBytes": -1)", "GlobalConfiguration.ServerOptions.RequestBufferBytes",
       "expected an integer 0..1073741824, got -1"},
      {R"("UnderscoresInHeaders": "Fold")", "GlobalConfiguration.ServerOptions.UnderscoresInHeaders",
       "expected \"Drop\", \"Reject\" or \"Pass\", got \"Fold\""},
      {R"("RejectedLogLevel": "Loud")", "GlobalConfiguration.ServerOptions.RejectedLogLevel",
       "expected \"Debug\", \"Info\", \"Warn\" or \"Error\", got \"Loud\""},
      {R"("RejectedLogPerSecond": 1000001)", "GlobalConfiguration.ServerOptions.RejectedLogPerSecond",
       "expected an integer 0..1000000, got 1000001"},
  };
  for (const auto& c : cases) {
    auto e = load_error(server_options(c.members));
    CHECK(e.code == Errc::InvalidConfig);
    CHECK(e.where == c.where);
    CHECK(e.message == c.message);
  }
  auto e = load_error(server_options(R"("AllowTrace": "yes")"));
  CHECK(e.where == "GlobalConfiguration.ServerOptions.AllowTrace");
}
