#pragma once
// Internal: the Asio configuration every src/net file uses (standalone Asio, C++20 coroutines,
// error codes as values instead of exceptions on the data path).

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>

namespace portico::net {

using asio::awaitable;
using tcp = asio::ip::tcp;
/// Completion token: `auto [ec, n] = co_await sock.async_read_some(buf, use_nothrow);`
inline constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace portico::net
