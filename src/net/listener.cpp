// GatewayImpl's listeners and loop bookkeeping: binding sockets, running loops on the host's
// threads, and the graceful stop that waits for every loop to drain.

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "net/engine.hpp"

namespace portico::detail {

Result<void> GatewayImpl::listen(const ListenOptions& options) {
  std::shared_ptr<net::ServerTls> tls;
  if (!options.tls.empty()) {
    auto made = net::ServerTls::create(options.tls);
    if (!made) return std::move(made).error();
    tls = std::move(*made);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(options.port);
  const char* host = options.host.empty() ? nullptr : options.host.c_str();
  if (int rc = ::getaddrinfo(host, port.c_str(), &hints, &res); rc != 0)
    return make_error(Errc::Io, "cannot resolve listen address '" + options.host + "': " + gai_strerror(rc),
                      "listen.host");
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 4096) == 0) break;
    last_error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0)
    return make_error(Errc::Io, "cannot listen on " + options.host + ":" + port + ": " + last_error, "listen");
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  Listener l;
  l.fd = fd;
  l.port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  l.tls = std::move(tls);
  l.address = ss;
  l.address_len = len;
  listeners_.push_back(std::move(l));
  return {};
}

std::uint16_t GatewayImpl::port(std::size_t index) const {
  return index < listeners_.size() ? listeners_[index].port : 0;
}

void GatewayImpl::run() {
  // Counted from the moment run() is entered, so a stop() that comes while this loop is still
  // being set up waits for it (and drains it) instead of returning before it registered.
  {
    std::lock_guard lock(loops_mu_);
    ++loops_pending_;
  }
  net::Loop loop(*this);
  loop.run();
}

std::size_t GatewayImpl::running_loops() const {
  std::lock_guard lock(loops_mu_);
  return loops_.size();
}

void GatewayImpl::start(Executor executor, std::size_t loops) {
  {
    std::lock_guard lock(loops_mu_);
    loops_pending_ += loops;
  }
  for (std::size_t i = 0; i < loops; ++i)
    executor.post([this] {
      {
        std::lock_guard lock(loops_mu_);
        if (loops_pending_ > 0) --loops_pending_;  // run() counts itself again
      }
      run();
    });
}

bool GatewayImpl::register_loop(net::Loop* loop) {
  std::lock_guard lock(loops_mu_);
  if (!stopping_.load(std::memory_order_acquire)) {
    // A run after a stop: the listening sockets were shut down (still bound); listen again.
    // A socket bound to port 0 loses its port with the shutdown: bind it to the same one again
    // (fails harmlessly with EINVAL when it is still bound).
    for (auto& l : listeners_) {
      if (!l.shut) continue;
      const bool bound = ::bind(l.fd, reinterpret_cast<const sockaddr*>(&l.address), l.address_len) == 0 ||
                         errno == EINVAL;
      if (bound && ::listen(l.fd, 4096) == 0)
        l.shut = false;
      else
        shared->log(LogLevel::Error, "cannot listen again on port " + std::to_string(l.port) + ": " + std::strerror(errno));
    }
  }
  if (loops_pending_ > 0) --loops_pending_;
  loops_.push_back(loop);
  return true;
}

bool GatewayImpl::post_to_loop(std::function<void(net::Loop&)> fn) {
  std::lock_guard lock(loops_mu_);  // a registered loop stays alive while it is held
  if (loops_.empty() || stopping_.load(std::memory_order_acquire)) return false;
  net::Loop* loop = loops_[next_loop_++ % loops_.size()];
  asio::post(loop->io(), [loop, fn = std::move(fn)] { fn(*loop); });
  return true;
}

void GatewayImpl::unregister_loop(net::Loop* loop) {
  std::lock_guard lock(loops_mu_);
  std::erase(loops_, loop);
  loops_cv_.notify_all();
}

void GatewayImpl::request_stop() {
  std::lock_guard lock(loops_mu_);
  stopping_.store(true, std::memory_order_release);
  // Stop accepting at once: shutting a listening socket down takes it out of the listening state
  // (new connections are refused by the kernel, queued ones reset) while it stays bound, so a
  // later run can listen on the same port again. Each loop's acceptor is a dup of this socket.
  for (auto& l : listeners_) {
    if (l.shut || l.fd < 0) continue;
    ::shutdown(l.fd, SHUT_RD);
    l.shut = true;
  }
  for (auto* l : loops_) l->post_drain();
}

void GatewayImpl::stop() {
  request_stop();
  std::unique_lock lock(loops_mu_);
  loops_cv_.wait(lock, [this] { return loops_.empty() && loops_pending_ == 0; });
  stopping_.store(false, std::memory_order_release);  // the gateway may run again
}

// ---- certificate reload ------------------------------------------------------------------------

std::shared_ptr<net::ServerTls> GatewayImpl::server_tls(std::size_t index) const {
  std::lock_guard lock(server_tls_mu_);
  return index < listeners_.size() ? listeners_[index].tls : nullptr;
}

Result<void> GatewayImpl::reload_certificates(const std::vector<TlsCertificate>& certificates, std::size_t index) {
  if (index >= listeners_.size())
    return make_error(Errc::InvalidArgument, "no listener " + std::to_string(index), "listen");
  auto made = net::ServerTls::create(certificates);  // outside the lock: reads files
  if (!made) return std::move(made).error();
  std::lock_guard lock(server_tls_mu_);
  if (!listeners_[index].tls)
    return make_error(Errc::InvalidArgument, "listener " + std::to_string(index) + " does not terminate TLS",
                      "listen");
  listeners_[index].tls = std::move(*made);  // connections hold the old one until they close
  return {};
}

}  // namespace portico::detail

namespace portico {

Result<void> check_certificates(const std::vector<TlsCertificate>& certificates) {
  auto made = net::ServerTls::create(certificates);
  if (!made) return std::move(made).error();
  return {};
}

}  // namespace portico
