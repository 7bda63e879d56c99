#include "portico/gateway.hpp"

#include <future>
#include <mutex>

#include "net/engine.hpp"
#include "net/handle_exchange.hpp"

namespace portico {

namespace detail {

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
  if (transport)
    net::handle_with_transport(*this, transport, std::move(request), std::move(done));
  else
    net::handle_on_engine(*this, std::move(request), std::move(done));
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
