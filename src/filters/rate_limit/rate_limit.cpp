// The rate-limit filters: Portico's policies (token bucket, exact sliding window) and Ocelot's
// fixed window with its ban period, over a RateLimitStore.

#include "portico/filters/rate_limit.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>
#include <variant>

#include "http/codec.hpp"

namespace portico::filters {

namespace {

using std::chrono::nanoseconds;
using Algorithm = RateLimitRule::Algorithm;

constexpr std::size_t kMaxPolicies = 16;
constexpr std::int64_t kMaxSlidingLimit = 100000;
constexpr char kSep = '\x1f';  // between the parts of a counter key (never in a header value)

class SteadyClock final : public RateLimitClock {
 public:
  nanoseconds now() const noexcept override {
    return std::chrono::duration_cast<nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
  }
};

// Whole seconds, rounded up (Retry-After, the draft's `t` and `w`); at least `min`.
std::int64_t ceil_seconds(nanoseconds d, std::int64_t min = 0) {
  const std::int64_t s = (d.count() + 999'999'999) / 1'000'000'000;
  return std::max(min, s);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Sets the fields `names[i]` = `values[i]`: appended when the response has none of them (the usual
// case, one pass over its fields), replaced otherwise.
template <std::size_t N>
void put_fields(Headers& headers, const std::array<std::string_view, N>& names, std::array<std::string, N>& values) {
  bool present = false;
  for (const auto& f : headers)
    for (auto n : names) present = present || iequals(f.name, n);
  headers.reserve(headers.size() + N);
  for (std::size_t i = 0; i < N; ++i) {
    if (present) {
      headers.set(names[i], std::move(values[i]));
    } else {
      headers.add(std::string(names[i]), std::move(values[i]));
    }
  }
}

thread_local std::string tl_key;  // counter keys are built here: no allocation once warm

// ---- Portico policies ----------------------------------------------------------------------

constexpr std::size_t kMaxNameLength = 64;

struct Compiled {
  RateLimitRule rule;
  std::int64_t quota = 0;  // what the policy advertises (`q`): the limit, a bucket's burst
  RateLimitKey key;
  std::string name;
  std::string key_prefix;  // counter_prefix, policy index
};

// A refusal because the shared store failed and the policy is Deny: the protection cannot be given.
Response store_unavailable(std::string_view request_id) {
  Response r = Response::problem(503, "the rate-limit store is unavailable", request_id);
  r.headers.set("Retry-After", "1");
  return r;
}

class RateLimitFilter final : public Filter, public std::enable_shared_from_this<RateLimitFilter> {
 public:
  RateLimitFilter(std::vector<Compiled> policies, RateLimitConfig c)
      : policies_(std::move(policies)), c_(std::move(c)) {
    for (const auto& p : policies_) {
      if (!policy_header_.empty()) policy_header_ += ", ";
      policy_header_ += '"';
      policy_header_ += p.name;
      policy_header_ += "\";q=";
      append_int(policy_header_, p.quota);
      policy_header_ += ";w=";
      append_int(policy_header_, ceil_seconds(p.rule.period, 1));
    }
  }
  std::string_view name() const noexcept override { return "rate_limit"; }
  Phase phase() const noexcept override { return Phase::Limits; }
  bool may_set_framing_fields() const noexcept override { return false; }

  FilterResult on_request(Exchange& ex) const override {
    if (c_.shared_store) return shared(ex);
    auto decided = local(
        [&](std::size_t i) {
          build_key(policies_[i], ex);
          return std::string_view(tl_key);
        },
        ex.request_id());
    if (auto* refusal = std::get_if<Response>(&decided)) return FilterResult::respond(std::move(*refusal));
    if (c_.policy_headers) ex.set(kAttr, std::move(std::get<std::string>(decided)));
    return FilterResult::next();
  }

  void on_response(Exchange& ex, Response& response) const override {
    if (!c_.policy_headers) return;
    if (auto* h = ex.get<std::string>(kAttr)) {
      std::array<std::string, 2> values{policy_header_, std::move(*h)};
      put_fields<2>(response.headers, {"RateLimit-Policy", "RateLimit"}, values);
    }
  }

 private:
  static constexpr std::string_view kAttr = "rate_limit";

  // Counts the request in the local store: a refusal, or the RateLimit header's value ("" when
  // the headers are off). `key(i)` gives policy i's counter key (valid until its next call).
  template <class KeyOf>
  std::variant<Response, std::string> local(KeyOf key, std::string_view request_id) const {
    const nanoseconds now = c_.clock->now();
    Remaining left;  // only the first policies_.size() entries are written and read
    for (std::size_t i = 0; i < policies_.size(); ++i) {
      const Compiled& p = policies_[i];
      const RateLimitDecision d = c_.store->acquire(key(i), p.rule, now);
      left.remaining[i] = d.remaining;
      left.reset[i] = d.reset;
      if (!d.allowed) {
        for (std::size_t j = 0; j < i; ++j) {  // refused: the earlier policies give back what they took
          c_.store->refund(key(j), policies_[j].rule, now);
          left.remaining[j] = std::min(policies_[j].quota, left.remaining[j] + 1);
        }
        return refusal(request_id, left, i, d.retry_after);
      }
    }
    if (!c_.policy_headers) return std::string();
    return remaining_header(left, policies_.size());
  }

  // The counters are in the shared store: one round trip decides every policy.
  FilterResult shared(Exchange& ex) const {
    const std::size_t n = policies_.size();
    auto keys = std::make_shared<std::vector<std::string>>();
    keys->reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      build_key(policies_[i], ex);
      keys->push_back(tl_key);
    }
    RateLimitCheck checks[kMaxPolicies];
    for (std::size_t i = 0; i < n; ++i) checks[i] = {(*keys)[i], &policies_[i].rule};
    Deferred deferred = ex.defer();
    if (!deferred) return FilterResult::respond(store_unavailable(ex.request_id()));  // nobody can resume it
    c_.shared_store->decide(
        ex.services(), std::span<const RateLimitCheck>(checks, n),
        [self = shared_from_this(), deferred, keys, request_id = std::string(ex.request_id())](
            Result<std::vector<RateLimitDecision>> r) { self->shared_decided(deferred, *keys, request_id, std::move(r)); });
    return FilterResult::pending();
  }

  void shared_decided(const Deferred& deferred, const std::vector<std::string>& keys, std::string_view request_id,
                      Result<std::vector<RateLimitDecision>> r) const {
    std::variant<Response, std::string> decided;
    if (r && r->size() == policies_.size()) {
      Remaining left;
      std::size_t refused = policies_.size();
      for (std::size_t i = 0; i < policies_.size(); ++i) {
        left.remaining[i] = (*r)[i].remaining;
        left.reset[i] = (*r)[i].reset;
        if (!(*r)[i].allowed && refused == policies_.size()) refused = i;
      }
      if (refused < policies_.size()) {
        // The script counted nothing: what the admitting policies would have taken is still there.
        for (std::size_t j = 0; j < refused; ++j)
          left.remaining[j] = std::min(policies_[j].quota, left.remaining[j] + 1);
        return deferred.respond(refusal(request_id, left, refused, (*r)[refused].retry_after));
      }
      decided = c_.policy_headers ? remaining_header(left, policies_.size()) : std::string();
    } else {
      switch (c_.store_failure) {
        case RateLimitStoreFailure::Allow: return deferred.next();
        case RateLimitStoreFailure::Deny: return deferred.respond(store_unavailable(request_id));
        case RateLimitStoreFailure::Local:
          decided = local([&](std::size_t i) { return std::string_view(keys[i]); }, request_id);
          break;
      }
    }
    if (auto* refusal = std::get_if<Response>(&decided)) return deferred.respond(std::move(*refusal));
    if (!c_.policy_headers) return deferred.next();
    deferred.next([h = std::move(std::get<std::string>(decided))](Exchange& ex) mutable { ex.set(kAttr, std::move(h)); });
  }

  void build_key(const Compiled& p, const Exchange& ex) const {
    tl_key.assign(p.key_prefix);
    tl_key += ex.route_id();  // one filter on several routes (Config::use) counts each apart
    tl_key += kSep;
    switch (p.key.kind) {
      case RateLimitKey::Kind::ClientIp: tl_key += ex.client_address(); break;
      case RateLimitKey::Kind::Consumer: tl_key += ex.consumer(); break;
      case RateLimitKey::Kind::Route: break;
      case RateLimitKey::Kind::Header:
        if (auto v = ex.request().headers.get(p.key.name)) tl_key += *v;
        break;
      case RateLimitKey::Kind::Claim:
        if (const auto* id = ex.identity())
          if (const auto* v = id->claim(p.key.name)) tl_key += *v;
        break;
      case RateLimitKey::Kind::Function: tl_key += p.key.function(ex); break;
    }
  }

  struct Remaining {
    std::int64_t remaining[kMaxPolicies];
    nanoseconds reset[kMaxPolicies];
  };

  // `"name";r=R;t=T, …` written into one buffer, then one string.
  std::string remaining_header(const Remaining& left, std::size_t n) const {
    char buf[kMaxPolicies * (kMaxNameLength + 56)];
    char* out = buf;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) {
        *out++ = ',';
        *out++ = ' ';
      }
      const std::string& name = policies_[i].name;
      *out++ = '"';
      out = std::copy(name.begin(), name.end(), out);
      out = std::copy_n("\";r=", 4, out);
      out = std::to_chars(out, out + 20, left.remaining[i]).ptr;
      out = std::copy_n(";t=", 3, out);
      out = std::to_chars(out, out + 20, ceil_seconds(left.reset[i])).ptr;
    }
    return std::string(buf, static_cast<std::size_t>(out - buf));
  }

