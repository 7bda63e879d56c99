#pragma once
// Internal: a byte stream that is either plain TCP or TLS over TCP, for both the client side and
// the upstream side, so the connection code is written once.

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <optional>

#include "net/asio.hpp"

namespace portico::net {

class Stream {
 public:
  explicit Stream(tcp::socket socket) : tcp_(std::move(socket)) {
    std::error_code ec;
    tcp_->non_blocking(true, ec);  // read_append's synchronous read must never block
  }
  Stream(tcp::socket socket, asio::ssl::context& ctx)
      : tls_(std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), ctx)) {}

  bool is_tls() const noexcept { return tls_ != nullptr; }
  tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : *tcp_; }
  asio::ssl::stream<tcp::socket>* tls() noexcept { return tls_.get(); }

  // Not coroutines themselves: they return the operation's own awaitable (the same type for
  // TCP and TLS), so awaiting them costs no extra coroutine frame.
  template <class Buffers>
  awaitable<std::tuple<std::error_code, std::size_t>> read_some(const Buffers& b) {
    if (tls_) return tls_->async_read_some(b, use_nothrow);
    return tcp_->async_read_some(b, use_nothrow);
  }

  template <class Buffers>
  awaitable<std::tuple<std::error_code, std::size_t>> write_all(const Buffers& b) {
    if (tls_) return asio::async_write(*tls_, b, use_nothrow);
    return asio::async_write(*tcp_, b, use_nothrow);
  }

  /// Reads what has arrived (at most `max` bytes, at least one) and appends it to `out`. Plain
  /// TCP waits for readability without a buffer and then reads into a per-thread scratch area,
  /// so a connection waiting for its next request holds no read buffer at all. Returns the
  /// error (EOF included) and the number of bytes appended.
  awaitable<std::tuple<std::error_code, std::size_t>> read_append(std::string& out, std::size_t max = 65536) {
    if (tls_) {
      auto old = out.size();
      out.resize(old + std::min<std::size_t>(max, 16384));
      auto [ec, n] = co_await tls_->async_read_some(asio::buffer(out.data() + old, out.size() - old), use_nothrow);
      out.resize(old + n);
      co_return std::tuple{ec, n};
    }
    thread_local std::array<char, 65536> scratch;
    for (;;) {
      std::error_code ec;
      std::size_t n = tcp_->read_some(asio::buffer(scratch.data(), std::min(max, scratch.size())), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        auto [wec] = co_await tcp_->async_wait(tcp::socket::wait_read, use_nothrow);
        if (wec) co_return std::tuple{wec, std::size_t{0}};
        continue;
      }
      out.append(scratch.data(), n);
      co_return std::tuple{ec, n};
    }
  }

  /// Plain TCP only: reads what is there without waiting (appending to `out`); 0 bytes with
  /// `would_block` when nothing has arrived.
  std::size_t try_read_append(std::string& out, std::size_t max, std::error_code& ec) {
    thread_local std::array<char, 65536> scratch;
    std::size_t n = tcp_->read_some(asio::buffer(scratch.data(), std::min(max, scratch.size())), ec);
    out.append(scratch.data(), n);
    return n;
  }
  /// Plain TCP only: completes when the socket is readable (or the wait is cancelled). Call it
  /// only after a read returned would_block (the reactor is edge-triggered).
  awaitable<std::tuple<std::error_code>> wait_readable() { return tcp_->async_wait(tcp::socket::wait_read, use_nothrow); }
  /// Plain TCP only: gives the socket away (the Stream is unusable afterwards).
  tcp::socket take_socket() { return std::move(*tcp_); }

  /// Closes the socket at once (no TLS close_notify); safe to call twice.
  void close() noexcept {
    std::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }
  /// Cancels pending operations (used by deadlines).
  void cancel() noexcept {
    std::error_code ec;
    socket().cancel(ec);
  }
  bool is_open() noexcept { return socket().is_open(); }

 private:
  std::optional<tcp::socket> tcp_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace portico::net
