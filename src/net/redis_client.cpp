#include "net/redis_client.hpp"

#include <sys/socket.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <vector>

#include "net/engine.hpp"

namespace portico::net {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kConnectTimeout{1000};
constexpr milliseconds kSilentAfter{1000};  // past the oldest command's timeout: the connection is dropped
constexpr milliseconds kMaxBackoff{5000};
constexpr int kReadsPerWake = 64;  // then the loop's other work runs before more reading

struct Cmd {
  RedisCallback done;  // empty once answered (a reply, a timeout or a drop)
  Clock::time_point deadline;
  std::list<Cmd>::iterator self;
};

RedisReply convert(const redisReply* r, int depth = 0) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = RedisReply::Type::String; break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::Status; break;
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::Error; break;
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::Integer; break;
    case REDIS_REPLY_ARRAY: out.type = RedisReply::Type::Array; break;
    default: out.type = RedisReply::Type::Nil; break;
  }
  if (r->type == REDIS_REPLY_INTEGER) out.integer = r->integer;
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
    out.text.assign(r->str, r->len);
  if (r->type == REDIS_REPLY_ARRAY && depth < 8) {
    out.elements.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i], depth + 1));
  }
  return out;
}

std::string error_text(const redisAsyncContext* ac, std::string_view fallback) {
  if (ac && ac->err && ac->errstr) return ac->errstr;
  return std::string(fallback);
}

}  // namespace

/// One hiredis context. hiredis holds a raw pointer to it (ac->data, ac->ev.data) until its
/// cleanup hook; `self` keeps it alive until then.
struct RedisClient::Attempt : std::enable_shared_from_this<RedisClient::Attempt> {
  explicit Attempt(asio::io_context& io) : sd(io) {}
  ~Attempt() {
    if (sd.is_open()) (void)sd.release();  // hiredis owns (and closes) the fd
  }

  std::weak_ptr<RedisClient> client;
  redisAsyncContext* ac = nullptr;  // null once hiredis freed it
  asio::posix::stream_descriptor sd;
  bool connected = false;
  bool want_read = false, want_write = false;
  bool reading = false, write_waiting = false, flush_posted = false;
  bool reported = false;    // the client was told it is lost
  std::string lost_reason;  // set when we drop it ourselves
  std::list<Cmd> cmds;      // in the order sent: hiredis answers in this order
  Clock::time_point connect_deadline;
  std::shared_ptr<Attempt> self;

  static Attempt* of(void* p) { return static_cast<Attempt*>(p); }

  void arm_read() {
    if (reading || !ac) return;
    reading = true;
    sd.async_wait(asio::posix::descriptor_base::wait_read, [a = shared_from_this()](std::error_code ec) {
      a->reading = false;
      if (ec || !a->ac) return;
      a->read_available();
    });
  }

  // hiredis reads at most 16 KiB per call: read while the socket holds bytes (or its EOF).
  void read_available() {
    for (int i = 0; i < kReadsPerWake && ac; ++i) {
      const int fd = ac->c.fd;
      redisAsyncHandleRead(ac);
      if (!ac) return;
      char byte;
      if (::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0) {  // EAGAIN: drained
        if (want_read) arm_read();
        return;
      }
    }
    if (ac)  // still more: continue after the loop's other work (no wait: the edge is consumed)
      asio::post(sd.get_executor(), [a = shared_from_this()] {
        if (a->ac) a->read_available();
      });
  }

  void arm_write_wait() {
    if (write_waiting || !ac) return;
    write_waiting = true;
    sd.async_wait(asio::posix::descriptor_base::wait_write, [a = shared_from_this()](std::error_code ec) {
      a->write_waiting = false;
      if (ec || !a->ac || !a->want_write) return;
      redisAsyncHandleWrite(a->ac);  // before the connection is up: completes the connect
      if (a->ac && a->want_write) a->arm_write_wait();
    });
  }