  Response refusal(std::string_view request_id, const Remaining& left, std::size_t refused,
                   nanoseconds retry_after) const {
    std::string detail = "rate limit exceeded (policy \"";
    detail += policies_[refused].name;
    detail += "\")";
    Response r = Response::problem(c_.status, detail, request_id);
    r.headers.set("Retry-After", std::to_string(ceil_seconds(retry_after, 1)));
    if (c_.policy_headers) {
      r.headers.set("RateLimit-Policy", policy_header_);
      r.headers.set("RateLimit", remaining_header(left, refused + 1));
    }
    return r;
  }

  std::vector<Compiled> policies_;
  RateLimitConfig c_;
  std::string policy_header_;
};

// ---- Ocelot --------------------------------------------------------------------------------

// .NET's DateTime "o" format in UTC: 2026-12-02T14:30:00.1234567Z.
void put_digits(char* out, std::int64_t v, int n) {
  for (int i = n - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
}

// .NET's DateTime "o" format in UTC: 2026-12-02T14:30:00.1234567Z. The date and time of the last
// second formatted are kept per thread: most calls only write the seven fractional digits.
std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  struct Cache {
    std::int64_t secs = -1;
    char text[28] = {};
  };
  thread_local Cache cache;
  const auto ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count() / 100;
  const std::int64_t secs = ticks / 10'000'000;
  if (secs != cache.secs) {
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char* p = cache.text;
    put_digits(p, tm.tm_year + 1900, 4);
    p[4] = '-';
    put_digits(p + 5, tm.tm_mon + 1, 2);
    p[7] = '-';
    put_digits(p + 8, tm.tm_mday, 2);
    p[10] = 'T';
    put_digits(p + 11, tm.tm_hour, 2);
    p[13] = ':';
    put_digits(p + 14, tm.tm_min, 2);
    p[16] = ':';
    put_digits(p + 17, tm.tm_sec, 2);
    p[19] = '.';
    p[27] = 'Z';
    cache.secs = secs;
  }
  put_digits(cache.text + 20, ticks % 10'000'000, 7);
  return std::string(cache.text, sizeof cache.text);
}

// Seconds as .NET prints a double (invariant culture), to the millisecond: "59.98", "2", "0.5".
std::string seconds_text(nanoseconds d) {
  const std::int64_t ms = std::max<std::int64_t>(0, (d.count() + 999'999) / 1'000'000);
  std::string s = std::to_string(ms / 1000);
  if (std::int64_t frac = ms % 1000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    s += f;
  }
  return s;
}

struct OcelotHeaders {
  std::int64_t remaining = 0;
  std::chrono::system_clock::time_point reset_at;
};

class OcelotRateLimitFilter final : public Filter, public std::enable_shared_from_this<OcelotRateLimitFilter> {
 public:
  OcelotRateLimitFilter(RateLimitRule rule, OcelotRateLimitConfig c) : rule_(rule), c_(std::move(c)) {
    message_ = c_.quota_exceeded_message;
    if (message_.empty()) {
      message_ = "API calls quota exceeded! maximum admitted ";
      append_int(message_, c_.limit);
      message_ += " per ";
      message_ += c_.period;
      message_ += '.';
    }
  }
  std::string_view name() const noexcept override { return "ocelot_rate_limit"; }
  Phase phase() const noexcept override { return Phase::Limits; }
  bool may_set_framing_fields() const noexcept override { return false; }

  FilterResult on_request(Exchange& ex) const override {
    auto given = ex.request().headers.get(c_.client_id_header);
    std::string_view client = given ? *given : std::string_view("client");
    for (const auto& w : c_.client_whitelist)
      if (w == client) return FilterResult::next();
    tl_key.assign(c_.counter_prefix);
    tl_key += kSep;
    tl_key += ex.route_id();
    tl_key += kSep;
    tl_key += client;
    if (c_.shared_store) return shared(ex);
    const auto d = c_.store->acquire(tl_key, rule_, c_.clock->now());
    if (!d.allowed) return FilterResult::respond(refusal(d));
    if (!c_.disable_rate_limit_headers) ex.set(kAttr, headers(d));
    return FilterResult::next();
  }

  void on_response(Exchange& ex, Response& response) const override {
    if (c_.disable_rate_limit_headers) return;
    const auto* h = ex.get<OcelotHeaders>(kAttr);
    if (!h) return;
    std::array<std::string, 3> values{c_.period, std::to_string(h->remaining), iso8601_utc(h->reset_at)};
    put_fields<3>(response.headers, {"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"}, values);
  }

 private:
  static constexpr std::string_view kAttr = "ocelot_rate_limit";

  Response refusal(const RateLimitDecision& d) const {
    Response r;
    r.status = c_.http_status_code;
    r.body = message_;
    if (!c_.disable_rate_limit_headers) r.headers.set("Retry-After", seconds_text(d.retry_after));
    return r;
  }

  static OcelotHeaders headers(const RateLimitDecision& d) {
    return OcelotHeaders{d.remaining, std::chrono::system_clock::now() +
                                          std::chrono::duration_cast<std::chrono::system_clock::duration>(d.reset)};
  }

  // The counter is in the shared store (its key in tl_key).
  FilterResult shared(Exchange& ex) const {
    auto key = std::make_shared<std::string>(tl_key);
    const RateLimitCheck check{*key, &rule_};
    Deferred deferred = ex.defer();
    if (!deferred) return FilterResult::respond(store_unavailable(ex.request_id()));  // nobody can resume it
    c_.shared_store->decide(
        ex.services(), std::span<const RateLimitCheck>(&check, 1),
        [self = shared_from_this(), deferred, key, request_id = std::string(ex.request_id())](
            Result<std::vector<RateLimitDecision>> r) {
          RateLimitDecision d;
          if (r && r->size() == 1) {
            d = r->front();
          } else {
            switch (self->c_.store_failure) {
              case RateLimitStoreFailure::Allow: return deferred.next();
              case RateLimitStoreFailure::Deny: return deferred.respond(store_unavailable(request_id));
              case RateLimitStoreFailure::Local: d = self->c_.store->acquire(*key, self->rule_, self->c_.clock->now()); break;
            }
          }
          if (!d.allowed) return deferred.respond(self->refusal(d));
          if (self->c_.disable_rate_limit_headers) return deferred.next();
          deferred.next([h = headers(d)](Exchange& later) { later.set(kAttr, h); });
        });
    return FilterResult::pending();
  }

  RateLimitRule rule_;
  OcelotRateLimitConfig c_;
  std::string message_;
};

Error config_error(std::string message, std::string where) {
  return Error{Errc::InvalidConfig, std::move(message), std::move(where)};
}

}  // namespace

std::shared_ptr<const RateLimitClock> steady_rate_limit_clock() {
  static const auto clock = std::make_shared<const SteadyClock>();
  return clock;
}

Result<nanoseconds> parse_rate_period(std::string_view text) {
  auto bad = [&] {
    std::string m = "expected a period such as \"1s\", \"5m\", \"1h\", \"1d\" or \"100ms\", got \"";
    m += text;
    m += '"';
    return config_error(std::move(m), {});
  };
  std::string_view number = text;
  while (!number.empty() && (number.front() == ' ' || number.front() == '\t')) number.remove_prefix(1);
  while (!number.empty() && (number.back() == ' ' || number.back() == '\t')) number.remove_suffix(1);
  double unit_ns = 1e6;  // no unit: milliseconds (Ocelot 25)
  auto ends = [&](std::string_view suffix) {
    return number.size() > suffix.size() && number.substr(number.size() - suffix.size()) == suffix;
  };
  if (ends("ms")) {
    number.remove_suffix(2);
  } else if (!number.empty()) {
    switch (number.back()) {
      case 's': unit_ns = 1e9; number.remove_suffix(1); break;
      case 'm': unit_ns = 60e9; number.remove_suffix(1); break;
      case 'h': unit_ns = 3600e9; number.remove_suffix(1); break;
      case 'd': unit_ns = 86400e9; number.remove_suffix(1); break;
      default: break;
    }
  }
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (number.empty() || !digit(number.front()) || !digit(number.back())) return bad();
  double v = 0;
  auto r = std::from_chars(number.data(), number.data() + number.size(), v, std::chars_format::fixed);
  if (r.ec != std::errc() || r.ptr != number.data() + number.size()) return bad();
  const double ns = v * unit_ns;
  if (!(ns >= 1e6) || ns > 365 * 86400e9) {  // 1 ms .. a year
    std::string m = "a period must be between 1ms and 365d, got \"";
    m += text;
    m += '"';
    return config_error(std::move(m), {});
  }
  return nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

Result<RateLimitKey> RateLimitKey::parse(std::string_view text) {
  RateLimitKey k;
  auto named = [&](std::string_view prefix, Kind kind) {
    if (text.size() <= prefix.size() || text.substr(0, prefix.size()) != prefix) return false;
    k.kind = kind;
    k.name = std::string(text.substr(prefix.size()));
    return true;
  };
  if (text == "ClientIp") {
    k.kind = Kind::ClientIp;
  } else if (text == "Consumer") {
    k.kind = Kind::Consumer;
  } else if (text == "Route") {
    k.kind = Kind::Route;
  } else if (named("Header:", Kind::Header)) {
    if (!detail::is_token(k.name)) return config_error("\"" + k.name + "\" is not a header name", {});
  } else if (!named("Claim:", Kind::Claim)) {
    std::string m = "expected \"ClientIp\", \"Consumer\", \"Route\", \"Header:<name>\" or \"Claim:<type>\", got \"";
    m += text;
    m += '"';
    return config_error(std::move(m), {});
  }
  return k;
}

Result<FilterPtr> make_rate_limit(RateLimitConfig config) {
  if (config.policies.empty()) return config_error("at least one policy is required", "policies");
  if (config.policies.size() > kMaxPolicies)
    return config_error("at most " + std::to_string(kMaxPolicies) + " policies per route", "policies");
  if (config.status < 400 || config.status > 599)
    return config_error("the status must be 400..599, got " + std::to_string(config.status), "status");
  std::vector<Compiled> compiled;
  for (std::size_t i = 0; i < config.policies.size(); ++i) {
    auto& p = config.policies[i];
    const std::string where = "policies[" + std::to_string(i) + "]";
    if (!detail::is_token(p.name) || p.name.size() > kMaxNameLength)
      return config_error("a policy name must be a token of at most 64 characters, got \"" + p.name + "\"",
                          where + ".name");
    for (std::size_t j = 0; j < i; ++j)
      if (config.policies[j].name == p.name) return config_error("two policies are named \"" + p.name + "\"", where + ".name");
    if (p.limit <= 0) return config_error("the limit must be at least 1", where + ".limit");
    if (p.period.count() < 1'000'000) return config_error("the period must be at least 1ms", where + ".period");
    if (p.algorithm == Algorithm::FixedWindow)
      return config_error("FixedWindow is Ocelot's algorithm (make_ocelot_rate_limit)", where + ".algorithm");
    if (p.algorithm == Algorithm::SlidingWindow && p.limit > kMaxSlidingLimit)
      return config_error("a SlidingWindow limit is at most " + std::to_string(kMaxSlidingLimit) +
                              " (it keeps every admission of its window); use TokenBucket",
                          where + ".limit");
    if (p.burst < 0) return config_error("the burst must not be negative", where + ".burst");
    if (p.burst > 0 && p.algorithm != Algorithm::TokenBucket)
      return config_error("a burst is for TokenBucket only", where + ".burst");
    if (p.key.kind == RateLimitKey::Kind::Function && !p.key.function)
      return config_error("a Function key needs its function", where + ".key");
    if ((p.key.kind == RateLimitKey::Kind::Header || p.key.kind == RateLimitKey::Kind::Claim) && p.key.name.empty())
      return config_error("a Header or Claim key needs its name", where + ".key");
    Compiled c;
    c.rule = {.algorithm = p.algorithm, .limit = p.limit, .period = p.period, .burst = p.burst, .ban = {}};
    c.quota = p.algorithm == Algorithm::TokenBucket && p.burst > 0 ? p.burst : p.limit;
    c.key = p.key;
    c.name = p.name;
    c.key_prefix = config.counter_prefix;
    c.key_prefix += kSep;
    c.key_prefix += std::to_string(i);
    c.key_prefix += kSep;
    compiled.push_back(std::move(c));
  }
  if (!config.store) config.store = std::make_shared<LocalRateLimitStore>();
  if (!config.clock) config.clock = steady_rate_limit_clock();
  return FilterPtr(std::make_shared<RateLimitFilter>(std::move(compiled), std::move(config)));
}

Result<FilterPtr> make_ocelot_rate_limit(OcelotRateLimitConfig config) {
  auto period = parse_rate_period(config.period);
  if (!period) return make_error(Errc::InvalidConfig, period.error().message, "period");
  if (config.limit <= 0) return config_error("the limit must be at least 1", "limit");
  if (config.period_timespan.count() < 0) return config_error("the ban must not be negative", "period_timespan");
  if (!detail::is_token(config.client_id_header))
    return config_error("expected a header name, got \"" + config.client_id_header + "\"", "client_id_header");
  if (config.http_status_code < 400 || config.http_status_code > 599)
    return config_error("the status must be 400..599, got " + std::to_string(config.http_status_code),
                        "http_status_code");
  if (!config.store) config.store = std::make_shared<LocalRateLimitStore>();
  if (!config.clock) config.clock = steady_rate_limit_clock();
  RateLimitRule rule{.algorithm = Algorithm::FixedWindow, .limit = config.limit, .period = *period, .burst = 0,
                     .ban = config.period_timespan};
  return FilterPtr(std::make_shared<OcelotRateLimitFilter>(rule, std::move(config)));
}

}  // namespace portico::filters
