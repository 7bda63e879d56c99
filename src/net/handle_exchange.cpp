#include "net/handle_exchange.hpp"

#include <deque>
#include <mutex>

#include "core/forwarding.hpp"
#include "core/pipeline.hpp"
#include "http/codec.hpp"
#include "net/loop_client.hpp"

namespace portico::net {

using Clock = std::chrono::steady_clock;

namespace {

/// What both kinds share: the request body limit checked against the whole body, the response
/// normalized to whole-body framing, the observers told, and `done` called exactly once.
class WholeExchange : public detail::Pipeline {
 public:
  WholeExchange(std::shared_ptr<const detail::Snapshot> snapshot, std::shared_ptr<detail::GatewayShared> shared,
                std::function<void(Response)> done)
      : Pipeline(std::move(snapshot), std::move(shared)), done_(std::move(done)) {}

  /// Keeps the exchange alive until it is delivered (a Deferred holds it only weakly).
  void keep_until_delivered(std::shared_ptr<WholeExchange> self) { self_ = std::move(self); }

  /// Runs the exchange. Bodies are whole here, so a filter's request body limit is checked against
  /// the body given (413 over it), as the socket engine checks the body it reads.
  void start() {
    auto limit = request_body_limit();
    if (!limit) {
      fail(std::move(limit).error());
      return;
    }
    if (*limit > 0 && exchange().request().body.size() > *limit) {
      fail(make_error(Errc::BodyTooLarge, "request body over a filter's body limit"));
      return;
    }
    run();
  }

 protected:
  void deliver(Response response) final {
    response.headers.remove("Transfer-Encoding");
    if (detail::status_has_no_body(response.status)) {
      response.headers.remove("Content-Length");
      response.body.clear();
    } else if (exchange().request().method != "HEAD") {
      response.headers.set("Content-Length", std::to_string(response.body.size()));
    }
    if (observing()) {
      record().bytes_out = response.body.size();
      record().bytes_in = exchange().request().body.size();
      complete(false, false);
    }
    delivered();
    answer(std::move(response));
  }

  /// Called once, just before `done`.
  virtual void delivered() {}

  /// Calls `done` (once) and lets go of the exchange's hold on itself.
  void answer(Response response) {
    auto done = std::move(done_);
    done_ = nullptr;
    auto self = std::move(self_);  // released when this call returns
    if (done) done(std::move(response));
  }

  /// The request as the upstream gets it from a whole body: path and query split again (a filter
  /// may have changed the target), the framing fields the gateway's own.
  static void frame_whole(Request& request) {
    auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    request.query = q == std::string::npos ? std::string() : request.target.substr(q + 1);
    detail::frame_whole_request(request.headers, request.method, request.body.size());
  }

 private:
  std::function<void(Response)> done_;
  std::shared_ptr<WholeExchange> self_;
};

/// The answer of an exchange that could not run because its loop stopped first.
Response stopped_response() {
  return render_problem(ErrorInfo{503, Errc::Overloaded, "the gateway stopped before the request was served", {}, {}});
}

/// An exchange on a loop: posts run on the loop's thread, the upstream call uses the loop's pool.
class LoopExchange final : public WholeExchange, public Loop::Guest {
 public:
  LoopExchange(Loop& loop, bool private_loop, std::function<void(Response)> done)
      : WholeExchange(loop.snapshot(), loop.gateway().shared, std::move(done)), loop_(loop), private_(private_loop) {
    set_services(&loop.services());
    guest_ = loop.add_guest(this);
  }

  void post(std::function<void()> fn) override { asio::post(loop_.io(), std::move(fn)); }

  /// Starts the exchange and, while a deferred filter holds it, watches the filter deadline.
  void begin() {
    start();
    if (answered_ || !has_filters()) return;
    std::weak_ptr<Pipeline> weak = weak_from_this();
    deadline_ = loop_.services().timer(
        std::chrono::duration_cast<std::chrono::milliseconds>(filter_deadline() - Clock::now()), [weak] {
          if (auto p = weak.lock()) static_cast<LoopExchange&>(*p).filter_deadline_passed();
        });
  }

  void abandon() noexcept override {
    if (answered_) return;
    answered_ = true;  // the loop forgot this guest already
    try {
      answer(stopped_response());
    } catch (...) {
      // the host's callback threw: nothing else can be told
    }
  }

 protected:
  void send_upstream(const Endpoint& endpoint, const detail::UpstreamRuntime& upstream, Request request,
                     std::chrono::milliseconds timeout) override {
    auto self = std::static_pointer_cast<LoopExchange>(shared_from_this());
    asio::co_spawn(loop_.io(), call(std::move(self), endpoint, &upstream, std::move(request), timeout),
                   asio::detached);
  }

