#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lb_support.hpp"
#include "upstream/balancers.hpp"

using namespace portico;
using detail::lb::ConsistentHashBalancer;
using lbtest::endpoints;

namespace {

const HashKey kByHeader{HashKey::Source::Header, "X-User"};

std::string key(int i) { return "user-" + std::to_string(i); }

// The authority each of `n` keys maps to.
std::vector<std::string> placement(const ConsistentHashBalancer& lb, const std::vector<Endpoint>& eps, int n) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto p = lb.pick_key(key(i));
    out.push_back(p ? eps[*p].authority() : "-");
  }
  return out;
}

// placement() on a fresh ring over `eps`, keyed by kByHeader.
std::vector<std::string> placement(const std::vector<Endpoint>& eps, int n) {
  return placement(ConsistentHashBalancer(eps, kByHeader), eps, n);
}

}  // namespace

TEST_CASE("consistent hash: the ring has 160 points per unit of weight", "[lb][hash_ring]") {
  CHECK(ConsistentHashBalancer(endpoints(10), kByHeader).ring_size() == 1600);
  CHECK(ConsistentHashBalancer(endpoints({2, 1}), kByHeader).ring_size() == 480);
  // Huge weights are scaled down to the ring's bound, keeping their proportions.
  ConsistentHashBalancer big(endpoints({1, 100000}), kByHeader);
  CHECK(big.ring_size() <= ConsistentHashBalancer::kMaxRingPoints + 1);
  CHECK(big.ring_size() >= ConsistentHashBalancer::kMaxRingPoints - 2);
}

TEST_CASE("consistent hash: a key always maps to the same endpoint, in any instance and list order",
          "[lb][hash_ring]") {
  auto eps = endpoints(5);
  ConsistentHashBalancer a(eps, kByHeader);
  ConsistentHashBalancer b(eps, kByHeader);
  const auto first = placement(a, eps, 2000);
  CHECK(first == placement(a, eps, 2000));
  CHECK(first == placement(b, eps, 2000));
  std::reverse(eps.begin(), eps.end());
  ConsistentHashBalancer reversed(eps, kByHeader);
  CHECK(first == placement(reversed, eps, 2000));
}

TEST_CASE("consistent hash: keys spread evenly over equal endpoints", "[lb][hash_ring]") {
  const auto eps = endpoints(10);
  ConsistentHashBalancer lb(eps, kByHeader);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) ++counts[*lb.pick_key(key(i))];
  for (std::size_t i = 0; i < counts.size(); ++i) {
    INFO("endpoint " << i << " got " << counts[i]);
    CHECK(counts[i] >= 8500);
    CHECK(counts[i] <= 11500);
  }
}

TEST_CASE("consistent hash: weights scale an endpoint's share", "[lb][hash_ring]") {
  const auto eps = endpoints({3, 1});
  ConsistentHashBalancer lb(eps, kByHeader);
  int heavy = 0;
  for (int i = 0; i < 100000; ++i) heavy += *lb.pick_key(key(i)) == 0 ? 1 : 0;
  INFO("heavy endpoint got " << heavy);
  CHECK(heavy >= 72000);
  CHECK(heavy <= 78000);
}

TEST_CASE("consistent hash: removing one of ten endpoints moves only that endpoint's keys", "[lb][hash_ring]") {
  constexpr int kKeys = 100000;
  const auto all = endpoints(10);
  auto fewer = all;
  fewer.erase(fewer.begin() + 3);
  const auto p1 = placement(all, kKeys);
  const auto p2 = placement(fewer, kKeys);
  const std::string removed = all[3].authority();
  int moved = 0;
  int was_on_removed = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (p1[i] == removed) ++was_on_removed;
    if (p1[i] != p2[i]) {
      ++moved;
      CHECK(p1[i] == removed);  // no key moves between surviving endpoints
    }
  }
  CHECK(moved == was_on_removed);
  INFO("moved " << moved << " of " << kKeys);
  CHECK(moved >= kKeys / 10 * 85 / 100);
  CHECK(moved <= kKeys / 10 * 115 / 100);
}

TEST_CASE("consistent hash: adding an endpoint moves keys only onto it, about 1/(N+1)", "[lb][hash_ring]") {
  constexpr int kKeys = 100000;
  const auto more = endpoints(11);
  const std::vector<Endpoint> ten(more.begin(), more.begin() + 10);
  const auto p1 = placement(ten, kKeys);
  const auto p2 = placement(more, kKeys);
  const std::string added = more[10].authority();
  int moved = 0;
  bool only_to_new = true;
  for (int i = 0; i < kKeys; ++i) {
    if (p1[i] == p2[i]) continue;
    ++moved;
    only_to_new = only_to_new && p2[i] == added;
  }
  CHECK(only_to_new);
  INFO("moved " << moved);
  CHECK(moved >= kKeys / 11 * 85 / 100);
  CHECK(moved <= kKeys / 11 * 115 / 100);
}

