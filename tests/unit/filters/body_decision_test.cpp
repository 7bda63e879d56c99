// Per-response body decisions and streamed transforms, through the filter harness.
#include <catch2/catch.hpp>

#include "portico/testing/filter_harness.hpp"
#include "support/body_filters.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

Response head_of(std::string type) {
  Response r;
  r.status = 200;
  r.headers.add("Content-Type", std::move(type));
  return r;
}

}  // namespace

TEST_CASE("harness: a transform sees each piece, then the end of the stream", "[filters][bodies]") {
  FilterHarness h(std::make_shared<UpperFilter>("!"));
  h.request("GET", "/");
  REQUIRE(h.run_request().next());
  auto out = h.run_response_stream(head_of("text/plain"), {"hello ", "wor", "ld"});
  CHECK_FALSE(out.error);
  CHECK(out.transformed);
  CHECK_FALSE(out.buffered);
  CHECK(out.response.headers.get("X-Transformed") == "upper");  // header edits apply to streams too
  REQUIRE(out.pieces.size() == 4);
  CHECK(out.pieces[0] == "HELLO ");
  CHECK(out.pieces[2] == "LD");
  CHECK(out.pieces[3] == "!");  // appended at the end of the stream
  CHECK(out.response.body == "HELLO WORLD!");
}

TEST_CASE("harness: a counting transform passes pieces and appends at the end", "[filters][bodies]") {
  struct Counting final : Filter {
    ResponseBody on_response_head(Exchange&, const Response&) const override {
      return ResponseBody::through(std::make_unique<CountTransform>());
    }
  };
  FilterHarness h(std::make_shared<Counting>());
  auto out = h.run_response_stream(head_of("text/plain"), {"abc", "de"});
  CHECK(out.response.body == "abcde\n5");
  // A body that is already whole goes through the transform in one call.
  CHECK(h.run_response(Response::text(200, "xyz")).body == "xyz\n3");
}

TEST_CASE("harness: a filter buffers JSON responses only", "[filters][bodies]") {
  FilterHarness h(std::make_shared<JsonOnlyFilter>(1024));
  SECTION("JSON within the limit: on_response sees the whole body") {
    auto out = h.run_response_stream(head_of("application/json"), {"{\"a\":", "1}"});
    CHECK(out.buffered);
    CHECK_FALSE(out.over_limit);
    CHECK(out.response.headers.get("X-Json-Bytes") == "7");
    CHECK(out.response.body == "{\"a\":1}");
    CHECK_FALSE(h.exchange().response_body_over_limit());
  }
  SECTION("text on the same filter streams: on_response sees no body") {
    auto out = h.run_response_stream(head_of("text/plain"), {"one", "two"});
    CHECK_FALSE(out.buffered);
    CHECK_FALSE(out.transformed);
    CHECK_FALSE(out.response.headers.has("X-Json-Bytes"));
    CHECK(out.pieces == std::vector<std::string>{"one", "two", ""});
    CHECK(out.response.body == "onetwo");
  }
  SECTION("JSON over the limit: the filter is told, the body streams unchanged, nothing lost") {
    std::string big(700, 'x');
    auto out = h.run_response_stream(head_of("application/json"), {big, big, "tail"});
    CHECK_FALSE(out.buffered);
    CHECK(out.over_limit);
    CHECK(h.exchange().response_body_over_limit());
    CHECK(out.response.headers.get("X-Json-Over-Limit") == "1");
    CHECK(out.response.body == big + big + "tail");
  }
}

TEST_CASE("harness: a failing transform stops the stream after what it let through", "[filters][bodies]") {
  for (bool throws : {false, true}) {
    FilterHarness h(std::make_shared<FailingFilter>(5, throws));
    auto out = h.run_response_stream(head_of("text/plain"), {"abc", "de", "fgh", "ij"});
    REQUIRE(out.error);
    CHECK(out.error->code == (throws ? Errc::FilterThrew : Errc::Internal));
    CHECK(out.response.status == 200);  // streamed: the head is already out
    CHECK(out.response.body == "abcde");
    // A whole body is transformed before the head is written: a failure is a 500 problem.
    CHECK(h.run_response(Response::text(200, "too long for it")).status == 500);
  }
}

TEST_CASE("harness: on_response_head that throws gives the engine's 500", "[filters][bodies]") {
  struct Throws final : Filter {
    ResponseBody on_response_head(Exchange&, const Response&) const override { throw std::runtime_error("no"); }
  };
  FilterHarness h(std::make_shared<Throws>());
  auto out = h.run_response_stream(head_of("text/plain"), {"a"});
  REQUIRE(out.error);
  CHECK(out.response.status == 500);
  CHECK(h.run_response(Response::text(200, "a")).status == 500);
}

TEST_CASE("lambda filters ask for bodies through their options", "[filters][bodies]") {
  auto f = response_filter(
      "sees-body", [](Exchange&, Response& res) { res.headers.set("X-Len", std::to_string(res.body.size())); },
      LambdaFilterOptions{.request_body_limit = 10, .response_body_limit = 4});
  Exchange ex;
  CHECK(f->request_body_limit(ex) == 10);
  FilterHarness h(f);
  auto whole = h.run_response_stream(head_of("text/plain"), {"ab", "cd"});
  CHECK(whole.buffered);
  CHECK(whole.response.headers.get("X-Len") == "4");
  auto over = h.run_response_stream(head_of("text/plain"), {"ab", "cde"});
  CHECK(over.over_limit);
  CHECK(over.response.body == "abcde");
}

TEST_CASE("harness: a request body transform sees each piece, then the end", "[filters][bodies]") {
  FilterHarness h(request_upper("!"));
  h.request("POST", "/up", {{"Content-Type", "text/plain"}});
  REQUIRE(h.run_request().next());
  auto out = h.run_request_body({"ab", "cd"});
  CHECK_FALSE(out.error);
  CHECK(out.transformed);
  REQUIRE(out.pieces.size() == 3);
  CHECK(out.pieces[0] == "AB");
  CHECK(out.pieces[2] == "!");
  CHECK(out.body == "ABCD!");
}

TEST_CASE("harness: without a request body transform the body passes unchanged; a failing one stops it",
          "[filters][bodies]") {
  SECTION("none") {
    FilterHarness h(std::make_shared<UpperFilter>());  // transforms responses only
    h.request("POST", "/up");
    auto out = h.run_request_body({"ab", "cd"});
    CHECK_FALSE(out.transformed);
    CHECK(out.body == "abcd");
  }
  SECTION("failing") {
    FilterHarness h(request_failing(3, true));
    h.request("POST", "/up");
    auto out = h.run_request_body({"ab", "cd"});
    REQUIRE(out.error);
    CHECK(out.error->code == Errc::FilterThrew);
    CHECK(out.body == "ab");
  }
}
