// The Redis rate-limit store: one atomic Lua script per decision, on Redis's clock.

#include <openssl/sha.h>

#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "portico/filters/rate_limit.hpp"

namespace portico::filters {

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// KEYS: one counter per check. ARGV: five numbers per check: algorithm (0 token bucket,
// 1 sliding window, 2 fixed window), limit, period (µs), bucket size, ban (µs).
// Reply: {all admitted (0/1), then per check: admitted, remaining, reset (µs), retry after (µs)}.
// State is read for every check first; only when all admit is anything counted.
constexpr std::string_view kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out = {1}
local writes = {}
local all = true
for i = 1, #KEYS do
  local b = (i - 1) * 5
  local alg = tonumber(ARGV[b + 1])
  local limit = tonumber(ARGV[b + 2])
  local period = tonumber(ARGV[b + 3])
  local cap = tonumber(ARGV[b + 4])
  local ban = tonumber(ARGV[b + 5])
  local k = KEYS[i]
  local ok, remaining, reset, retry = 0, 0, 0, 0
  if alg == 0 then
    local rate = limit / period
    local v = redis.call('HMGET', k, 't', 'l')
    local tokens = tonumber(v[1]) or cap
    local last = tonumber(v[2]) or now
    if now > last then
      tokens = math.min(cap, tokens + (now - last) * rate)
      last = now
    end
    if tokens >= 1 - 1e-9 then
      tokens = math.max(0, tokens - 1)
      ok = 1
      remaining = math.floor(tokens + 1e-9)
    else
      retry = math.ceil((1 - tokens) / rate)
    end
    reset = math.ceil((cap - tokens) / rate)
    writes[i] = {0, tokens, last, reset}
  elseif alg == 1 then
    while true do
      local front = redis.call('LINDEX', k, 0)
      if not front or tonumber(front) > now - period then break end
      redis.call('LPOP', k)
    end
    local size = redis.call('LLEN', k)
    local front = now
    if size > 0 then front = tonumber(redis.call('LINDEX', k, 0)) end
    if size < limit then
      ok = 1
      remaining = limit - size - 1
    else
      retry = front + period - now
    end
    reset = front + period - now
    writes[i] = {1, period}
  else
    local v = redis.call('HMGET', k, 's', 'c', 'b')
    local start = tonumber(v[1])
    local count = tonumber(v[2]) or 0
    local ban_until = tonumber(v[3]) or 0
    if not start then
      start = now
      count = 0
      ban_until = 0
    end
    if ban_until ~= 0 then
      if now >= ban_until then
        ban_until = 0
        start = now
        count = 0
      end
    elseif now >= start + period then
      start = now
      count = 0
    end
    local window_end = start + period
    if ban_until ~= 0 then
      retry = ban_until - now
      reset = retry
    elseif count >= limit then
      retry = window_end - now
      reset = retry
    else
      count = count + 1
      if count == limit and ban > 0 then ban_until = now + ban end
      ok = 1
      remaining = limit - count
      reset = window_end - now
    end
    writes[i] = {2, start, count, ban_until, math.max(window_end, ban_until) - now}
  end
  if ok == 0 then all = false end
  out[#out + 1] = ok
  out[#out + 1] = remaining
  out[#out + 1] = reset
  out[#out + 1] = retry
end
if not all then
  out[1] = 0
  return out
end
for i = 1, #KEYS do
  local w = writes[i]
  local k = KEYS[i]
  if w[1] == 0 then
    redis.call('HSET', k, 't', w[2], 'l', w[3])
    redis.call('PEXPIRE', k, math.ceil(w[4] / 1000) + 1)
  elseif w[1] == 1 then
    redis.call('RPUSH', k, now)
    redis.call('PEXPIRE', k, math.ceil(w[2] / 1000) + 1)
  else
    redis.call('HSET', k, 's', w[2], 'c', w[3], 'b', w[4])
    redis.call('PEXPIRE', k, math.ceil(w[5] / 1000) + 1)
  end
end
return out
)lua";

std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// A command's arguments packed into one string (length, bytes; …), kept for a retry with EVAL.
class Packed {
 public:
  void add(std::string_view s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    buf_.append(reinterpret_cast<const char*>(&n), sizeof n);
    buf_.append(s);
  }
  void add(std::int64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    add(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
  }
  // Views into this buffer, in order.
  void views(std::vector<std::string_view>& out) const {
    out.clear();
    std::size_t at = 0;
    while (at < buf_.size()) {
      std::uint32_t n;
      std::memcpy(&n, buf_.data() + at, sizeof n);
      at += sizeof n;
      out.emplace_back(buf_.data() + at, n);
      at += n;
    }
  }

 private:
  std::string buf_;
};

constexpr std::int64_t kMicro = 1000;  // ns per µs

class RedisStore final : public SharedRateLimitStore, public std::enable_shared_from_this<RedisStore> {
 public:
  explicit RedisStore(RedisRateLimitStoreOptions o) : o_(std::move(o)), sha_(sha1_hex(kScript)) {}

  void decide(Services& services, std::span<const RateLimitCheck> checks, Callback done) override {
    // ARGV after EVALSHA sha numkeys keys…: packed once, kept for a NOSCRIPT retry.
    auto packed = std::make_shared<Packed>();
    packed->add(static_cast<std::int64_t>(checks.size()));
    for (const auto& c : checks) packed->add(c.key);
    for (const auto& c : checks) {
      const RateLimitRule& r = *c.rule;
      packed->add(static_cast<std::int64_t>(r.algorithm == RateLimitRule::Algorithm::TokenBucket     ? 0
                                            : r.algorithm == RateLimitRule::Algorithm::SlidingWindow ? 1
                                                                                                      : 2));
      packed->add(r.limit);
      packed->add(std::max<std::int64_t>(1, r.period.count() / kMicro));
      packed->add(r.burst > 0 ? r.burst : r.limit);
      packed->add(r.ban.count() / kMicro);
    }
    const auto deadline = std::chrono::steady_clock::now() + o_.timeout;
    send(services, "EVALSHA", sha_, std::move(packed), checks.size(), deadline, std::move(done));
  }

  std::string_view describe() const noexcept override { return o_.endpoint.display; }

 private:
  void send(Services& services, std::string_view verb, std::string_view script, std::shared_ptr<Packed> packed,
            std::size_t n, std::chrono::steady_clock::time_point deadline, Callback done) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left < milliseconds(1)) left = milliseconds(1);
    thread_local std::vector<std::string_view> args;
    packed->views(args);
    args.insert(args.begin(), {verb, script});
    Services* svc = &services;  // the loop's: it outlives this command's callback
    const bool first = verb == "EVALSHA";
    services.redis(o_.endpoint, args, left,
                   [self = shared_from_this(), svc, packed, n, deadline, first, done = std::move(done)](
                       Result<RedisReply> r) mutable {
                     if (!r) return done(std::move(r).error());
                     if (r->type == RedisReply::Type::Error) {
                       if (first && r->text.rfind("NOSCRIPT", 0) == 0)  // a restarted server: send the script itself
                         return self->send(*svc, "EVAL", kScript, std::move(packed), n, deadline, std::move(done));
                       std::string m = "Redis refused the rate-limit script: ";
                       m += r->text;
                       return done(make_error(Errc::UpstreamProtocol, std::move(m)));
                     }
                     done(self->parse(*r, n));
                   });
  }

  Result<std::vector<RateLimitDecision>> parse(const RedisReply& r, std::size_t n) const {
    auto bad = [] {
      return make_error(Errc::UpstreamProtocol, "the rate-limit script's reply has an unexpected shape");
    };
    if (r.type != RedisReply::Type::Array || r.elements.size() != 1 + 4 * n) return bad();
    for (const auto& e : r.elements)
      if (e.type != RedisReply::Type::Integer) return bad();
    std::vector<RateLimitDecision> out(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto* e = &r.elements[1 + 4 * i];
      out[i].allowed = e[0].integer != 0;  // as if alone: the request is refused when any check is
      out[i].remaining = std::max<std::int64_t>(0, e[1].integer);
      out[i].reset = nanoseconds(std::max<std::int64_t>(0, e[2].integer) * kMicro);
      out[i].retry_after = nanoseconds(std::max<std::int64_t>(0, e[3].integer) * kMicro);
    }
    return out;
  }

  RedisRateLimitStoreOptions o_;
  std::string sha_;
};

}  // namespace

Result<std::shared_ptr<SharedRateLimitStore>> make_redis_rate_limit_store(RedisRateLimitStoreOptions options) {
  if (options.endpoint.host.empty())
    return make_error(Errc::InvalidConfig, "the Redis endpoint has no host (use RedisEndpoint::parse)", "endpoint");
  if (options.timeout < milliseconds(1) || options.timeout > milliseconds(60000))
    return make_error(Errc::InvalidConfig, "the timeout must be 1 ms .. 60 s", "timeout");
  return std::shared_ptr<SharedRateLimitStore>(std::make_shared<RedisStore>(std::move(options)));
}

}  // namespace portico::filters
