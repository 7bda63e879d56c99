// Several threads picking and releasing on one balancer, as event loops do. Run under TSan too
// (-DPORTICO_SANITIZE=thread). Catch2 is not thread-safe: threads record, the main thread checks.

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "lb_support.hpp"
#include "upstream/balancers.hpp"

using namespace portico;
using lbtest::endpoints;

namespace {

constexpr int kThreads = 4;

// Runs `body(thread_index, counts)` on kThreads threads started together; returns summed counts
// per endpoint, plus a last slot for failed picks.
template <class Body>
std::vector<long> run_threads(std::size_t n, Body body) {
  std::vector<std::vector<long>> per_thread(kThreads, std::vector<long>(n + 1, 0));
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      body(t, per_thread[static_cast<std::size_t>(t)]);
    });
  }
  for (auto& th : threads) th.join();
  std::vector<long> total(n + 1, 0);
  for (const auto& counts : per_thread)
    for (std::size_t i = 0; i <= n; ++i) total[i] += counts[i];
  return total;
}

std::vector<long> pick_release(LoadBalancer& lb, std::size_t n, int picks_per_thread) {
  return run_threads(n, [&](int, std::vector<long>& counts) {
    const auto mine = lbtest::count_picks(lb, n, picks_per_thread);
    for (std::size_t i = 0; i <= n; ++i) counts[i] += mine[i];
  });
}

}  // namespace

TEST_CASE("concurrent: round robin with equal weights hands out exact shares", "[lb][concurrency]") {
  const auto eps = endpoints(4);
  auto lb = make_round_robin(eps);
  CHECK(pick_release(*lb, 4, 5000) == std::vector<long>{5000, 5000, 5000, 5000, 0});
}

TEST_CASE("concurrent: smooth weighted round robin keeps exact proportions", "[lb][concurrency]") {
  const auto eps = endpoints({5, 1, 1});
  auto lb = make_round_robin(eps);
  CHECK(pick_release(*lb, 3, 7000) == std::vector<long>{20000, 4000, 4000, 0});
}

TEST_CASE("concurrent: least connections and P2C return every counter to zero", "[lb][concurrency]") {
  const auto eps = endpoints({2, 1, 1});
  detail::lb::LeastConnectionsBalancer lc(eps);
  detail::lb::PowerOfTwoBalancer p2c(eps, 17);
  for (LoadBalancer* lb : {static_cast<LoadBalancer*>(&lc), static_cast<LoadBalancer*>(&p2c)}) {
    const auto counts = pick_release(*lb, 3, 5000);
    CHECK(counts[3] == 0);
    CHECK(counts[0] + counts[1] + counts[2] == 20000);
  }
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(lc.in_flight(i) == 0);
    CHECK(p2c.in_flight(i) == 0);
  }
}

TEST_CASE("concurrent: least connections spreads requests held in flight", "[lb][concurrency]") {
  const auto eps = endpoints(4);
  detail::lb::LeastConnectionsBalancer lb(eps);
  // Each thread holds 100 requests open before releasing them all.
  const auto counts = run_threads(4, [&](int, std::vector<long>& c) {
    lbtest::Input in;
    std::vector<std::size_t> held;
    for (int i = 0; i < 100; ++i) {
      const auto p = lb.pick(in.get());
      if (!p) continue;
      ++c[*p];
      held.push_back(*p);
    }
    for (auto i : held) lb.release(i);
  });
  long total = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    total += counts[i];
    CHECK(counts[i] >= 50);  // exact 100 each when sequential; races may skew a little
  }
  CHECK(total == 400);
  for (std::size_t i = 0; i < 4; ++i) CHECK(lb.in_flight(i) == 0);
}

TEST_CASE("concurrent: sticky sessions stay pinned while availability flips", "[lb][concurrency]") {
  const auto eps = endpoints(3);
  detail::lb::CookieStickyBalancer lb(eps, {.cookie = "sid", .expiry = std::chrono::minutes(1)}, {},
                                      detail::lb::StickyLimits{.max_sessions = 40, .shards = 4});
  // Phase 1: 50 clients on 4 threads (the table holds at most 40, so some are evicted and re-picked).
  std::vector<std::vector<std::pair<int, std::size_t>>> seen(kThreads);
  run_threads(3, [&](int t, std::vector<long>&) {
    for (int round = 0; round < 200; ++round) {
      const int client = (round * 7 + t) % 50;
      const auto in = lbtest::with_cookie("sid", "c" + std::to_string(client));
      if (const auto p = lb.pick(in.get())) seen[static_cast<std::size_t>(t)].emplace_back(client, *p);
    }
  });
  CHECK(lb.session_count() <= 40);
  // Phase 2: clients 0..9 are picked once more (pinned now), then must stay put from every thread.
  std::map<int, std::size_t> pinned;
  for (int c = 0; c < 10; ++c) pinned[c] = *lb.pick(lbtest::with_cookie("sid", "c" + std::to_string(c)).get());
  std::vector<std::vector<std::pair<int, std::size_t>>> later(kThreads);
  run_threads(3, [&](int t, std::vector<long>&) {
    for (int round = 0; round < 500; ++round) {
      const int client = (round + t) % 10;
      const auto in = lbtest::with_cookie("sid", "c" + std::to_string(client));
      if (const auto p = lb.pick(in.get())) later[static_cast<std::size_t>(t)].emplace_back(client, *p);
    }
  });
  int mismatches = 0;
  std::size_t picks = 0;
  for (const auto& v : later) {
    picks += v.size();
    for (const auto& [client, index] : v) mismatches += pinned[client] == index ? 0 : 1;
  }
  CHECK(picks == 2000);
  CHECK(mismatches == 0);
}

TEST_CASE("concurrent: every policy survives availability flipping under load", "[lb][concurrency]") {
  const auto eps = endpoints({3, 1, 1, 1});
  std::vector<std::unique_ptr<LoadBalancer>> balancers;
  balancers.push_back(make_round_robin(eps));
  balancers.push_back(make_round_robin(endpoints(4)));
  balancers.push_back(make_least_connections(eps));
  balancers.push_back(make_random(eps, 23));
  balancers.push_back(make_first(eps));
  balancers.push_back(make_cookie_sticky(eps, {.cookie = "sid", .expiry = std::chrono::minutes(1)}));
  balancers.push_back(make_consistent_hash(eps, HashKey{HashKey::Source::Cookie, "sid"}));
  for (auto& lb : balancers) {
    std::atomic<bool> stop{false};
    std::thread flipper([&] {
      for (int i = 0; !stop.load(); ++i) {
        lb->set_available(static_cast<std::size_t>(i % 3), (i / 3) % 2 == 0);
        std::this_thread::yield();
      }
    });
    std::atomic<int> out_of_range{0};
    const auto counts = run_threads(4, [&](int t, std::vector<long>& c) {
      for (int i = 0; i < 3000; ++i) {
        const auto in = lbtest::with_cookie("sid", "client" + std::to_string((i * 13 + t) % 97));
        const auto p = lb->pick(in.get());
        if (!p) {
          ++c[4];
          continue;
        }
        if (*p >= 4) {
          out_of_range.fetch_add(1);
          continue;
        }
        ++c[*p];
        lb->release(*p);
      }
    });
    stop.store(true);
    flipper.join();
    CHECK(out_of_range.load() == 0);
    CHECK(counts[4] == 0);  // endpoint 3 never goes down, so every pick succeeds
    CHECK(counts[0] + counts[1] + counts[2] + counts[3] == 12000);
  }
}
