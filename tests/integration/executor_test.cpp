// The host supplies the threads: start() posts loops to a plain pool, an Asio executor or
// cpp-httplib's ThreadPool, and stop() gives the threads back.
#include <httplib.h>

#include <asio.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>

#include "portico/executor.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

/// A minimal host pool with post(std::function<void()>).
class HostPool {
 public:
  explicit HostPool(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      threads_.emplace_back([this] {
        for (;;) {
          std::function<void()> task;
          {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
          }
          task();
        }
      });
  }
  ~HostPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void post(std::function<void()> f) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(f));
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

void serve_and_check(Gateway& gw, Executor ex, std::uint16_t upstream_port) {
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", upstream_port));
  c.add(Route("all").path("/{all}").to("svc"));
  REQUIRE(gw.apply(c));
  REQUIRE(gw.listen({"127.0.0.1", 0, {}}));
  gw.start(std::move(ex), 2);
  for (int i = 0; i < 4; ++i) {
    RawClient cl(gw.port());
    cl.send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(status_of(cl.read_until_close()) == 200);
  }
  gw.stop();  // returns once both loops have handed their threads back
}

}  // namespace

TEST_CASE("start() runs loops on a plain post() pool", "[integration][executor]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  HostPool pool(2);
  Gateway gw;
  serve_and_check(gw, pool_executor(pool), up.port());
  // The pool's threads are free again: a task posted now runs.
  std::promise<void> ran;
  pool.post([&] { ran.set_value(); });
  CHECK(ran.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
}

TEST_CASE("start() runs loops on an Asio executor", "[integration][executor]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  asio::thread_pool pool(2);
  Gateway gw;
  serve_and_check(gw, asio_executor(pool.get_executor()), up.port());
  pool.join();
}

TEST_CASE("start() runs loops on cpp-httplib's ThreadPool", "[integration][executor]") {
  ScriptedUpstream up([](const Received&) { return ScriptedUpstream::ok("x"); });
  httplib::ThreadPool pool(2);
  Gateway gw;
  serve_and_check(gw, task_queue_executor(pool), up.port());
  pool.shutdown();
}

TEST_CASE("handle() without a transport uses the engine's client on the calling thread", "[integration][executor]") {
  ScriptedUpstream up([](const Received& r) { return ScriptedUpstream::ok(r.request_line()); });
  Gateway gw;
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", up.port()));
  c.add(Route("all").get("/in/{rest}").rewrite("/out/{rest}").to("svc"));
  REQUIRE(gw.apply(c));
  auto r = gw.handle(Request::make("GET", "/in/a/b", {{"Host", "h"}}));
  CHECK(r.status == 200);
  CHECK(r.body == "GET /out/a/b HTTP/1.1");
}
