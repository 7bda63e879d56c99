// ocelot.json: RateLimitOptions (Ocelot's rule) and RateLimitPolicies (Portico's) → one filter.

#include "filters/rate_limit/section.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "portico/filters/rate_limit.hpp"

namespace portico::filters::detail {

namespace {

using config::JsonNode;

bool from_global(const JsonNode& n) { return n.path().rfind("GlobalConfiguration", 0) == 0; }

using portico::iequals;

// One of two names of a setting (classic and Ocelot 25): the route's wins over GlobalConfiguration's;
// both in one place is an error.
Result<JsonNode> aliased(const JsonNode& o, std::string_view classic, std::string_view renamed) {
  JsonNode a = o[classic], b = o[renamed];
  if (a.present() && b.present()) {
    if (from_global(a) == from_global(b))
      return make_error(Errc::InvalidConfig,
                        std::string("both ") + std::string(classic) + " and " + std::string(renamed) +
                            " are given; they are two names of one setting: keep one",
                        b.path());
    return from_global(a) ? b : a;
  }
  return a.present() ? a : b;
}

// `n`, or an absent node when it is "" (as Ocelot reads an empty period: not given).
JsonNode given(const JsonNode& n) {
  if (n.is_string())
    if (auto s = n.as_string(); s && s->empty()) return JsonNode();
  return n;
}

Result<std::chrono::nanoseconds> period_at(const JsonNode& n) {
  auto s = n.as_string();
  if (!s) return std::move(s).error();
  auto p = parse_rate_period(*s);
  if (!p) return make_error(Errc::InvalidConfig, p.error().message, n.path());
  return p;
}

// Runs two limit filters as one (a route with both an Ocelot rule and Portico policies).
class BothLimits final : public Filter {
 public:
  BothLimits(FilterPtr a, FilterPtr b) : a_(std::move(a)), b_(std::move(b)) {}
  std::string_view name() const noexcept override { return "rate_limit"; }
  Phase phase() const noexcept override { return Phase::Limits; }
  bool may_set_framing_fields() const noexcept override { return false; }
  FilterResult on_request(Exchange& ex) const override {
    auto r = a_->on_request(ex);
    if (r.kind() != FilterResult::Kind::Next) return r;
    return b_->on_request(ex);
  }
  void on_response(Exchange& ex, Response& response) const override {
    b_->on_response(ex, response);
    a_->on_response(ex, response);
  }