  void delivered() override {
    answered_ = true;
    loop_.remove_guest(guest_);
    deadline_.cancel();
    if (private_) loop_.stop_private();
  }

 private:
  static awaitable<void> call(std::shared_ptr<LoopExchange> self, Endpoint ep, const detail::UpstreamRuntime* up,
                              Request req, std::chrono::milliseconds timeout) {
    frame_whole(req);
    std::string head;
    if (!detail::serialize_request_head(req.method, req.target, req.headers, head)) {
      self->upstream_done(make_error(Errc::Internal, "a filter set a header that cannot be sent upstream"));
      co_return;
    }
    const auto& opts = self->snapshot().options;
    const UpstreamTarget target{ep, up->pool_key_of(ep), up->pool, up->tls, up->connect_timeout};
    const WholeRequest whole{req.method, head, req.body, opts.max_body_bytes, Clock::now() + timeout};
    UpstreamConn* in_use = nullptr;
    auto result = co_await whole_round_trip(self->loop_, target, whole, in_use);
    self->upstream_done(std::move(result));
  }

  Loop& loop_;
  bool private_;
  bool answered_ = false;
  std::list<Loop::Guest*>::iterator guest_;
  TimerHandle deadline_;
};

/// Starts `request` on `loop` (its thread).
void start_on(Loop& loop, bool private_loop, Request request, std::function<void(Response)> done) {
  auto ex = std::make_shared<LoopExchange>(loop, private_loop, std::move(done));
  ex->keep_until_delivered(ex);
  ex->route(std::move(request));
  ex->begin();
}

/// A request on its way to a loop: answered with a 503 if the loop drops it unrun.
struct Posted {
  Request request;
  std::function<void(Response)> done;
  Posted(Request r, std::function<void(Response)> d) : request(std::move(r)), done(std::move(d)) {}
  Posted(const Posted&) = delete;
  Posted& operator=(const Posted&) = delete;
  ~Posted() {
    if (!done) return;
    try {
      done(stopped_response());
    } catch (...) {
    }
  }
};

/// The host's Transport: a strand (tasks run one at a time, in order, on whichever thread posts
/// while none is running).
class TransportExchange final : public WholeExchange {
 public:
  TransportExchange(std::shared_ptr<const detail::Snapshot> snapshot, std::shared_ptr<detail::GatewayShared> shared,
                    std::shared_ptr<Transport> transport, std::function<void(Response)> done)
      : WholeExchange(std::move(snapshot), std::move(shared), std::move(done)), transport_(std::move(transport)) {}

  void post(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(fn));
      if (running_) return;
      running_ = true;
    }
    for (;;) {
      std::function<void()> task;
      {
        std::lock_guard lock(mu_);
        if (queue_.empty()) {
          running_ = false;
          return;
        }
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

 protected:
  void send_upstream(const Endpoint& endpoint, const detail::UpstreamRuntime&, Request request,
                     std::chrono::milliseconds timeout) override {
    auto self = std::static_pointer_cast<TransportExchange>(shared_from_this());
    frame_whole(request);
    try {
      transport_->send(endpoint, std::move(request), timeout, [self](Result<Response> r) {
        self->post([self, r = std::move(r)]() mutable { self->upstream_done(std::move(r)); });
      });
    } catch (const std::exception& e) {
      upstream_done(make_error(Errc::ConnectFailed, std::string("transport threw: ") + e.what()));
    }
  }

 private:
  std::shared_ptr<Transport> transport_;
  std::mutex mu_;
  std::deque<std::function<void()>> queue_;
  bool running_ = false;
};

}  // namespace

void handle_on_engine(detail::GatewayImpl& gw, Request request, std::function<void(Response)> done) {
  auto posted = std::make_shared<Posted>(std::move(request), std::move(done));
  const bool on_loop = gw.post_to_loop([posted](Loop& loop) {
    start_on(loop, false, std::move(posted->request), std::move(posted->done));
    posted->done = nullptr;
  });
  if (on_loop) return;
  Loop loop(gw);  // none runs: a private loop on this thread, for this request
  asio::post(loop.io(), [&loop, posted] {
    start_on(loop, true, std::move(posted->request), std::move(posted->done));
    posted->done = nullptr;
  });
  loop.run_private();
}

void handle_with_transport(detail::GatewayImpl& gw, std::shared_ptr<Transport> transport, Request request,
                           std::function<void(Response)> done) {
  auto ex = std::make_shared<TransportExchange>(gw.snapshot(), gw.shared, std::move(transport), std::move(done));
  ex->keep_until_delivered(ex);
  ex->route(std::move(request));
  ex->post([ex] { ex->start(); });
}

}  // namespace portico::net
