// The concurrency limit through the harness: slots, the FIFO queue (deferred, no thread waits), the
// queue timeout on the loop timer, 503 with Retry-After, and slots released on completion.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "portico/filters/concurrency_limit.hpp"
#include "portico/testing/filter_harness.hpp"
#include "unit/config_support.hpp"

using namespace portico;
using namespace portico::filters;
using namespace std::chrono_literals;
using portico::testing::FilterHarness;

namespace {

struct Client {
  explicit Client(FilterPtr f) : filter(f), h(std::make_unique<FilterHarness>(f)) {}
  FilterPtr filter;
  std::unique_ptr<FilterHarness> h;
  testing::RequestOutcome start() {
    h->request("GET", "/slow");
    return h->run_request();
  }
  void complete() { filter->on_complete(h->exchange(), ExchangeRecord{}); }
};

}  // namespace

TEST_CASE("concurrency limit: slots, queue, queue full, timeout", "[filters][concurrency_limit]") {
  auto f = make_concurrency_limit({.max_concurrent = 2, .max_queue = 2, .queue_timeout = 100ms});
  REQUIRE(f);
  CHECK((*f)->phase() == Phase::Limits);
  CHECK((*f)->observes_completion());
  Client a(*f), b(*f), c(*f), d(*f), e(*f);
  REQUIRE(a.start().next());
  REQUIRE(b.start().next());
  REQUIRE(c.start().pending());
  REQUIRE(d.start().pending());
  auto full = e.start();  // two in flight, two waiting: no room
  REQUIRE(full.responded());
  CHECK(full.response->status == 503);
  CHECK(full.response->headers.get("Retry-After") == "1");

  a.complete();  // the oldest waiter takes a's slot
  CHECK(c.h->outcome().next());
  CHECK(d.h->outcome().pending());
  CHECK(d.h->services().advance(99ms) == 0);
  CHECK(d.h->services().advance(1ms) == 1);  // d waited 100 ms: 503
  auto timed_out = d.h->outcome();
  REQUIRE(timed_out.responded());
  CHECK(timed_out.response->status == 503);
  CHECK(timed_out.response->headers.has("Retry-After"));
  d.complete();  // it never held a slot: nothing is released
  Client x(*f);
  REQUIRE(x.start().pending());  // b and c still hold both slots

  b.complete();
  CHECK(x.h->outcome().next());
  c.complete();
  x.complete();
  Client p(*f), q(*f), r(*f);
  CHECK(p.start().next());
  CHECK(q.start().next());
  CHECK(r.start().pending());
  r.complete();  // ends while waiting (client gone): it leaves the queue without a slot
  p.complete();
  q.complete();
  Client s(*f), t(*f), u(*f);
  CHECK(s.start().next());
  CHECK(t.start().next());
  CHECK(u.start().pending());
}

TEST_CASE("concurrency limit: no queue answers 503 at once; invalid configs", "[filters][concurrency_limit]") {
  auto f = make_concurrency_limit({.max_concurrent = 1});
  REQUIRE(f);
  Client a(*f), b(*f);
  REQUIRE(a.start().next());
  auto o = b.start();
  REQUIRE(o.responded());
  CHECK(o.response->status == 503);
  a.complete();
  CHECK(b.start().next());

  CHECK_FALSE(make_concurrency_limit({.max_concurrent = 0}));
  CHECK_FALSE(make_concurrency_limit({.max_concurrent = 1, .max_queue = 1, .queue_timeout = 0ms}));
}

TEST_CASE("concurrency limit: never more in flight than the limit under threads", "[filters][concurrency_limit]") {
  auto f = make_concurrency_limit({.max_concurrent = 3});
  REQUIRE(f);
  std::atomic<int> in_flight{0}, peak{0}, served{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      Client cl(*f);
      for (int i = 0; i < 2000; ++i) {
        if (!cl.start().next()) continue;
        int now = in_flight.fetch_add(1) + 1;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        served.fetch_add(1);
        in_flight.fetch_sub(1);
        cl.complete();
      }
    });
  for (auto& t : threads) t.join();
  CHECK(peak.load() <= 3);
  CHECK(served.load() > 0);
  Client a(*f), b(*f), c(*f), d(*f);  // every slot came back
  CHECK(a.start().next());
  CHECK(b.start().next());
  CHECK(c.start().next());
  CHECK(d.start().responded());
}

TEST_CASE("ocelot.json: ConcurrencyLimit", "[filters][concurrency_limit][config]") {
  using namespace portico::testing;
  auto c = load_ok(one_route(R"("ConcurrencyLimit": {"MaxConcurrent": 1, "MaxQueue": 1, "QueueTimeoutMs": 50})"));
  CHECK(c.warnings.empty());
  REQUIRE(c.config.routes()[0].filters().size() == 1);
  auto f = c.config.routes()[0].filters()[0];
  CHECK(f->name() == "concurrency_limit");
  Client a(f), b(f), x(f);
  REQUIRE(a.start().next());
  REQUIRE(b.start().pending());
  CHECK(x.start().responded());
  CHECK(b.h->services().advance(50ms) == 1);
  CHECK(b.h->outcome().responded());

  auto e = load_error(one_route(R"("ConcurrencyLimit": {"MaxQueue": 1})"));
  CHECK(e.where == "Routes[0].ConcurrencyLimit.MaxConcurrent");
  e = load_error(one_route(R"("ConcurrencyLimit": {"MaxConcurrent": 0})"));
  CHECK(e.where == "Routes[0].ConcurrencyLimit.MaxConcurrent");
  e = load_error(one_route(R"("ConcurrencyLimit": 5)"));
  CHECK(e.where == "Routes[0].ConcurrencyLimit");
  auto typo = load_ok(one_route(R"("ConcurrencyLimit": {"MaxConcurrent": 1, "MaxQeue": 3})"));
  CHECK(warning_paths(typo) == std::vector<std::string>{"Routes[0].ConcurrencyLimit.MaxQeue"});
}
