#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "lb_support.hpp"
#include "upstream/balancers.hpp"

using namespace portico;
using detail::lb::LeastConnectionsBalancer;
using detail::lb::PowerOfTwoBalancer;
using lbtest::count_picks;
using lbtest::endpoints;
using lbtest::pick_sequence;

// ---- least connections -----------------------------------------------------------------------

TEST_CASE("least connections: sequential traffic keeps the first endpoint (ties go to the earliest)",
          "[lb][least_connections]") {
  const auto eps = endpoints(3);
  auto lb = make_least_connections(eps);
  CHECK(count_picks(*lb, 3, 10, /*release=*/true) == std::vector<int>{10, 0, 0, 0});
}

TEST_CASE("least connections: concurrent requests spread by in-flight count", "[lb][least_connections]") {
  const auto eps = endpoints(3);
  LeastConnectionsBalancer lb(eps);
  CHECK(pick_sequence(lb, 7, /*release=*/false) == std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0});
  CHECK(lb.in_flight(0) == 3);
  CHECK(lb.in_flight(1) == 2);
  CHECK(lb.in_flight(2) == 2);
  // Endpoint 2 finishes two requests: it is now the least loaded, twice.
  lb.release(2);
  lb.release(2);
  CHECK(pick_sequence(lb, 3, false) == std::vector<std::size_t>{2, 2, 1});
  CHECK(lb.in_flight(2) == 2);
}

TEST_CASE("least connections: weights 2:1 under load give a a b a a b", "[lb][least_connections]") {
  const auto eps = endpoints({2, 1});
  LeastConnectionsBalancer lb(eps);
  CHECK(pick_sequence(lb, 9, false) == std::vector<std::size_t>{0, 0, 1, 0, 0, 1, 0, 0, 1});
  CHECK(lb.in_flight(0) == 6);
  CHECK(lb.in_flight(1) == 3);
}

TEST_CASE("least connections: unavailable endpoints are skipped, then come back", "[lb][least_connections]") {
  const auto eps = endpoints(3);
  LeastConnectionsBalancer lb(eps);
  lb.set_available(0, false);
  CHECK(pick_sequence(lb, 4, false) == std::vector<std::size_t>{1, 2, 1, 2});
  lb.set_available(0, true);
  CHECK(pick_sequence(lb, 3, false) == std::vector<std::size_t>{0, 0, 0});
  for (std::size_t i = 0; i < 3; ++i) lb.set_available(i, false);
  CHECK(count_picks(lb, 3, 5) == std::vector<int>{0, 0, 0, 5});
  CHECK_FALSE(make_least_connections({})->pick(lbtest::Input{}.get()).has_value());
}

TEST_CASE("least connections: a stray release cannot drive a counter below zero", "[lb][least_connections]") {
  const auto eps = endpoints(2);
  LeastConnectionsBalancer lb(eps);
  lb.release(0);
  lb.release(0);
  lb.release(7);  // out of range: ignored
  CHECK(lb.in_flight(0) == 0);
  CHECK(pick_sequence(lb, 2, false) == std::vector<std::size_t>{0, 1});
}

// ---- power of two random choices -------------------------------------------------------------

TEST_CASE("random (P2C): a seed fixes the sequence; different seeds differ", "[lb][random]") {
  const auto eps = endpoints(5);
  auto a = make_random(eps, 42);
  auto b = make_random(eps, 42);
  auto c = make_random(eps, 43);
  const auto seq_a = pick_sequence(*a, 200, true);
  CHECK(seq_a == pick_sequence(*b, 200, true));
  CHECK(seq_a != pick_sequence(*c, 200, true));
}

TEST_CASE("random (P2C): idle endpoints share evenly", "[lb][random]") {
  const auto eps = endpoints(4);
  auto lb = make_random(eps, 7);
  const auto counts = count_picks(*lb, 4, 40000);
  CHECK(counts[4] == 0);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("endpoint " << i << " got " << counts[i]);
    CHECK(counts[i] >= 9600);
    CHECK(counts[i] <= 10400);
  }
}

TEST_CASE("random (P2C): idle endpoints share in proportion to weight", "[lb][random]") {
  const auto eps = endpoints({3, 1});
  auto lb = make_random(eps, 11);
  const auto counts = count_picks(*lb, 2, 40000);
  INFO(counts[0] << " / " << counts[1]);
  CHECK(counts[0] >= 29600);
  CHECK(counts[0] <= 30400);
  CHECK(counts[0] + counts[1] == 40000);
}

TEST_CASE("random (P2C): the less loaded of the two choices wins", "[lb][random]") {
  const auto eps = endpoints(3);
  PowerOfTwoBalancer lb(eps, 5);
  // Load endpoint 0 with five requests in flight.
  lb.set_available(1, false);
  lb.set_available(2, false);
  CHECK(pick_sequence(lb, 5, false) == std::vector<std::size_t>(5, 0));
  CHECK(lb.in_flight(0) == 5);
  lb.set_available(1, true);
  lb.set_available(2, true);
  // Every pair either excludes 0 or pits it against an idle endpoint: 0 never wins.
  const auto counts = count_picks(lb, 3, 3000);
  CHECK(counts[0] == 0);
  CHECK(counts[1] + counts[2] == 3000);
  CHECK(counts[1] >= 1350);
  CHECK(counts[1] <= 1650);
  for (int i = 0; i < 5; ++i) lb.release(0);
  CHECK(lb.in_flight(0) == 0);
}

TEST_CASE("random (P2C): with two endpoints under load they never drift apart by more than one",
          "[lb][random]") {
  const auto eps = endpoints(2);
  PowerOfTwoBalancer lb(eps, 99);
  lbtest::Input in;
  std::uint64_t worst = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto p = lb.pick(in.get());
    REQUIRE(p.has_value());
    const auto d = static_cast<std::int64_t>(lb.in_flight(0)) - static_cast<std::int64_t>(lb.in_flight(1));
    worst = std::max<std::uint64_t>(worst, static_cast<std::uint64_t>(std::llabs(d)));
  }
  CHECK(worst == 1);
  CHECK(lb.in_flight(0) == 500);
  CHECK(lb.in_flight(1) == 500);
}

TEST_CASE("random (P2C): availability", "[lb][random]") {
  const auto eps = endpoints(3);
  auto lb = make_random(eps, 3);
  lb->set_available(0, false);
  lb->set_available(2, false);
  CHECK(count_picks(*lb, 3, 50) == std::vector<int>{0, 50, 0, 0});
  lb->set_available(2, true);
  const auto counts = count_picks(*lb, 3, 1000);
  CHECK(counts[0] == 0);
  CHECK(counts[3] == 0);
  CHECK(counts[1] + counts[2] == 1000);
  lb->set_available(1, false);
  lb->set_available(2, false);
  CHECK(count_picks(*lb, 3, 5) == std::vector<int>{0, 0, 0, 5});
  CHECK_FALSE(make_random({}, 1)->pick(lbtest::Input{}.get()).has_value());
}

TEST_CASE("random (P2C): seed 0 draws a random seed and still picks valid endpoints", "[lb][random]") {
  const auto eps = endpoints(3);
  PowerOfTwoBalancer lb(eps, 0);
  const auto counts = count_picks(lb, 3, 300);
  CHECK(counts[3] == 0);
  CHECK(counts[0] + counts[1] + counts[2] == 300);
  CHECK(lb.in_flight(0) + lb.in_flight(1) + lb.in_flight(2) == 0);
}
