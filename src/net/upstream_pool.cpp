#include "net/upstream_pool.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace portico::net {

namespace {

/// A pooled connection is usable if the peer has neither closed it nor sent unexpected bytes.
/// Watched (plain TCP) connections were checked by their readiness wait; TLS ones are peeked.
bool looks_alive(UpstreamConn& c) {
  if (!c.stream.is_open() || !c.buffer.empty()) return false;
  if (c.watched) return true;
  char byte;
  ssize_t n = ::recv(c.stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;                                    // FIN from the upstream
  if (n > 0) return false;                                     // stray bytes: never reuse
  return errno == EAGAIN || errno == EWOULDBLOCK;             // nothing to read: alive
}

}  // namespace

void EndpointSlots::wake_one() noexcept {
  if (waiters.empty()) return;
  asio::steady_timer* t = waiters.front();
  waiters.pop_front();
  t->cancel();
}

std::optional<SlotLease> UpstreamPool::reserve(const std::string& key, const PoolOptions& options) {
  auto& entry = pools_[key];
  const std::size_t limit = options.max_connections.value_or(0);
  if (limit != 0 && entry.slots->open >= limit) {
    if (entry.idle.empty()) return std::nullopt;
    // A retry that wants a fresh connection: the coldest idle one makes room (its slot comes back
    // as it is destroyed).
    unwatch(*entry.idle.front());
    entry.idle.front()->stream.close();
    entry.idle.erase(entry.idle.begin());
  }
  return SlotLease(entry.slots);
}

std::shared_ptr<EndpointSlots> UpstreamPool::slots(const std::string& key) { return pools_[key].slots; }

std::unique_ptr<UpstreamConn> UpstreamPool::take(const std::string& key, const PoolOptions& options) {
  auto it = pools_.find(key);
  if (it == pools_.end()) return nullptr;
  auto& idle = it->second.idle;
  const auto now = std::chrono::steady_clock::now();
  while (!idle.empty()) {
    auto c = std::move(idle.back());
    idle.pop_back();
    const bool alive = looks_alive(*c);
    unwatch(*c);
    if (now - c->idle_since > *options.idle_timeout || !alive) {
      c->stream.close();
      continue;
    }
    c->reused = true;
    return c;
  }
  return nullptr;
}

void UpstreamPool::put(const std::string& key, std::unique_ptr<UpstreamConn> conn, const PoolOptions& options) {
  const std::size_t max_requests = options.max_requests_per_connection.value_or(0);
  const std::size_t max_idle = options.max_idle.value_or(0);
  if (!conn || !conn->buffer.empty() || (max_requests != 0 && conn->requests >= max_requests) || max_idle == 0 ||
      !conn->stream.is_open()) {
    if (conn) conn->stream.close();
    return;  // the connection's slot is given back (and a waiter woken) as it is destroyed
  }
  auto& entry = pools_[key];
  entry.idle_timeout = *options.idle_timeout;
  if (entry.idle.size() >= max_idle) {
    unwatch(*entry.idle.front());
    entry.idle.front()->stream.close();  // drop the coldest
    entry.idle.erase(entry.idle.begin());
  }
  // Idle: keep a buffer of up to one read area (the next response needs it again; freeing it made
  // every request re-allocate it), release a larger one.
  if (conn->buffer.capacity() > UpstreamConn::kReadBytes) std::string().swap(conn->buffer);
  conn->idle_since = std::chrono::steady_clock::now();
  if (!conn->stream.is_tls()) watch(entry, *conn);
  entry.idle.push_back(std::move(conn));
  entry.slots->wake_one();  // a request waiting at the connection limit can take this one
}

void UpstreamPool::watch(Entry& entry, UpstreamConn& conn) {
  conn.watched = true;
  // Readable while idle means a FIN or stray bytes: the connection is unusable. A completion
  // that arrives after the connection left the pool finds it absent and does nothing (entries
  // of the map are stable; the pool outlives its handlers' loop).
  conn.stream.socket().async_read_some(asio::buffer(&conn.watch_byte, 1), [entry = &entry, raw = &conn](
                                                                            std::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || (!ec && n == 0)) return;
    auto& idle = entry->idle;
    for (auto i = idle.begin(); i != idle.end(); ++i) {
      if (i->get() != raw) continue;
      (*i)->watched = false;
      (*i)->stream.close();
      idle.erase(i);
      return;
    }
  });
}

void UpstreamPool::unwatch(UpstreamConn& conn) {
  if (!conn.watched) return;
  conn.watched = false;
  std::error_code ignored;
  conn.stream.socket().cancel(ignored);  // ends the pending wait (its handler sees the flag)
}

void UpstreamPool::sweep(std::chrono::steady_clock::time_point now) {
  for (auto& [key, entry] : pools_) {
    auto& idle = entry.idle;
    std::size_t keep = 0;
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (now - idle[i]->idle_since > entry.idle_timeout) {
        unwatch(*idle[i]);
        idle[i]->stream.close();
      } else {
        idle[keep++] = std::move(idle[i]);
      }
    }
    idle.resize(keep);
  }
}

void UpstreamPool::clear() {
  for (auto& [key, entry] : pools_)
    for (auto& c : entry.idle) {
      unwatch(*c);
      c->stream.close();
    }
  pools_.clear();
}

std::size_t UpstreamPool::idle_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, entry] : pools_) n += entry.idle.size();
  return n;
}

}  // namespace portico::net
