#include "portico/upstream.hpp"

namespace portico {

std::string Endpoint::authority() const {
  std::string out;
  if (host.find(':') != std::string::npos && (host.empty() || host.front() != '['))
    out = "[" + host + "]";
  else
    out = host;
  out += ':';
  out += std::to_string(port);
  return out;
}

LoadBalancer::LoadBalancer(std::size_t endpoint_count)
    : count_(endpoint_count), available_(std::make_unique<std::atomic<bool>[]>(endpoint_count)) {
  for (std::size_t i = 0; i < count_; ++i) available_[i].store(true, std::memory_order_relaxed);
}

void LoadBalancer::set_available(std::size_t index, bool available) noexcept {
  if (index < count_) available_[index].store(available, std::memory_order_relaxed);
}

bool LoadBalancer::available(std::size_t index) const noexcept {
  return index < count_ && available_[index].load(std::memory_order_relaxed);
}

Upstream::Upstream(std::string name) : name_(std::move(name)) {}

Upstream& Upstream::endpoint(std::string host, std::uint16_t port, unsigned weight) {
  endpoints_.push_back(Endpoint{std::move(host), port, weight, std::string()});
  return *this;
}

Upstream& Upstream::endpoint(Endpoint e) {
  endpoints_.push_back(std::move(e));
  return *this;
}

Upstream& Upstream::scheme(std::string scheme) {
  scheme_ = std::move(scheme);
  return *this;
}

Upstream& Upstream::load_balancing(LoadBalancing policy) {
  policy_ = policy;
  return *this;
}

Upstream& Upstream::sticky_sessions(StickySessions sticky) {
  sticky_ = std::move(sticky);
  policy_ = LoadBalancing::CookieSticky;
  return *this;
}

Upstream& Upstream::consistent_hash(HashKey key) {
  hash_key_ = std::move(key);
  policy_ = LoadBalancing::ConsistentHash;
  return *this;
}

Upstream& Upstream::load_balancer(LoadBalancerFactory factory) {
  factory_ = std::move(factory);
  policy_ = LoadBalancing::Custom;
  return *this;
}

Upstream& Upstream::tls(UpstreamTls tls) {
  tls_ = std::move(tls);
  return *this;
}

Upstream& Upstream::pool(PoolOptions pool) {
  pool_ = pool;
  return *this;
}

Upstream& Upstream::connect_timeout(std::chrono::milliseconds t) {
  connect_timeout_ = t;
  return *this;
}

Upstream& Upstream::response_timeout(std::chrono::milliseconds t) {
  response_timeout_ = t;
  return *this;
}

}  // namespace portico
