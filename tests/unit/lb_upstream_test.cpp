#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lb_support.hpp"
#include "upstream/balancers.hpp"

using namespace portico;
namespace lb = portico::detail::lb;

namespace {

Upstream two_endpoints() { return Upstream("users").endpoint("10.0.0.1", 8080).endpoint("10.0.0.2", 8080); }

template <class T>
bool is(const std::unique_ptr<LoadBalancer>& p) {
  return dynamic_cast<const T*>(p.get()) != nullptr;
}

// A host's own policy: always the last available endpoint.
class LastBalancer final : public LoadBalancer {
 public:
  explicit LastBalancer(std::size_t n) : LoadBalancer(n) {}
  std::optional<std::size_t> pick(const PickInput&) override {
    for (std::size_t i = endpoint_count(); i > 0; --i)
      if (available(i - 1)) return i - 1;
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("make_load_balancer: each policy builds its balancer", "[lb][upstream]") {
  CHECK(is<lb::RoundRobinBalancer>(two_endpoints().make_load_balancer()));  // the default
  CHECK(is<lb::RoundRobinBalancer>(two_endpoints().load_balancing(LoadBalancing::RoundRobin).make_load_balancer()));
  CHECK(is<lb::LeastConnectionsBalancer>(
      two_endpoints().load_balancing(LoadBalancing::LeastConnections).make_load_balancer()));
  CHECK(is<lb::PowerOfTwoBalancer>(two_endpoints().load_balancing(LoadBalancing::Random).make_load_balancer()));
  CHECK(is<lb::FirstBalancer>(two_endpoints().load_balancing(LoadBalancing::First).make_load_balancer()));
  CHECK(is<lb::CookieStickyBalancer>(two_endpoints().sticky_sessions({.cookie = "sid"}).make_load_balancer()));
  CHECK(is<lb::ConsistentHashBalancer>(
      two_endpoints().consistent_hash({HashKey::Source::Header, "X-User"}).make_load_balancer()));
}

TEST_CASE("make_load_balancer: passes the endpoints, weights and policy options", "[lb][upstream]") {
  SECTION("weights reach round robin") {
    auto balancer = Upstream("u").endpoint("a", 1, 3).endpoint("b", 1, 1).make_load_balancer();
    CHECK(lbtest::count_picks(*balancer, 2, 8) == std::vector<int>{6, 2, 0});
  }
  SECTION("the sticky cookie name") {
    auto balancer = two_endpoints().sticky_sessions({.cookie = "route"}).make_load_balancer();
    const auto a = lbtest::with_cookie("route", "a");
    const auto b = lbtest::with_cookie("route", "b");
    CHECK(balancer->pick(a.get()) == std::optional<std::size_t>{0});
    CHECK(balancer->pick(b.get()) == std::optional<std::size_t>{1});
    CHECK(balancer->pick(a.get()) == std::optional<std::size_t>{0});
    CHECK(balancer->pick(a.get()) == std::optional<std::size_t>{0});
    auto* sticky = dynamic_cast<lb::CookieStickyBalancer*>(balancer.get());
    REQUIRE(sticky != nullptr);
    CHECK(sticky->session_count() == 2);
  }
  SECTION("the hash key") {
    auto balancer = two_endpoints().consistent_hash({HashKey::Source::Cookie, "uid"}).make_load_balancer();
    auto* ring = dynamic_cast<lb::ConsistentHashBalancer*>(balancer.get());
    REQUIRE(ring != nullptr);
    const auto in = lbtest::with_cookie("uid", "u-17");
    CHECK(ring->key_of(in.get()) == std::optional<std::string_view>{"u-17"});
  }
  SECTION("an upstream without endpoints picks nothing, whatever the policy") {
    for (auto policy : {LoadBalancing::RoundRobin, LoadBalancing::LeastConnections, LoadBalancing::Random,
                        LoadBalancing::First, LoadBalancing::CookieSticky, LoadBalancing::ConsistentHash}) {
      auto balancer = Upstream("empty").load_balancing(policy).make_load_balancer();
      CHECK_FALSE(balancer->pick(lbtest::with_cookie("", "x").get()).has_value());
    }
  }
}

TEST_CASE("make_load_balancer: a custom factory is called with the upstream's endpoints", "[lb][upstream]") {
  std::vector<std::string> seen;
  int calls = 0;
  auto up = two_endpoints().load_balancer([&](std::span<const Endpoint> eps) -> std::unique_ptr<LoadBalancer> {
    ++calls;
    seen.clear();
    for (const auto& e : eps) seen.push_back(e.authority());
    return std::make_unique<LastBalancer>(eps.size());
  });
  CHECK(up.policy() == LoadBalancing::Custom);
  auto balancer = up.make_load_balancer();
  CHECK(calls == 1);
  CHECK(seen == std::vector<std::string>{"10.0.0.1:8080", "10.0.0.2:8080"});
  CHECK(lbtest::count_picks(*balancer, 2, 3) == std::vector<int>{0, 3, 0});
  up.make_load_balancer();  // one balancer per snapshot: the factory runs each time
  CHECK(calls == 2);
}

TEST_CASE("make_load_balancer: a custom policy without a balancer falls back to round robin", "[lb][upstream]") {
  CHECK(is<lb::RoundRobinBalancer>(two_endpoints().load_balancer(LoadBalancerFactory{}).make_load_balancer()));
  CHECK(is<lb::RoundRobinBalancer>(
      two_endpoints().load_balancer([](std::span<const Endpoint>) { return std::unique_ptr<LoadBalancer>(); })
          .make_load_balancer()));
}
