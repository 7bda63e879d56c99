// The JWT filter: token → structure → JOSE header → key → signature → claims → identity. Every step
// that can fail answers 401 with a description that names the check, never the token.

#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <atomic>
#include <unordered_map>

#include "filters/auth/authenticator.hpp"
#include "filters/jwt/jose.hpp"
#include "filters/jwt/token_source.hpp"
#include "http/codec.hpp"
#include "portico/filters/jwt.hpp"

namespace portico::filters {

namespace {

using auth::Outcome;
using jwt::Json;
using jwt::Key;

constexpr std::size_t kMaxKidBytes = 256;

std::uint16_t bit(JwtAlgorithm a) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(a)); }

struct Settings {
  std::string name;
  std::string issuer;
  std::vector<std::string> audiences;
  std::uint16_t allowed = 0;  // bit per JwtAlgorithm
  std::vector<Key> keys;
  bool keys_have_kids = false;
  double skew = 60;
  bool require_exp = true;
  std::optional<double> max_lifetime;
  std::vector<std::pair<std::string, std::string>> required_claims;
  jwt::TokenSources sources;
  bool forward = true;
  std::size_t max_bytes = 8192;
  std::size_t cache_slots = 256;
  std::function<std::int64_t()> clock;
};

// The times of a verified token, checked again on every use of a cached verification.
struct Times {
  std::optional<double> exp, nbf, iat;
};

// Verified tokens of one filter on one thread: direct-mapped by the token's hash, the token kept
// whole and compared in full, so a slot answers only for exactly the bytes it verified. Per thread,
// so the hot path takes no lock; a collision only evicts.
struct TokenCache {
  struct Slot {
    std::size_t hash = 0;
    std::string token;
    Times times;
    std::shared_ptr<const Identity> identity;
  };
  std::vector<Slot> slots;
};

constexpr std::size_t kMaxCachedTokenBytes = 4096;

// This thread's caches, by filter id; a filter that is gone (config reloaded) leaves its cache to
// be swept when another filter's cache is made.
struct ThreadCaches {
  struct Entry {
    std::weak_ptr<const void> alive;
    TokenCache cache;
  };
  std::unordered_map<std::uint64_t, Entry> by_filter;
};

std::uint64_t next_filter_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Outcome reject(std::string why) {
  Outcome o;
  o.kind = Outcome::Kind::Rejected;
  o.description = std::move(why);
  return o;
}

// The claims as (type, value) pairs: an array gives one pair per element, objects their JSON text.
void flatten(const Json& payload, Identity& id) {
  auto text = [](const Json& v) -> std::string {
    switch (v.kind) {
      case Json::Kind::String:
      case Json::Kind::Number: return v.text;
      case Json::Kind::Bool: return v.boolean ? "true" : "false";
      default: return v.dump();
    }
  };
  for (const auto& [type, value] : payload.members) {
    if (value.kind == Json::Kind::Null) continue;
    if (value.is_array()) {
      for (const auto& item : value.items)
        if (item.kind != Json::Kind::Null) id.claims.emplace_back(type, text(item));
    } else {
      id.claims.emplace_back(type, text(value));
    }
  }
  if (const Json* sub = payload.get("sub"); sub && sub->is_string()) id.consumer = sub->text;
}

class JwtFilter final : public auth::Authenticator {
 public:
  explicit JwtFilter(Settings s) : s_(std::move(s)), id_(next_filter_id()), alive_(std::make_shared<int>(0)) {}
  std::string_view name() const noexcept override { return "jwt"; }
  const std::string& provider_name() const noexcept override { return s_.name; }

  Outcome authenticate(const Exchange& ex) const override {
    jwt::FoundToken found;
    jwt::find_token(ex.request(), s_.sources, found);
    if (found.kind == jwt::FoundToken::Kind::None) return Outcome{};
    if (found.kind == jwt::FoundToken::Kind::Ambiguous) return reject("the request carries more than one token");
    return verify(found.token);
  }

  std::string challenge(const Outcome& o) const override {
    return auth::bearer_challenge(o.kind == Outcome::Kind::Rejected ? o.description : "");
  }