  // Commands of this loop iteration go out in one write.
  void post_flush() {
    if (flush_posted || !ac) return;
    flush_posted = true;
    asio::post(sd.get_executor(), [a = shared_from_this()] {
      a->flush_posted = false;
      if (!a->ac || !a->want_write) return;
      redisAsyncHandleWrite(a->ac);
      if (a->ac && a->want_write) a->arm_write_wait();  // partial write: the socket buffer is full
    });
  }

  // hiredis's event hooks.
  static void add_read(void* p) {
    of(p)->want_read = true;
    of(p)->arm_read();
  }
  static void del_read(void* p) { of(p)->want_read = false; }
  static void add_write(void* p) {
    Attempt* a = of(p);
    a->want_write = true;
    if (a->connected)
      a->post_flush();
    else
      a->arm_write_wait();
  }
  static void del_write(void* p) { of(p)->want_write = false; }
  static void cleanup(void* p) {
    Attempt* a = of(p);
    a->ac = nullptr;
    if (a->sd.is_open()) (void)a->sd.release();  // deregistered from the reactor; hiredis closes the fd next
    // hiredis still calls onDisconnect with this context after the hook: let go later.
    asio::post(a->sd.get_executor(), [keep = std::move(a->self)] {});
  }
};

namespace {

void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* a = RedisClient::Attempt::of(ac->data);
  auto* cmd = static_cast<Cmd*>(privdata);
  RedisCallback done = std::move(cmd->done);
  a->cmds.erase(cmd->self);
  if (!done) return;  // timed out already, or dropped at shutdown
  Result<RedisReply> result = reply ? Result<RedisReply>(convert(static_cast<redisReply*>(reply)))
                                    : Result<RedisReply>(make_error(Errc::ConnectFailed, "the Redis connection was lost"));
  try {
    done(std::move(result));
  } catch (...) {
    // a callback's exception must not unwind through hiredis
  }
}

}  // namespace

struct RedisHooks {
  static void on_connect(const redisAsyncContext* ac, int status) {
    auto* a = RedisClient::Attempt::of(ac->data);
    auto client = a->client.lock();
    if (status == REDIS_OK) {
      a->connected = true;
      if (client) client->on_connected(true, nullptr);
      if (a->want_write) a->post_flush();
      return;
    }
    a->reported = true;
    if (client) client->on_connected(false, ac->errstr ? ac->errstr : "connect failed");
  }
  static void on_disconnect(const redisAsyncContext* ac, int) {
    auto* a = RedisClient::Attempt::of(ac->data);
    if (a->reported) return;
    a->reported = true;
    std::string why = a->lost_reason.empty() ? error_text(ac, "the server closed the connection") : a->lost_reason;
    if (auto client = a->client.lock()) client->on_lost(why);
  }
};

RedisClient::RedisClient(Loop& loop, RedisEndpoint endpoint)
    : loop_(loop), endpoint_(std::move(endpoint)), deadline_timer_(loop.io()), backoff_timer_(loop.io()) {}

RedisClient::~RedisClient() { shutdown(); }

// Resolves the host if it is a name, then connects.
void RedisClient::start() {
  if (stopped_) return;
  std::error_code ec;
  (void)asio::ip::make_address(endpoint_.host, ec);
  if (!ec) {
    connect(endpoint_.host);
    return;
  }
  // A name: resolved without blocking (Asio's resolver thread), each time a connection is made.
  auto resolver = std::make_shared<tcp::resolver>(loop_.io());
  resolver->async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                          [self = weak_from_this(), resolver](std::error_code rec, tcp::resolver::results_type results) {
                            auto me = self.lock();
                            if (!me || me->stopped_) return;
                            if (rec || results.empty()) {
                              std::string why = "cannot resolve ";
                              why += me->endpoint_.host;
                              why += ": ";
                              why += rec ? rec.message() : std::string("no address");
                              me->on_lost(why);
                              return;
                            }
                            me->connect(results.begin()->endpoint().address().to_string());
                          });
}

