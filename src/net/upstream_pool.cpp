#include "net/upstream_pool.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace portico::net {

namespace {

/// A pooled connection is usable if the peer has neither closed it nor sent unexpected bytes.
bool looks_alive(UpstreamConn& c) {
  if (!c.stream.is_open() || !c.buffer.empty()) return false;
  char byte;
  ssize_t n = ::recv(c.stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;                                    // FIN from the upstream
  if (n > 0) return false;                                     // stray bytes: never reuse
  return errno == EAGAIN || errno == EWOULDBLOCK;             // nothing to read: alive
}

}  // namespace

std::unique_ptr<UpstreamConn> UpstreamPool::take(const std::string& key, const PoolOptions& options) {
  auto it = pools_.find(key);
  if (it == pools_.end()) return nullptr;
  auto& idle = it->second.idle;
  const auto now = std::chrono::steady_clock::now();
  while (!idle.empty()) {
    auto c = std::move(idle.back());
    idle.pop_back();
    if (now - c->idle_since > options.idle_timeout || !looks_alive(*c)) {
      c->stream.close();
      continue;
    }
    c->reused = true;
    return c;
  }
  return nullptr;
}

void UpstreamPool::put(const std::string& key, std::unique_ptr<UpstreamConn> conn, const PoolOptions& options) {
  if (!conn || !conn->buffer.empty() || conn->requests >= options.max_requests_per_connection ||
      options.max_idle == 0 || !conn->stream.is_open()) {
    if (conn) conn->stream.close();
    return;
  }
  auto& entry = pools_[key];
  entry.idle_timeout = options.idle_timeout;
  if (entry.idle.size() >= options.max_idle) {
    entry.idle.front()->stream.close();  // drop the coldest
    entry.idle.erase(entry.idle.begin());
  }
  if (conn->buffer.capacity() > 1024) std::string().swap(conn->buffer);  // idle: hold no buffer
  conn->idle_since = std::chrono::steady_clock::now();
  entry.idle.push_back(std::move(conn));
}

void UpstreamPool::sweep(std::chrono::steady_clock::time_point now) {
  for (auto& [key, entry] : pools_) {
    auto& idle = entry.idle;
    std::size_t keep = 0;
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (now - idle[i]->idle_since > entry.idle_timeout) {
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
    for (auto& c : entry.idle) c->stream.close();
  pools_.clear();
}

std::size_t UpstreamPool::idle_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, entry] : pools_) n += entry.idle.size();
  return n;
}

}  // namespace portico::net
