#include "portico/gateway.hpp"

#include <deque>
#include <future>
#include <mutex>

#include "core/pipeline.hpp"
#include "net/engine.hpp"

namespace portico {

namespace detail {

namespace {

/// Gateway::handle's exchange: a strand (tasks run one at a time, in order, on whichever thread
/// posts while none is running) and the host's or the direct Transport.
class HandleExchange final : public Pipeline {
 public:
  HandleExchange(std::shared_ptr<const Snapshot> snapshot, std::shared_ptr<GatewayShared> shared,
                 std::shared_ptr<Transport> transport, std::function<void(Response)> done)
      : Pipeline(std::move(snapshot), std::move(shared)), transport_(std::move(transport)), done_(std::move(done)) {}

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
  void send_upstream(const Endpoint& endpoint, const UpstreamRuntime&, Request request,
                     std::chrono::milliseconds timeout) override {
    auto self = std::static_pointer_cast<HandleExchange>(shared_from_this());
    auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    request.query = q == std::string::npos ? std::string() : request.target.substr(q + 1);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH")
      request.headers.set("Content-Length", std::to_string(request.body.size()));
    try {
      transport_->send(endpoint, std::move(request), timeout, [self](Result<Response> r) {
        self->post([self, r = std::move(r)]() mutable { self->upstream_done(std::move(r)); });
      });
    } catch (const std::exception& e) {
      upstream_done(make_error(Errc::ConnectFailed, std::string("transport threw: ") + e.what()));
    }
  }

  void deliver(Response response) override {
    response.headers.remove("Transfer-Encoding");
    const bool no_body = (response.status >= 100 && response.status < 200) || response.status == 204 ||
                         response.status == 304;
    if (no_body) {
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
    auto done = std::move(done_);
    auto self = std::move(self_);  // released when this call returns
    if (done) done(std::move(response));
  }

 public:
  void keep_until_delivered(std::shared_ptr<HandleExchange> self) { self_ = std::move(self); }

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

 private:
  std::shared_ptr<Transport> transport_;
  std::function<void(Response)> done_;
  std::shared_ptr<HandleExchange> self_;
  std::mutex mu_;
  std::deque<std::function<void()>> queue_;
  bool running_ = false;
};

}  // namespace

std::shared_ptr<Transport> make_direct_transport();  // net/direct_transport.cpp

GatewayImpl::GatewayImpl(std::shared_ptr<Transport> t) : transport(std::move(t)) {
  auto first = Snapshot::build(Config{}, 0);
  snapshot_ = std::move(*first);
}

GatewayImpl::~GatewayImpl() {
  stop();
  for (auto& l : listeners_)
    if (l.fd >= 0) ::close(l.fd);
}

Result<void> GatewayImpl::apply(Config config) {
  auto gen = generation_.load() + 1;
  auto built = Snapshot::build(std::move(config), gen);
  if (!built) return std::move(built).error();
  {
    std::lock_guard lock(snapshot_mu_);
    snapshot_ = std::move(*built);
    generation_.store(gen, std::memory_order_release);
  }
  return {};
}

std::shared_ptr<const Snapshot> GatewayImpl::snapshot() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

void GatewayImpl::handle(Request request, std::function<void(Response)> done) {
  auto t = transport ? transport : make_direct_transport();
  auto ex = std::make_shared<HandleExchange>(snapshot(), shared, std::move(t), std::move(done));
  ex->keep_until_delivered(ex);  // a Deferred holds the exchange only weakly
  ex->route(std::move(request));
  ex->post([ex] { ex->start(); });
}

Result<std::shared_ptr<asio::ssl::context>> GatewayImpl::client_tls(const std::string& key, const UpstreamTls& tls) {
  std::lock_guard lock(tls_mu_);
  auto it = client_tls_.find(key);
  if (it != client_tls_.end()) return it->second;
  auto made = net::make_client_tls(tls);
  if (!made) return std::move(made).error();
  if (!tls.verify)
    shared->log(LogLevel::Warn, "upstream TLS certificate verification is OFF for " + key +
                                    " (DangerousAcceptAnyServerCertificateValidator): anyone on the path can read "
                                    "and change this traffic");
  client_tls_[key] = *made;
  return *made;
}

}  // namespace detail

Gateway::Gateway() : impl_(std::make_unique<detail::GatewayImpl>(nullptr)) {}
Gateway::Gateway(std::shared_ptr<Transport> transport)
    : impl_(std::make_unique<detail::GatewayImpl>(std::move(transport))) {}
Gateway::~Gateway() = default;

Result<void> Gateway::apply(Config config) { return impl_->apply(std::move(config)); }

Response Gateway::handle(Request request) {
  std::promise<Response> promise;
  auto future = promise.get_future();
  impl_->handle(std::move(request), [&promise](Response r) { promise.set_value(std::move(r)); });
  return future.get();
}

void Gateway::handle(Request request, std::function<void(Response)> done) {
  impl_->handle(std::move(request), std::move(done));
}

Result<void> Gateway::listen(ListenOptions options) { return impl_->listen(options); }
std::uint16_t Gateway::port(std::size_t index) const { return impl_->port(index); }
Result<void> Gateway::reload_certificates(std::vector<TlsCertificate> certificates, std::size_t index) {
  return impl_->reload_certificates(certificates, index);
}
void Gateway::run() { impl_->run(); }
void Gateway::start(Executor executor, std::size_t loops) { impl_->start(std::move(executor), loops); }
void Gateway::stop() { impl_->stop(); }
void Gateway::request_stop() { impl_->request_stop(); }
void Gateway::set_worker_executor(Executor executor) { impl_->shared->set_worker(std::move(executor)); }
void Gateway::set_log_sink(LogSink sink) { impl_->shared->set_log_sink(std::move(sink)); }
std::uint64_t Gateway::requests_served() const noexcept {
  return impl_->shared->requests_served.load(std::memory_order_relaxed);
}
std::size_t Gateway::running_loops() const { return impl_->running_loops(); }

std::uint64_t Gateway::requests_rejected() const noexcept {
  return impl_->shared->requests_rejected.load(std::memory_order_relaxed);
}

}  // namespace portico