void RedisClient::connect(const std::string& address) {
  redisAsyncContext* ac = redisAsyncConnect(address.c_str(), endpoint_.port);
  if (!ac) {
    on_lost("out of memory");
    return;
  }
  if (ac->err) {
    std::string why = error_text(ac, "connect failed");
    redisAsyncFree(ac);
    on_lost(why);
    return;
  }
  auto a = std::make_shared<Attempt>(loop_.io());
  std::error_code ec;
  a->sd.assign(ac->c.fd, ec);
  if (ec) {
    redisAsyncFree(ac);
    on_lost(ec.message());
    return;
  }
  a->client = weak_from_this();
  a->ac = ac;
  a->self = a;
  a->connect_deadline = Clock::now() + kConnectTimeout;
  ac->data = a.get();
  ac->ev.data = a.get();
  ac->ev.addRead = &Attempt::add_read;
  ac->ev.delRead = &Attempt::del_read;
  ac->ev.addWrite = &Attempt::add_write;
  ac->ev.delWrite = &Attempt::del_write;
  ac->ev.cleanup = &Attempt::cleanup;
  attempt_ = a;
  redisAsyncSetConnectCallback(ac, &RedisHooks::on_connect);  // waits for writability: the connect
  redisAsyncSetDisconnectCallback(ac, &RedisHooks::on_disconnect);

  // AUTH and SELECT first; a refusal drops the connection (and is logged).
  auto setup = [this, a](std::vector<std::string> argv, const char* what) {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    command(views, kConnectTimeout, [weak = std::weak_ptr<Attempt>(a), what, this](Result<RedisReply> r) {
      auto at = weak.lock();
      if (!r || r->type != RedisReply::Type::Error || !at || !at->ac) return;
      std::string m = "Redis at ";
      m += endpoint_.display;
      m += " refused ";
      m += what;
      m += ": ";
      m += r->text;
      loop_.gateway().shared->log(LogLevel::Error, m);
      at->lost_reason = m;
      redisAsyncDisconnect(at->ac);
    });
  };
  if (!endpoint_.password.empty()) {
    if (endpoint_.username.empty())
      setup({"AUTH", endpoint_.password}, "AUTH");
    else
      setup({"AUTH", endpoint_.username, endpoint_.password}, "AUTH");
  }
  if (endpoint_.db != 0) setup({"SELECT", std::to_string(endpoint_.db)}, "SELECT");
  arm_deadlines();
}

void RedisClient::on_connected(bool ok, const char* error) {
  if (!ok) {
    on_lost(error ? error : "connect failed");
    return;
  }
  backoff_ = milliseconds(100);
  if (logged_down_) {
    logged_down_ = false;
    std::string m = "Redis at ";
    m += endpoint_.display;
    m += " is reachable again";
    loop_.gateway().shared->log(LogLevel::Info, m);
  }
}

void RedisClient::on_lost(const std::string& why) {
  attempt_.reset();
  if (stopped_) return;
  if (!logged_down_) {
    logged_down_ = true;
    std::string m = "Redis at ";
    m += endpoint_.display;
    m += " is unreachable (";
    m += why;
    m += "); commands fail until it answers again, retrying with backoff";
    loop_.gateway().shared->log(LogLevel::Warn, m);
  }
  backoff_timer_.expires_after(backoff_);
  backoff_ = std::min(kMaxBackoff, backoff_ * 2);
  backoff_timer_.async_wait([self = weak_from_this()](std::error_code ec) {
    if (ec) return;
    if (auto me = self.lock()) me->start();
  });
}

void RedisClient::answer(RedisCallback& done, Result<RedisReply> result) noexcept {
  RedisCallback fn = std::move(done);
  done = nullptr;
  if (!fn) return;
  try {
    fn(std::move(result));
  } catch (const std::exception& e) {
    std::string m = "a Redis callback threw: ";
    m += e.what();
    loop_.gateway().shared->log(LogLevel::Warn, m);
  } catch (...) {
    loop_.gateway().shared->log(LogLevel::Warn, "a Redis callback threw a non-exception");
  }
}

