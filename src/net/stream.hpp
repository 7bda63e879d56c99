#pragma once
// Internal: a byte stream that is either plain TCP or TLS over TCP, for both the client side and
// the upstream side, so the connection code is written once.

#include <memory>
#include <optional>

#include "net/asio.hpp"

namespace portico::net {

class Stream {
 public:
  explicit Stream(tcp::socket socket) : tcp_(std::move(socket)) {}
  Stream(tcp::socket socket, asio::ssl::context& ctx)
      : tls_(std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), ctx)) {}

  bool is_tls() const noexcept { return tls_ != nullptr; }
  tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : *tcp_; }
  asio::ssl::stream<tcp::socket>* tls() noexcept { return tls_.get(); }

  template <class Buffers>
  awaitable<std::tuple<std::error_code, std::size_t>> read_some(const Buffers& b) {
    if (tls_) co_return co_await tls_->async_read_some(b, use_nothrow);
    co_return co_await tcp_->async_read_some(b, use_nothrow);
  }

  template <class Buffers>
  awaitable<std::tuple<std::error_code, std::size_t>> write_all(const Buffers& b) {
    if (tls_) co_return co_await asio::async_write(*tls_, b, use_nothrow);
    co_return co_await asio::async_write(*tcp_, b, use_nothrow);
  }

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
