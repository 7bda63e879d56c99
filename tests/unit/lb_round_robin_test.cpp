#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lb_support.hpp"
#include "upstream/balancers.hpp"

using namespace portico;
using lbtest::count_picks;
using lbtest::endpoints;

namespace {

// The picks as letters, one per endpoint index ('-' for a failed pick).
std::string sequence(LoadBalancer& lb, int picks, const std::string& names = "abcdefgh") {
  std::string out;
  for (const std::size_t p : lbtest::pick_sequence(lb, picks, /*release=*/false))
    out += p == lbtest::kNoPick ? '-' : names[p];
  return out;
}

}  // namespace

TEST_CASE("round robin: equal weights start at index 0 and alternate (Ocelot: 99 requests -> 50/49)",
          "[lb][round_robin]") {
  const auto eps = endpoints(2);
  auto lb = make_round_robin(eps);
  CHECK(sequence(*lb, 6) == "ababab");
  auto fresh = make_round_robin(eps);
  CHECK(count_picks(*fresh, 2, 99) == std::vector<int>{50, 49, 0});
}

TEST_CASE("round robin: equal weights other than 1 take the plain round-robin path", "[lb][round_robin]") {
  const auto eps = endpoints({3, 3, 3});
  detail::lb::RoundRobinBalancer lb(eps);
  CHECK(lb.equal_weights());
  CHECK(sequence(lb, 7) == "abcabca");
}

TEST_CASE("round robin: smooth weighted sequence for 5,1,1 is a a b a c a a", "[lb][round_robin]") {
  const auto eps = endpoints({5, 1, 1});
  detail::lb::RoundRobinBalancer lb(eps);
  CHECK_FALSE(lb.equal_weights());
  CHECK(sequence(lb, 14) == "aabacaaaabacaa");
}

TEST_CASE("round robin: weights 5:1:1 over 7000 picks give exactly 5000/1000/1000", "[lb][round_robin]") {
  const auto eps = endpoints({5, 1, 1});
  auto lb = make_round_robin(eps);
  CHECK(count_picks(*lb, 3, 7000) == std::vector<int>{5000, 1000, 1000, 0});
}

TEST_CASE("round robin: weights 3:2 interleave smoothly", "[lb][round_robin]") {
  // nginx: current (3,2)->a (-2,2); (1,4)->b (1,-1); (4,1)->a (-1,1); (2,3)->b (2,-2); (5,0)->a (0,0).
  const auto eps = endpoints({3, 2});
  auto lb = make_round_robin(eps);
  CHECK(sequence(*lb, 10) == "ababaababa");
}

TEST_CASE("round robin: a weight of 0 counts as 1", "[lb][round_robin]") {
  const auto eps = endpoints({0, 1});
  detail::lb::RoundRobinBalancer lb(eps);
  CHECK(lb.equal_weights());
  CHECK(sequence(lb, 4) == "abab");
}

TEST_CASE("round robin: unavailable endpoints are skipped without shifting their share to a neighbour",
          "[lb][round_robin]") {
  SECTION("equal weights") {
    const auto eps = endpoints(3);
    auto lb = make_round_robin(eps);
    lb->set_available(1, false);
    CHECK(count_picks(*lb, 3, 100) == std::vector<int>{50, 0, 50, 0});
    lb->set_available(1, true);
    lb->set_available(0, false);
    CHECK(sequence(*lb, 4) == "bcbc");
  }
  SECTION("equal weights, four endpoints, one down: the other three share evenly") {
    const auto eps = endpoints(4);
    auto lb = make_round_robin(eps);
    lb->set_available(2, false);
    CHECK(count_picks(*lb, 4, 300) == std::vector<int>{100, 100, 0, 100, 0});
  }
  SECTION("weighted: 5,1,1 without b is 5:1 between a and c") {
    const auto eps = endpoints({5, 1, 1});
    auto lb = make_round_robin(eps);
    lb->set_available(1, false);
    CHECK(sequence(*lb, 6) == "aaacaa");
    CHECK(count_picks(*lb, 3, 600) == std::vector<int>{500, 0, 100, 0});
  }
  SECTION("weighted: the heavy endpoint down leaves the light ones alternating") {
    const auto eps = endpoints({5, 1, 1});
    auto lb = make_round_robin(eps);
    lb->set_available(0, false);
    CHECK(sequence(*lb, 4) == "bcbc");
  }
}

TEST_CASE("round robin: nothing available, or no endpoints, picks nothing", "[lb][round_robin]") {
  SECTION("equal weights") {
    const auto eps = endpoints(3);
    auto lb = make_round_robin(eps);
    for (std::size_t i = 0; i < 3; ++i) lb->set_available(i, false);
    CHECK(count_picks(*lb, 3, 10) == std::vector<int>{0, 0, 0, 10});
    lb->set_available(2, true);
    CHECK(count_picks(*lb, 3, 3) == std::vector<int>{0, 0, 3, 0});
  }
  SECTION("weighted") {
    const auto eps = endpoints({2, 1});
    auto lb = make_round_robin(eps);
    lb->set_available(0, false);
    lb->set_available(1, false);
    CHECK_FALSE(lb->pick(lbtest::Input{}.get()).has_value());
  }
  SECTION("empty") {
    auto lb = make_round_robin({});
    CHECK_FALSE(lb->pick(lbtest::Input{}.get()).has_value());
    CHECK_FALSE(lb->available(0));
  }
}

TEST_CASE("first: always the first available endpoint (Ocelot NoLoadBalancer)", "[lb][first]") {
  const auto eps = endpoints(3);
  auto lb = make_first(eps);
  CHECK(count_picks(*lb, 3, 10) == std::vector<int>{10, 0, 0, 0});
  lb->set_available(0, false);
  CHECK(count_picks(*lb, 3, 10) == std::vector<int>{0, 10, 0, 0});
  lb->set_available(1, false);
  lb->set_available(2, false);
  CHECK(count_picks(*lb, 3, 2) == std::vector<int>{0, 0, 0, 2});
  lb->set_available(0, true);
  CHECK(lb->pick(lbtest::Input{}.get()) == std::optional<std::size_t>{0});
  CHECK_FALSE(make_first({})->pick(lbtest::Input{}.get()).has_value());
}
