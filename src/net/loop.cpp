#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "net/connection.hpp"
#include "net/engine.hpp"

namespace portico::net {

namespace {

/// Answers a connection over the limit with 503 and closes it (it was accepted by the kernel
/// already; a clear answer beats a silent reset).
awaitable<void> refuse_connection(tcp::socket socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n"
      "Connection: close\r\n\r\ntoo many open connections\n";
  co_await asio::async_write(socket, asio::buffer(kBusy.data(), kBusy.size()), use_nothrow);
  std::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace

Loop::Loop(detail::GatewayImpl& gw) : gw_(gw) {}

Loop::~Loop() {
  for (auto& p : parked_)
    if (p.socket) gw_.connections.fetch_sub(1, std::memory_order_relaxed);
  parked_.clear();
  acceptors_.clear();
  drain_timer_.reset();
  sweep_timer_.reset();
  pool_.clear();
}

const std::shared_ptr<const detail::Snapshot>& Loop::snapshot() {
  auto gen = gw_.generation();
  if (gen != snapshot_generation_ || !snapshot_) {
    snapshot_ = gw_.snapshot();
    snapshot_generation_ = gen;
  }
  return snapshot_;
}

void Loop::add(ClientConnection* c) { connections_.push_back(c); }

void Loop::remove(ClientConnection* c, bool release_count) {
  auto it = std::find(connections_.begin(), connections_.end(), c);
  if (it != connections_.end()) connections_.erase(it);
  if (release_count) gw_.connections.fetch_sub(1, std::memory_order_relaxed);
  if (draining_) asio::post(io_, [this] { maybe_finish(); });
}

void Loop::park(tcp::socket socket, std::chrono::steady_clock::time_point idle_since) {
  // The reactor is edge-triggered and the previous wait was cancelled: bytes (or a FIN) that
  // arrived since may already have been reported. Look before waiting; between this look and
  // the new wait no event can be consumed, since both run on this loop's thread.
  char probe;
  ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) {
    asio::co_spawn(io_, serve_connection(*this, std::move(socket), nullptr), asio::detached);
    return;
  }
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
    std::error_code ignored;
    socket.close(ignored);
    gw_.connections.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  parked_.push_back(Parked{std::make_unique<tcp::socket>(std::move(socket)), idle_since});
  auto it = std::prev(parked_.end());
  it->socket->async_wait(tcp::socket::wait_read, [this, it](std::error_code ec) { unpark(it, ec); });
}

void Loop::unpark(std::list<Parked>::iterator it, std::error_code ec) {
  auto socket = std::move(it->socket);
  parked_.erase(it);
  if (ec || draining_ || !socket->is_open()) {
    std::error_code ignored;
    socket->close(ignored);
    gw_.connections.fetch_sub(1, std::memory_order_relaxed);
    if (draining_) maybe_finish();
    return;
  }
  // Bytes arrived: serve them with a fresh coroutine (the slot of max_connections carries over).
  asio::co_spawn(io_, serve_connection(*this, std::move(*socket), nullptr), asio::detached);
}

void Loop::close_parked(std::chrono::steady_clock::time_point older_than) {
  // Closing cancels the wait; its handler (unpark) erases the entry and releases the slot.
  for (auto& p : parked_) {
    if (p.idle_since > older_than) break;
    if (p.socket && p.socket->is_open()) {
      std::error_code ignored;
      p.socket->close(ignored);
    }
  }
}

awaitable<void> Loop::accept_loop(tcp::acceptor& acceptor, std::size_t listener_index) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (draining_) co_return;
    if (ec) {
      // A stop shuts the listening socket down (accept then fails until the drain closes this acceptor).
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor || gw_.stopping()) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer t(io_);
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(use_nothrow);
      continue;
    }
    const auto max = snapshot()->options.max_connections;
    if (gw_.connections.fetch_add(1, std::memory_order_relaxed) >= max) {
      gw_.connections.fetch_sub(1, std::memory_order_relaxed);
      asio::co_spawn(io_, refuse_connection(std::move(socket)), asio::detached);
      continue;
    }
    // Read per connection: reload_certificates may have swapped the listener's contexts.
    asio::co_spawn(io_, serve_connection(*this, std::move(socket), gw_.server_tls(listener_index)), asio::detached);
  }
}