  void strip(Request& r) const override {
    if (s_.forward) return;
    if (!s_.sources.header.empty()) r.headers.remove(s_.sources.header);
    if (!s_.sources.cookie.empty()) auth::strip_cookie(r.headers, s_.sources.cookie);
  }
  void strip_upstream(Request& up) const override {
    if (!s_.forward && !s_.sources.query.empty()) auth::strip_query(up.target, s_.sources.query);
  }

 private:
  Outcome verify(std::string_view token) const {
    if (token.size() > s_.max_bytes) return reject("the token is too large");
    TokenCache* c = token.size() <= kMaxCachedTokenBytes ? cache() : nullptr;
    const std::size_t h = c ? std::hash<std::string_view>{}(token) : 0;
    TokenCache::Slot* slot = c ? &c->slots[h % c->slots.size()] : nullptr;
    if (slot && slot->identity && slot->hash == h && slot->token == token) {
      if (auto bad = check_times(slot->times, now())) return std::move(*bad);
      Outcome o;
      o.kind = Outcome::Kind::Authenticated;
      o.identity = *slot->identity;
      return o;
    }
    Times times;
    Outcome o = verify_uncached(token, times);
    if (slot && o.kind == Outcome::Kind::Authenticated) {
      slot->hash = h;
      slot->token.assign(token);
      slot->times = times;
      slot->identity = std::make_shared<const Identity>(o.identity);
    }
    return o;
  }

  Outcome verify_uncached(std::string_view token, Times& times) const {
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
      return reject("the token is not a JWS in compact form");
    const std::string_view h64 = token.substr(0, dot1);
    const std::string_view p64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const std::string_view s64 = token.substr(dot2 + 1);
    if (s64.empty()) return reject("the token has no signature");

    std::string buf;
    std::string why;
    if (h64.empty() || !jwt::base64url_decode(h64, buf)) return reject("the token header is not base64url");
    auto header = jwt::parse_json(buf, why, {.max_depth = 4, .max_members = 32});
    if (!header || !header->is_object()) return reject("the token header is not a JSON object");
    const Json* alg_v = header->get("alg");
    if (!alg_v || !alg_v->is_string()) return reject("the token header has no alg");
    if (iequals(alg_v->text, "none")) return reject("unsigned tokens (alg none) are not accepted");
    auto alg = jwt_algorithm(alg_v->text);
    if (!alg) return reject("the token's algorithm is not supported");
    if (!(s_.allowed & bit(*alg))) return reject("the token's algorithm is not allowed");
    if (header->get("crit")) return reject("the token has critical header parameters");
    const Json* kid_v = header->get("kid");
    if (kid_v && (!kid_v->is_string() || kid_v->text.size() > kMaxKidBytes))
      return reject("the token's key id is malformed");

    // The keys that may verify it: by kid when the keys are named, then by algorithm family.
    const std::string_view kid = kid_v ? std::string_view(kid_v->text) : std::string_view{};
    const Key* candidates[64];
    std::size_t n = 0;
    bool kid_matched = false;
    for (const auto& k : s_.keys) {
      if (kid_v && s_.keys_have_kids && k.kid != kid) continue;
      kid_matched = true;
      if (k.accepts(*alg) && n < std::size(candidates)) candidates[n++] = &k;
    }
    if (!kid_matched) return reject("the token's key id names no known key");
    if (n == 0) return reject("the token's algorithm does not fit the key");

    std::string sig;
    if (!jwt::base64url_decode(s64, sig)) return reject("the token signature is not base64url");
    const std::string_view input = token.substr(0, dot2);
    bool ok = false;
    for (std::size_t i = 0; i < n && !ok; ++i) ok = jwt::verify_signature(*candidates[i], *alg, input, sig);
    if (!ok) return reject("the token signature is invalid");

    if (!jwt::base64url_decode(p64, buf)) return reject("the token payload is not base64url");
    auto payload = jwt::parse_json(buf, why);
    if (!payload || !payload->is_object()) return reject("the token payload is not a JSON object");
    return claims(*payload, times);
  }

