#include <fstream>
#include "support/net_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "portico/http.hpp"

namespace portico::testing {

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// Reads available bytes into `out`; returns false on EOF/error; waits up to `until`.
enum class ReadResult { Data, Eof, Timeout };
ReadResult read_some(int fd, std::string& out, Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  if (left < 0) left = 0;
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(left));
  if (r <= 0) return ReadResult::Timeout;
  char buf[65536];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return ReadResult::Eof;
  out.append(buf, static_cast<std::size_t>(n));
  return ReadResult::Data;
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

/// Length of a complete message at the start of `buf` (head + body), 0 if incomplete.
/// `is_response`: bodies of responses without framing run to EOF (never complete here).
std::size_t complete_message(std::string_view buf, bool is_response, bool head_request = false) {
  auto end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  std::size_t head_len = end + 4;
  std::string head = lower(buf.substr(0, head_len));
  if (is_response) {
    int status = std::atoi(std::string(buf.substr(9, 3)).c_str());
    if (head_request || (status >= 100 && status < 200) || status == 204 || status == 304) return head_len;
  }
  auto cl = head.find("\r\ncontent-length:");
  auto te = head.find("\r\ntransfer-encoding:");
  if (te != std::string::npos && head.find("chunked", te) != std::string::npos) {
    // Walk the chunks.
    std::size_t pos = head_len;
    for (;;) {
      auto line_end = buf.find("\r\n", pos);
      if (line_end == std::string_view::npos) return 0;
      std::size_t size = std::strtoull(std::string(buf.substr(pos, line_end - pos)).c_str(), nullptr, 16);
      pos = line_end + 2;
      if (size == 0) {
        // trailers until an empty line
        for (;;) {
          auto e = buf.find("\r\n", pos);
          if (e == std::string_view::npos) return 0;
          if (e == pos) return e + 2;
          pos = e + 2;
        }
      }
      if (buf.size() < pos + size + 2) return 0;
      pos += size + 2;
    }
  }
  if (cl != std::string::npos) {
    std::size_t n = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
    return buf.size() >= head_len + n ? head_len + n : 0;
  }
  if (is_response) return 0;  // until close
  return head_len;
}

}  // namespace

RawClient::RawClient(std::uint16_t port) : fd_(connect_to(port)) {}
RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawClient::read_until_close(std::chrono::milliseconds timeout) {
  std::string out = std::move(pending_);
  pending_.clear();
  auto until = Clock::now() + timeout;
  while (read_some(fd_, out, until) == ReadResult::Data) {
  }
  return out;
}

std::string RawClient::read_response(std::chrono::milliseconds timeout, bool head_request) {
  std::string buf = std::move(pending_);
  pending_.clear();
  auto until = Clock::now() + timeout;
  for (;;) {
    if (auto n = complete_message(buf, true, head_request)) {
      pending_ = buf.substr(n);
      buf.resize(n);
      return buf;
    }
    auto r = read_some(fd_, buf, until);
    if (r != ReadResult::Data) return buf;
  }
}

bool RawClient::closed_by_peer(std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  std::string sink;
  for (;;) {
    auto r = read_some(fd_, sink, until);
    if (r == ReadResult::Eof) return true;
    if (r == ReadResult::Timeout) return false;
  }
}

void RawClient::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

int status_of(std::string_view raw) {
  if (raw.size() < 12 || raw.substr(0, 7) != "HTTP/1.") return 0;
  return std::atoi(std::string(raw.substr(9, 3)).c_str());
}

std::string header_of(std::string_view raw, std::string_view name) {
  auto end = raw.find("\r\n\r\n");
  std::string head = std::string(raw.substr(0, end));
  std::string needle = "\r\n" + lower(name) + ":";
  std::string lh = lower(head);
  auto pos = lh.find(needle);
  if (pos == std::string::npos) return {};
  auto vstart = pos + needle.size();
  auto vend = head.find("\r\n", vstart);
  std::string v = head.substr(vstart, vend == std::string::npos ? std::string::npos : vend - vstart);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
  return v;
}

std::string body_of(std::string_view raw) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return {};
  std::string_view body = raw.substr(end + 4);
  if (lower(header_of(raw, "Transfer-Encoding")) != "chunked") {
    auto cl = header_of(raw, "Content-Length");
    if (!cl.empty()) body = body.substr(0, std::strtoull(cl.c_str(), nullptr, 10));
    return std::string(body);
  }
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    auto le = body.find("\r\n", pos);
    if (le == std::string_view::npos) break;
    std::size_t size = std::strtoull(std::string(body.substr(pos, le - pos)).c_str(), nullptr, 16);
    if (size == 0) break;
    out.append(body.substr(le + 2, size));
    pos = le + 2 + size + 2;
  }
  return out;
}