 private:
  FilterPtr a_, b_;
};

struct Common {
  int status = 429;
  std::string prefix = "ocelot";
  std::shared_ptr<SharedRateLimitStore> shared;  // null: in memory
  RateLimitStoreFailure failure = RateLimitStoreFailure::Allow;
};

// Storage, StorageTimeoutMs, StorageFailure: where the counters live (absent or "memory": in
// this instance's memory).
Result<void> read_storage(const JsonNode& o, Common& common) {
  std::chrono::milliseconds timeout{50};
  if (auto t = o["StorageTimeoutMs"]; t.present()) {
    auto v = t.as_integer(1, 60000);
    if (!v) return std::move(v).error();
    timeout = std::chrono::milliseconds(*v);
  }
  if (auto f = o["StorageFailure"]; f.present()) {
    auto s = f.as_string();
    if (!s) return std::move(s).error();
    if (iequals(*s, "Allow")) {
      common.failure = RateLimitStoreFailure::Allow;
    } else if (iequals(*s, "Deny")) {
      common.failure = RateLimitStoreFailure::Deny;
    } else if (iequals(*s, "Local")) {
      common.failure = RateLimitStoreFailure::Local;
    } else {
      return make_error(Errc::InvalidConfig, "expected \"Allow\", \"Deny\" or \"Local\", got \"" + *s + "\"", f.path());
    }
  }
  if (auto st = o["Storage"]; st.present()) {
    auto s = st.as_string();
    if (!s) return std::move(s).error();
    if (s->empty() || iequals(*s, "memory") || iequals(*s, "in-memory") || iequals(*s, "InMemory")) return {};
    if (s->rfind("redis://", 0) == 0 || s->rfind("rediss://", 0) == 0) {
      auto ep = RedisEndpoint::parse(*s);
      if (!ep) return make_error(ep.error().code, ep.error().message, st.path());
      auto store = make_redis_rate_limit_store({std::move(*ep), timeout});
      if (!store) return make_error(store.error().code, store.error().message, st.path());
      common.shared = std::move(*store);
      return {};
    }
    return make_error(Errc::InvalidConfig, "expected \"memory\" or a redis:// URL, got \"" + *s + "\"", st.path());
  }
  return {};
}

Result<FilterPtr> ocelot_rule(const config::SectionInput& in, const JsonNode& o, const Common& common) {
  OcelotRateLimitConfig c;
  c.http_status_code = common.status;
  c.counter_prefix = common.prefix;
  c.shared_store = common.shared;
  c.store_failure = common.failure;
  if (auto h = o["ClientIdHeader"]; h.present()) {
    auto s = h.as_string();
    if (!s) return std::move(s).error();
    if (!s->empty()) c.client_id_header = std::move(*s);
  }
  auto message = aliased(o, "QuotaExceededMessage", "QuotaMessage");
  if (!message) return std::move(message).error();
  if (message->present()) {
    auto s = message->as_string();
    if (!s) return std::move(s).error();
    c.quota_exceeded_message = std::move(*s);
  }
  auto disable = o["DisableRateLimitHeaders"], enable = o["EnableHeaders"];
  if (disable.present() && enable.present() && from_global(disable) == from_global(enable))
    return make_error(Errc::InvalidConfig,
                      "both DisableRateLimitHeaders and EnableHeaders are given; they are two names of one "
                      "setting: keep one",
                      enable.path());
  if (disable.present() && (!enable.present() || !from_global(disable))) {
    auto b = disable.as_bool();
    if (!b) return std::move(b).error();
    c.disable_rate_limit_headers = *b;
  } else if (enable.present()) {
    auto b = enable.as_bool();
    if (!b) return std::move(b).error();
    c.disable_rate_limit_headers = !*b;
  }
  // RouteKeys (GlobalConfiguration, Ocelot 24.1+): the global rule covers only the routes listed.
  bool global_rule_applies = true;
  if (auto keys = o["RouteKeys"]; keys.present()) {
    auto list = keys.as_strings();
    if (!list) return std::move(list).error();
    if (!list->empty()) global_rule_applies = std::find(list->begin(), list->end(), in.route_key) != list->end();
  }
  auto enabled_node = o["EnableRateLimiting"];
  auto limit = o["Limit"];
  auto period = given(o["Period"]);  // templates carry "Period": "" with the rule disabled
  auto timespan = o["PeriodTimespan"];
  auto wait = given(o["Wait"]);
  if (auto w = o["ClientWhitelist"]; w.present()) {
    auto list = w.as_strings();
    if (!list) return std::move(list).error();
    c.client_whitelist = std::move(*list);
  }
  std::optional<bool> enabled;
  if (enabled_node.present()) {
    auto b = enabled_node.as_bool();
    if (!b) return std::move(b).error();
    enabled = *b;
  }
  if (timespan.present() && wait.present() && from_global(timespan) == from_global(wait))
    return make_error(Errc::InvalidConfig,
                      "both PeriodTimespan and Wait are given; they are two names of one setting: keep one", wait.path());
  // Validate what is given even when it limits nothing (a typo must not wait for the day it is enabled).
  if (limit.present())
    if (auto v = limit.as_integer(0); !v) return std::move(v).error();
  if (period.present())
    if (auto p = period_at(period); !p) return std::move(p).error();
  if (timespan.present())
    if (auto v = timespan.as_number(0, 1e9); !v) return std::move(v).error();
  if (wait.present())
    if (auto p = period_at(wait); !p) return std::move(p).error();

  auto own = [&](const JsonNode& n) { return n.present() && (global_rule_applies || !from_global(n)); };
  // Classic Ocelot limits when EnableRateLimiting is true; Ocelot 25 also when it is absent and the
  // rule gives a Limit (the stricter reading is taken: the limit is enforced).
  bool limits = own(enabled_node) ? *enabled : (own(limit) && *limit.as_integer(0) > 0);
  if (!limits) return FilterPtr{};
  if (!limit.present()) return make_error(Errc::InvalidConfig, "a rate limit needs its Limit", limit.path());
  if (!period.present()) return make_error(Errc::InvalidConfig, "a rate limit needs its Period", o["Period"].path());
  auto n = limit.as_integer(1);
  if (!n) return make_error(Errc::InvalidConfig, "the Limit must be at least 1 to limit requests", limit.path());
  c.limit = *n;
  c.period = *period.as_string();
  bool use_wait = wait.present() && (!timespan.present() || from_global(timespan));
  if (use_wait) {
    c.period_timespan = *period_at(wait);
  } else if (timespan.present()) {
    c.period_timespan = std::chrono::nanoseconds(static_cast<std::int64_t>(*timespan.as_number(0, 1e9) * 1e9));
  }
  auto made = make_ocelot_rate_limit(std::move(c));
  if (!made) return make_error(made.error().code, made.error().message, limit.path());
  return made;
}

Result<FilterPtr> policies(const JsonNode& list, const Common& common) {
  if (!list.is_array()) return make_error(Errc::InvalidConfig, "expected an array, got " + list.describe(), list.path());
  if (list.size() == 0) return FilterPtr{};
  RateLimitConfig c;
  c.status = common.status;
  c.counter_prefix = common.prefix;
  c.shared_store = common.shared;
  c.store_failure = common.failure;
  for (std::size_t i = 0; i < list.size(); ++i) {
    JsonNode item = list[i];
    if (!item.is_object()) return make_error(Errc::InvalidConfig, "expected an object, got " + item.describe(), item.path());
    RateLimitPolicy p;
    p.name = "policy-" + std::to_string(i);
    if (auto n = item["Name"]; n.present()) {
      auto s = n.as_string();
      if (!s) return std::move(s).error();
      p.name = std::move(*s);
    }
    if (auto a = item["Algorithm"]; a.present()) {
      auto s = a.as_string();
      if (!s) return std::move(s).error();
      if (iequals(*s, "TokenBucket")) {
        p.algorithm = RateLimitRule::Algorithm::TokenBucket;
      } else if (iequals(*s, "SlidingWindow")) {
        p.algorithm = RateLimitRule::Algorithm::SlidingWindow;
      } else {
        return make_error(Errc::InvalidConfig, "expected \"TokenBucket\" or \"SlidingWindow\", got \"" + *s + "\"",
                          a.path());
      }
    }
    auto limit = item["Limit"];
    auto n = limit.as_integer(1);
    if (!n) return std::move(n).error();
    p.limit = *n;
    if (auto per = item["Period"]; per.present()) {
      auto d = period_at(per);
      if (!d) return std::move(d).error();
      p.period = *d;
    }
    if (auto b = item["Burst"]; b.present()) {
      auto v = b.as_integer(1);
      if (!v) return std::move(v).error();
      p.burst = *v;
    }
    if (auto k = item["Key"]; k.present()) {
      auto s = k.as_string();
      if (!s) return std::move(s).error();
      auto key = RateLimitKey::parse(*s);
      if (!key) return make_error(Errc::InvalidConfig, key.error().message, k.path());
      p.key = std::move(*key);
    }
    c.policies.push_back(std::move(p));
  }
  auto made = make_rate_limit(std::move(c));
  if (!made) {
    // "policies[i].limit" → the item's key
    std::string where = list.path();
    const auto& w = made.error().where;
    if (auto open = w.find('['); open != std::string::npos) {
      auto close = w.find(']', open);
      std::size_t i = std::stoul(w.substr(open + 1, close - open - 1));
      std::string field = close + 2 <= w.size() ? w.substr(close + 2) : std::string();
      if (!field.empty()) field[0] = static_cast<char>(field[0] - 'a' + 'A');
      where = field.empty() ? list[i].path() : list[i][field].path();
    }
    return make_error(made.error().code, made.error().message, where);
  }
  return made;
}

}  // namespace

Result<FilterPtr> rate_limit_section(const config::SectionInput& in) {
  const JsonNode o = in.node["RateLimitOptions"];
  if (o.present() && !o.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + o.describe(), o.path());
  Common common;
  if (auto ok = read_storage(o, common); !ok) return std::move(ok).error();
  auto status = aliased(o, "HttpStatusCode", "StatusCode");
  if (!status) return std::move(status).error();
  if (status->present()) {
    auto v = status->as_integer();
    if (!v) return std::move(v).error();
    if (*v >= 400 && *v <= 599) {
      common.status = static_cast<int>(*v);
    } else if (in.warnings) {
      in.warnings->push_back({status->path(), "a status outside 400..599 (" + std::to_string(*v) +
                                                  ") cannot answer a refused request; 429 is used"});
    }
  }
  auto prefix = aliased(o, "RateLimitCounterPrefix", "KeyPrefix");
  if (!prefix) return std::move(prefix).error();
  if (prefix->present()) {
    auto s = prefix->as_string();
    if (!s) return std::move(s).error();
    common.prefix = std::move(*s);
  }

  FilterPtr ocelot;
  if (o.present()) {
    auto made = ocelot_rule(in, o, common);
    if (!made) return made;
    ocelot = std::move(*made);
  }
  FilterPtr portico;
  if (auto list = in.node["RateLimitPolicies"]; list.present()) {
    auto made = policies(list, common);
    if (!made) return made;
    portico = std::move(*made);
  }
  if (ocelot && portico) return FilterPtr(std::make_shared<BothLimits>(std::move(ocelot), std::move(portico)));
  return ocelot ? ocelot : portico;
}

}  // namespace portico::filters::detail