  Outcome claims(const Json& p, Times& times) const {
    auto date = [&](const char* name, std::optional<double>& out) -> bool {
      const Json* v = p.get(name);
      if (!v) return true;
      out = v->number();
      return out && std::isfinite(*out);
    };
    if (!date("exp", times.exp) || !date("nbf", times.nbf) || !date("iat", times.iat))
      return reject("the token's exp, nbf or iat is not a number");
    if (auto bad = check_times(times, now())) return std::move(*bad);
    if (!s_.issuer.empty()) {
      const Json* iss = p.get("iss");
      if (!iss || !iss->is_string() || iss->text != s_.issuer) return reject("the token's issuer is not accepted");
    }
    if (!s_.audiences.empty()) {
      const Json* aud = p.get("aud");
      bool match = false;
      auto one = [&](const Json& v) {
        if (!v.is_string()) return false;
        for (const auto& a : s_.audiences)
          if (v.text == a) return true;
        return false;
      };
      if (aud && aud->is_string()) match = one(*aud);
      else if (aud && aud->is_array())
        for (const auto& item : aud->items) match = match || one(item);
      if (!match) return reject("the token's audience is not accepted");
    }
    Outcome o;
    o.kind = Outcome::Kind::Authenticated;
    o.identity.provider = s_.name;
    flatten(p, o.identity);
    for (const auto& [type, value] : s_.required_claims)
      if (!o.identity.has_claim(type, value)) return reject("the token lacks a required claim");
    return o;
  }

  double now() const {
    return static_cast<double>(
        s_.clock ? s_.clock()
                 : std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                       .count());
  }

  // The time checks, run on every request (cached or not).
  std::optional<Outcome> check_times(const Times& t, double at) const {
    if (!t.exp && (s_.require_exp || s_.max_lifetime)) return reject("the token has no expiration");
    if (t.exp && at - s_.skew >= *t.exp) return reject("the token has expired");
    if (t.nbf && at + s_.skew < *t.nbf) return reject("the token is not valid yet");
    if (t.iat && at + s_.skew < *t.iat) return reject("the token was issued in the future");
    if (s_.max_lifetime && *t.exp - (t.iat ? *t.iat : at) > *s_.max_lifetime)
      return reject("the token's lifetime is longer than allowed");
    return std::nullopt;
  }

  TokenCache* cache() const {
    if (s_.cache_slots == 0) return nullptr;
    thread_local ThreadCaches caches;
    auto it = caches.by_filter.find(id_);
    if (it != caches.by_filter.end()) return &it->second.cache;
    for (auto i = caches.by_filter.begin(); i != caches.by_filter.end();)
      i = i->second.alive.expired() ? caches.by_filter.erase(i) : std::next(i);
    auto& e = caches.by_filter[id_];
    e.alive = alive_;
    e.cache.slots.resize(s_.cache_slots);
    return &e.cache;
  }

  Settings s_;
  std::uint64_t id_;
  std::shared_ptr<const void> alive_;
};

Error field(std::string message, std::string where) { return make_error(Errc::InvalidConfig, std::move(message), std::move(where)); }

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::InvalidConfig, "cannot read the file \"" + path + "\"", "public_key_file");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > (1u << 20)) return make_error(Errc::InvalidConfig, "the key file is larger than 1 MiB", "public_key_file");
  return text;
}

}  // namespace