void RedisClient::command(std::span<const std::string_view> args, milliseconds timeout, RedisCallback done) {
  if (!done || stopped_) return;
  auto fail_later = [&](Errc code, std::string m) {
    asio::post(loop_.io(), [self = weak_from_this(), done = std::move(done), e = make_error(code, std::move(m))]() mutable {
      if (auto me = self.lock()) me->answer(done, std::move(e));
    });
  };
  Attempt* a = attempt_.get();
  if (!a || !a->ac) {
    std::string m = "no connection to Redis at ";
    m += endpoint_.display;
    return fail_later(Errc::ConnectFailed, std::move(m));
  }
  if (a->cmds.size() >= kMaxInFlight) {
    std::string m = "too many commands waiting for Redis at ";
    m += endpoint_.display;
    return fail_later(Errc::Overloaded, std::move(m));
  }
  thread_local std::vector<const char*> argv;
  thread_local std::vector<std::size_t> lens;
  argv.clear();
  lens.clear();
  for (auto s : args) {
    argv.push_back(s.data());
    lens.push_back(s.size());
  }
  a->cmds.emplace_back();
  Cmd& c = a->cmds.back();
  c.self = std::prev(a->cmds.end());
  c.deadline = Clock::now() + timeout;
  if (redisAsyncCommandArgv(a->ac, &on_reply, &c, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
    a->cmds.pop_back();
    std::string m = "the connection to Redis at ";
    m += endpoint_.display;
    m += " is closing";
    return fail_later(Errc::ConnectFailed, std::move(m));
  }
  c.done = std::move(done);
  if (!deadline_armed_ || c.deadline < armed_for_) arm_deadlines();
}

void RedisClient::arm_deadlines() {
  Attempt* a = attempt_.get();
  if (!a || stopped_) return;
  Clock::time_point next = Clock::time_point::max();
  if (!a->connected) next = a->connect_deadline;
  for (const auto& c : a->cmds) {
    if (c.done) {
      next = std::min(next, c.deadline);
      break;  // commands share few timeouts: the first waiting one is (nearly) the earliest
    }
  }
  if (!a->cmds.empty()) next = std::min(next, a->cmds.front().deadline + kSilentAfter);
  if (next == Clock::time_point::max()) return;
  if (deadline_armed_ && armed_for_ <= next) return;
  deadline_armed_ = true;
  armed_for_ = next;
  deadline_timer_.expires_at(next);
  deadline_timer_.async_wait([self = weak_from_this()](std::error_code ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed earlier, or stopped
    auto me = self.lock();
    if (!me) return;
    me->deadline_armed_ = false;
    me->check_deadlines();
  });
}

void RedisClient::check_deadlines() {
  auto a = attempt_;  // kept while callbacks run
  if (!a || stopped_) return;
  const auto now = Clock::now();
  if (!a->connected && now >= a->connect_deadline && a->ac) {
    std::string why = "no connection within ";
    why += std::to_string(kConnectTimeout.count());
    why += " ms";
    a->reported = true;     // on_lost is called here, not by onDisconnect
    redisAsyncFree(a->ac);  // answers every command ConnectFailed
    on_lost(why);
    return;
  }
  for (auto& c : a->cmds) {
    if (c.done && now >= c.deadline) {
      std::string m = "Redis at ";
      m += endpoint_.display;
      m += " did not answer in time";
      answer(c.done, make_error(Errc::UpstreamTimeout, std::move(m)));
    }
  }
  if (a->ac && a->connected && !a->cmds.empty() && now >= a->cmds.front().deadline + kSilentAfter) {
    a->lost_reason = "the server stopped answering";
    redisAsyncFree(a->ac);  // onDisconnect reports it
    return;
  }
  arm_deadlines();
}

void RedisClient::shutdown() noexcept {
  if (stopped_) return;
  stopped_ = true;
  deadline_timer_.cancel();
  backoff_timer_.cancel();
  if (auto a = std::move(attempt_)) {
    for (auto& c : a->cmds) c.done = nullptr;  // dropped uncalled
    a->reported = true;
    if (a->ac) redisAsyncFree(a->ac);
  }
}

}  // namespace portico::net