TEST_CASE("consistent hash: an unavailable endpoint's keys walk to the next point; they return after",
          "[lb][hash_ring]") {
  constexpr int kKeys = 20000;
  const auto eps = endpoints(5);
  ConsistentHashBalancer lb(eps, kByHeader);
  const auto p1 = placement(lb, eps, kKeys);
  lb.set_available(2, false);
  const auto p2 = placement(lb, eps, kKeys);
  const std::string down = eps[2].authority();
  int moved = 0;
  int unplaced = 0;
  for (int i = 0; i < kKeys; ++i) {
    unplaced += p2[i] == "-" ? 1 : 0;
    CHECK(p2[i] != down);
    if (p1[i] != p2[i]) {
      ++moved;
      CHECK(p1[i] == down);
    }
  }
  CHECK(unplaced == 0);
  CHECK(moved == std::count(p1.begin(), p1.end(), down));
  CHECK(moved > 0);
  // The down endpoint's keys spread over the others rather than all landing on one neighbour.
  std::vector<std::string> heirs;
  for (int i = 0; i < kKeys; ++i)
    if (p1[i] != p2[i] && std::find(heirs.begin(), heirs.end(), p2[i]) == heirs.end()) heirs.push_back(p2[i]);
  CHECK(heirs.size() == 4);
  lb.set_available(2, true);
  CHECK(placement(lb, eps, kKeys) == p1);
  for (std::size_t i = 0; i < 5; ++i) lb.set_available(i, false);
  CHECK_FALSE(lb.pick_key("user-1").has_value());
}

TEST_CASE("consistent hash: key sources", "[lb][hash_ring]") {
  const auto eps = endpoints(8);
  SECTION("header") {
    ConsistentHashBalancer lb(eps, HashKey{HashKey::Source::Header, "x-user"});
    lbtest::Input in;
    in.request.headers.add("X-User", "alice");
    CHECK(lb.pick(in.get()) == lb.pick_key("alice"));
    CHECK(lb.pick(in.get()) == lb.pick_key("alice"));
  }
  SECTION("cookie") {
    ConsistentHashBalancer lb(eps, HashKey{HashKey::Source::Cookie, "uid"});
    const auto in = lbtest::with_cookie("uid", "bob");
    CHECK(lb.key_of(in.get()) == std::optional<std::string_view>{"bob"});
    CHECK(lb.pick(in.get()) == lb.pick_key("bob"));
  }
  SECTION("client address, falling back to the peer address") {
    ConsistentHashBalancer lb(eps, HashKey{HashKey::Source::ClientAddress, {}});
    lbtest::Input in;
    in.client = "198.51.100.7";
    in.request.remote_address = "10.9.9.9";
    CHECK(lb.key_of(in.get()) == std::optional<std::string_view>{"198.51.100.7"});
    CHECK(lb.pick(in.get()) == lb.pick_key("198.51.100.7"));
    in.client.clear();
    CHECK(lb.key_of(in.get()) == std::optional<std::string_view>{"10.9.9.9"});
  }
}

TEST_CASE("consistent hash: a request without the key is round robin", "[lb][hash_ring]") {
  const auto eps = endpoints(3);
  ConsistentHashBalancer lb(eps, HashKey{HashKey::Source::Header, "X-User"});
  lbtest::Input none;
  lbtest::Input empty;
  empty.request.headers.add("X-User", "");
  CHECK_FALSE(lb.key_of(none.get()).has_value());
  CHECK_FALSE(lb.key_of(empty.get()).has_value());
  std::vector<std::size_t> seq;
  for (int i = 0; i < 3; ++i) seq.push_back(*lb.pick(none.get()));
  seq.push_back(*lb.pick(empty.get()));
  CHECK(seq == std::vector<std::size_t>{0, 1, 2, 0});
  lbtest::Input no_address;
  no_address.client.clear();
  ConsistentHashBalancer by_address(eps, HashKey{});
  CHECK(by_address.pick(no_address.get()) == std::optional<std::size_t>{0});
  CHECK(by_address.pick(no_address.get()) == std::optional<std::size_t>{1});
}

TEST_CASE("consistent hash: the same address listed twice gets its own points", "[lb][hash_ring]") {
  auto eps = endpoints(2);
  eps.push_back(eps[0]);
  ConsistentHashBalancer lb(eps, kByHeader);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[*lb.pick_key(key(i))];
  for (int c : counts) CHECK(c >= 8000);
}

TEST_CASE("consistent hash: no endpoints picks nothing", "[lb][hash_ring]") {
  auto lb = make_consistent_hash({}, kByHeader);
  lbtest::Input in;
  in.request.headers.add("X-User", "alice");
  CHECK_FALSE(lb->pick(in.get()).has_value());
  CHECK_FALSE(lb->pick(lbtest::Input{}.get()).has_value());
}