Result<FilterPtr> make_jwt(JwtConfig c) {
  Settings s;
  if (c.name.empty()) return field("the provider needs a name", "name");
  s.name = std::move(c.name);
  int sources = !c.secret.empty() + !c.public_key_file.empty() + !c.public_key_pem.empty() + !c.jwks.empty();
  if (sources != 1)
    return field(sources == 0 ? "a key is required: one of secret, public_key_file, public_key_pem, jwks"
                              : "give exactly one of secret, public_key_file, public_key_pem, jwks",
                 "secret");
  if (!c.secret.empty()) {
    auto k = jwt::key_from_secret(std::move(c.secret));
    if (!k) return std::move(k).error();
    s.keys.push_back(std::move(*k));
  } else if (!c.public_key_file.empty()) {
    auto text = read_file(c.public_key_file);
    if (!text) return std::move(text).error();
    auto k = jwt::key_from_pem(*text, "public_key_file");
    if (!k) return std::move(k).error();
    s.keys.push_back(std::move(*k));
  } else if (!c.public_key_pem.empty()) {
    auto k = jwt::key_from_pem(c.public_key_pem, "public_key_pem");
    if (!k) return std::move(k).error();
    s.keys.push_back(std::move(*k));
  } else {
    auto keys = jwt::keys_from_jwks(c.jwks, "jwks");
    if (!keys) return std::move(keys).error();
    if (keys->size() > 64) return field("at most 64 keys are supported", "jwks.keys");
    s.keys = std::move(*keys);
  }
  for (const auto& k : s.keys) s.keys_have_kids = s.keys_have_kids || !k.kid.empty();

  std::uint16_t fits = 0;
  for (const auto& k : s.keys)
    for (unsigned a = 0; a <= static_cast<unsigned>(JwtAlgorithm::EdDSA); ++a)
      if (k.accepts(static_cast<JwtAlgorithm>(a))) fits |= bit(static_cast<JwtAlgorithm>(a));
  if (c.algorithms.empty()) {
    s.allowed = fits;
  } else {
    for (std::size_t i = 0; i < c.algorithms.size(); ++i) {
      const std::string at = "algorithms[" + std::to_string(i) + "]";
      auto a = jwt_algorithm(c.algorithms[i]);
      if (!a)
        return field("expected one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, "
                     "ES512, EdDSA, got \"" + c.algorithms[i] + "\"",
                     at);
      if (!(fits & bit(*a))) return field(c.algorithms[i] + " fits none of the provider's keys", at);
      s.allowed |= bit(*a);
    }
  }

  if (c.clock_skew.count() < 0 || c.clock_skew.count() > 86400)
    return field("expected 0..86400 seconds", "clock_skew");
  s.skew = static_cast<double>(c.clock_skew.count());
  s.require_exp = c.require_expiration;
  if (c.max_lifetime) {
    if (c.max_lifetime->count() <= 0) return field("expected a positive number of seconds", "max_lifetime");
    s.max_lifetime = static_cast<double>(c.max_lifetime->count());
  }
  s.issuer = std::move(c.issuer);
  s.audiences = std::move(c.audiences);
  for (std::size_t i = 0; i < s.audiences.size(); ++i)
    if (s.audiences[i].empty()) return field("an audience cannot be empty", "audiences[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < c.required_claims.size(); ++i)
    if (c.required_claims[i].first.empty())
      return field("a claim type cannot be empty", "required_claims[" + std::to_string(i) + "]");
  s.required_claims = std::move(c.required_claims);

  if (!c.token_header.empty() && (!detail::is_token(c.token_header) || detail::is_framing_field(c.token_header)))
    return field("expected a header name, got \"" + c.token_header + "\"", "token_header");
  if (!c.token_cookie.empty() && !detail::is_token(c.token_cookie))
    return field("expected a cookie name, got \"" + c.token_cookie + "\"", "token_cookie");
  if (!c.token_query_parameter.empty() &&
      c.token_query_parameter.find_first_of("&=#? ") != std::string::npos)
    return field("expected a query parameter name, got \"" + c.token_query_parameter + "\"", "token_query_parameter");
  if (c.token_header.empty() && c.token_cookie.empty() && c.token_query_parameter.empty())
    return field("the token must come from somewhere: a header, a cookie or a query parameter", "token_header");
  s.sources = {std::move(c.token_header), std::move(c.token_cookie), std::move(c.token_query_parameter)};
  s.forward = c.forward_token;
  if (c.max_token_bytes < 16 || c.max_token_bytes > 64 * 1024)
    return field("expected 16..65536 bytes", "max_token_bytes");
  s.max_bytes = c.max_token_bytes;
  if (c.verified_cache_size > 65536) return field("expected 0..65536 entries", "verified_cache_size");
  s.cache_slots = c.verified_cache_size;
  s.clock = std::move(c.clock);
  return FilterPtr(std::make_shared<JwtFilter>(std::move(s)));
}

}  // namespace portico::filters
