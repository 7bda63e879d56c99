#include "net/connect.hpp"

#include <memory>
#include <vector>

namespace portico::net {

namespace {

/// Cancels `target` when `deadline` passes; remembers whether it did. The state is shared with
/// the timer's handler, which may run after the awaiting scope has moved on.
template <class Cancellable>
class DeadlineGuard {
 public:
  DeadlineGuard(asio::io_context& io, std::chrono::steady_clock::time_point deadline, Cancellable& target)
      : state_(std::make_shared<State>(io)) {
    state_->target = &target;
    state_->timer.expires_at(deadline);
    state_->timer.async_wait([s = state_](std::error_code ec) {
      if (ec || !s->target) return;
      s->fired = true;
      std::error_code ignored;
      cancel(*s->target, ignored);
    });
  }
  ~DeadlineGuard() {
    state_->target = nullptr;
    state_->timer.cancel();
  }
  bool fired() const noexcept { return state_->fired; }

 private:
  static void cancel(tcp::socket& s, std::error_code& ec) { s.cancel(ec); }
  static void cancel(tcp::resolver& r, std::error_code&) { r.cancel(); }
  struct State {
    explicit State(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    Cancellable* target = nullptr;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
};

Error timed_out(const Endpoint& ep) {
  return make_error(Errc::UpstreamTimeout, "connect to " + ep.authority() + " timed out");
}

}  // namespace

awaitable<Result<tcp::socket>> connect_tcp(asio::io_context& io, const Endpoint& ep,
                                           std::chrono::steady_clock::time_point deadline) {
  std::vector<tcp::endpoint> targets;
  asio::error_code aec;
  auto addr = asio::ip::make_address(ep.host, aec);
  if (!aec) {
    targets.emplace_back(addr, ep.port);
  } else {
    tcp::resolver resolver(io);
    DeadlineGuard guard(io, deadline, resolver);
    auto [ec, results] = co_await resolver.async_resolve(ep.host, std::to_string(ep.port), use_nothrow);
    if (guard.fired()) co_return timed_out(ep);
    if (ec || results.empty())
      co_return make_error(Errc::ConnectFailed, "cannot resolve '" + ep.host + "': " + ec.message());
    for (const auto& r : results) targets.push_back(r.endpoint());
  }
  std::error_code last;
  for (const auto& target : targets) {
    tcp::socket socket(io);
    DeadlineGuard guard(io, deadline, socket);
    auto [ec] = co_await socket.async_connect(target, use_nothrow);
    if (guard.fired()) co_return timed_out(ep);
    if (!ec) {
      std::error_code opt_ec;
      socket.set_option(tcp::no_delay(true), opt_ec);
      co_return std::move(socket);
    }
    last = ec;
  }
  co_return make_error(Errc::ConnectFailed, "connect to " + ep.authority() + " failed: " + last.message());
}

}  // namespace portico::net