awaitable<void> Loop::sweep_loop() {
  sweep_timer_ = std::make_unique<asio::steady_timer>(io_);
  while (!draining_) {
    sweep_timer_->expires_after(std::chrono::seconds(1));
    auto [ec] = co_await sweep_timer_->async_wait(use_nothrow);
    if (ec) break;
    const auto now = std::chrono::steady_clock::now();
    pool_.sweep(now);
    close_parked(now - snapshot()->options.keep_alive_idle_timeout);
    const auto& opts = snapshot()->options;
    if (std::uint64_t suppressed = 0; gw_.reject_log.summary(now, opts.rejected_log_per_second, suppressed))
      gw_.shared->log(opts.rejected_log_level,
                      std::to_string(suppressed) + " rejection log lines suppressed (rejected_log_per_second)");
  }
}

void Loop::run() {
  if (!gw_.register_loop(this)) return;
  for (std::size_t i = 0; i < gw_.listeners().size(); ++i) {
    int fd = ::dup(gw_.listeners()[i].fd);
    if (fd < 0) continue;
    auto acc = std::make_unique<tcp::acceptor>(io_);
    std::error_code ec;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    acc->assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      continue;
    }
    asio::co_spawn(io_, accept_loop(*acc, i), asio::detached);
    acceptors_.push_back(std::move(acc));
  }
  asio::co_spawn(io_, sweep_loop(), asio::detached);
  if (gw_.stopping()) begin_drain();
  auto guard = asio::make_work_guard(io_);
  io_.run();
  end_run();
  acceptors_.clear();
  gw_.unregister_loop(this);
}

void Loop::run_private() {
  auto guard = asio::make_work_guard(io_);
  io_.run();
  end_run();
}

void Loop::end_run() noexcept {
  // Pending timer and fetch callbacks are dropped uncalled, guests are answered; anything still
  // here after a forced stop is destroyed with the io_context.
  services_.shutdown();
  std::vector<Guest*> guests(guests_.begin(), guests_.end());
  guests_.clear();
  for (auto* g : guests) g->abandon();
  pool_.clear();
}

void Loop::post_drain() {
  asio::post(io_, [this] { begin_drain(); });
}

void Loop::begin_drain() {
  if (draining_) return;
  draining_ = true;
  for (auto& a : acceptors_) {
    std::error_code ec;
    a->close(ec);
  }
  if (sweep_timer_) sweep_timer_->cancel();
  // Idle keep-alive connections are closed now; busy ones finish their request with
  // Connection: close; a head being received is served (bounded by the head timeout).
  // (Idle means no byte of a next request has arrived; the buffer may be sized for a read.)
  for (auto* c : connections_)
    if (c->state == ClientConnection::State::Idle) c->stream.close();
  close_parked(std::chrono::steady_clock::time_point::max());
  drain_timer_ = std::make_unique<asio::steady_timer>(io_);
  drain_timer_->expires_after(snapshot()->options.drain_timeout);
  drain_timer_->async_wait([this](std::error_code ec) {
    if (ec) return;
    for (auto* c : connections_) c->stream.close();  // past the drain deadline: close the rest
    finished_ = true;
    pool_.clear();
    io_.stop();
  });
  maybe_finish();
}

void Loop::maybe_finish() {
  if (!draining_ || finished_ || !connections_.empty() || !parked_.empty()) return;
  finished_ = true;
  if (drain_timer_) drain_timer_->cancel();
  pool_.clear();
  io_.stop();
}

}  // namespace portico::net