int count_responses(std::string_view raw) {
  int n = 0;
  while (!raw.empty()) {
    auto len = complete_message(raw, true);
    if (len == 0) return raw.substr(0, 7) == "HTTP/1." ? n + 1 : n;  // the last one may run to close
    ++n;
    raw.remove_prefix(len);
  }
  return n;
}

std::string Received::header(std::string_view name) const { return header_of("X" + head.substr(head.find("\r\n")), name); }

std::string Received::request_line() const { return head.substr(0, head.find("\r\n")); }

ScriptedUpstream::ScriptedUpstream(Respond respond) : respond_(std::move(respond)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 128) != 0)
    throw std::runtime_error("ScriptedUpstream: cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  accept_thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      std::lock_guard lock(mu_);
      conn_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

ScriptedUpstream::~ScriptedUpstream() {
  stop_ = true;
  accept_thread_.join();
  {
    std::lock_guard lock(mu_);
    for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : conn_threads_) t.join();
  ::close(listen_fd_);
}

void ScriptedUpstream::serve(int fd) {
  std::string buf;
  while (!stop_) {
    std::size_t n = 0;
    while (!stop_ && (n = complete_message(buf, false)) == 0) {
      auto r = read_some(fd, buf, Clock::now() + 100ms);
      if (r == ReadResult::Eof) {
        ++closed_;
        ::close(fd);
        return;
      }
    }
    if (stop_) break;
    Received rec;
    auto head_len = buf.find("\r\n\r\n") + 4;
    rec.head = buf.substr(0, head_len);
    rec.body = buf.substr(head_len, n - head_len);
    buf.erase(0, n);
    {
      std::lock_guard lock(mu_);
      received_.push_back(rec);
    }
    Reply reply = respond_(rec);
    if (reply.delay.count() > 0) {
      auto until = Clock::now() + reply.delay;
      while (!stop_ && Clock::now() < until) std::this_thread::sleep_for(5ms);
    }
    std::string_view out = reply.bytes;
    while (!out.empty()) {
      ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (w <= 0) break;
      out.remove_prefix(static_cast<std::size_t>(w));
    }
    if (reply.close) break;
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

std::vector<Received> ScriptedUpstream::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

bool ScriptedUpstream::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    {
      std::lock_guard lock(mu_);
      if (received_.size() >= n) return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

bool ScriptedUpstream::wait_for_closed(std::size_t n, std::chrono::milliseconds timeout) const {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (closed_.load() >= n) return true;
    std::this_thread::sleep_for(2ms);
  }
  return closed_.load() >= n;
}

ScriptedUpstream::Reply ScriptedUpstream::ok(std::string body, std::string extra_headers) {
  Reply r;
  r.bytes = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
  return r;
}

GatewayRunner::GatewayRunner(Config config, std::size_t loops, ListenOptions listen) {
  if (auto r = gateway_.apply(std::move(config)); !r)
    throw std::runtime_error("GatewayRunner: apply failed: " + r.error().to_string());
  if (auto r = gateway_.listen(listen); !r) throw std::runtime_error("GatewayRunner: " + r.error().to_string());
  port_ = gateway_.port();
  for (std::size_t i = 0; i < loops; ++i) threads_.emplace_back([this] { gateway_.run(); });
  // stop() stops the loops that have entered run(); wait until all of ours have.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (gateway_.running_loops() < loops && std::chrono::steady_clock::now() < until) std::this_thread::yield();
}

GatewayRunner::~GatewayRunner() { stop(); }

void GatewayRunner::stop() {
  if (stopped_) return;
  stopped_ = true;
  gateway_.stop();
  for (auto& t : threads_) t.join();
}

Config catch_all_config(std::uint16_t port, ServerOptions options) {
  Config c;
  c.options(std::move(options));
  c.add(Upstream("svc").endpoint("127.0.0.1", port));
  c.add(Route("all").path("/{all}").to("svc"));
  return c;
}

Config route_with(std::uint16_t port, std::vector<FilterPtr> filters) {
  Config c;
  c.add(Upstream("svc").endpoint("127.0.0.1", port));
  Route r("all");
  r.path("/{everything}").to("svc");
  for (auto& f : filters) r.filter(f);
  c.add(std::move(r));
  return c;
}

std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Peak resident memory of this process since the last reset, in KiB.
long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace portico::testing
