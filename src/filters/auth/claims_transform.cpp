// Claims transforms: Ocelot's `Claims[type] > value[i] > delimiter` into headers, claims and query
// parameters. Shared by make_claims_transform and the ocelot.json authentication filter.

#include "portico/filters/claims_transform.hpp"

#include <charconv>
#include <memory>

#include "filters/auth/authenticator.hpp"
#include "http/codec.hpp"

namespace portico::filters {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error bad(std::string message) { return make_error(Errc::InvalidConfig, std::move(message)); }

// Query parameter values as RFC 3986 unreserved characters, others percent-encoded.
std::string query_encode(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class ClaimsTransform final : public Filter {
 public:
  explicit ClaimsTransform(ClaimsTransformConfig c) : c_(std::move(c)) {}
  std::string_view name() const noexcept override { return "claims_transform"; }
  Phase phase() const noexcept override { return Phase::Transform; }
  bool may_set_framing_fields() const noexcept override { return false; }  // names checked at make
  FilterResult on_request(Exchange& ex) const override {
    if (!ex.identity()) return FilterResult::respond(auth::unauthorized(ex, {"Bearer"}, "authentication is required"));
    auto why = auth::apply_claims_to_claims(c_, ex);
    if (why.empty()) why = auth::queries_missing(c_, *ex.identity());
    if (why.empty()) why = auth::apply_claims_to_headers(c_, ex);
    if (!why.empty()) return FilterResult::respond(auth::forbidden(ex, "", why));
    return FilterResult::next();
  }
  void on_upstream_request(Exchange& ex, Request& upstream) const override {
    auth::apply_claims_to_queries(c_, ex, upstream);
  }

 private:
  ClaimsTransformConfig c_;
};

}  // namespace

Result<ClaimSelector> parse_claim_selector(std::string_view text) {
  ClaimSelector s;
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  for (;;) {
    auto gt = rest.find('>');
    parts.push_back(trim(rest.substr(0, gt)));
    if (gt == std::string_view::npos) break;
    rest.remove_prefix(gt + 1);
  }
  const std::string_view first = parts[0];
  if (first.size() < 8 || first.substr(0, 7) != "Claims[" || first.back() != ']')
    return bad("expected Claims[<type>] > value[<index>] > <delimiter>, got \"" + std::string(text) + "\"");
  s.claim = std::string(first.substr(7, first.size() - 8));
  if (s.claim.empty()) return bad("the claim type is empty in \"" + std::string(text) + "\"");
  if (parts.size() < 2 || parts.size() > 3)
    return bad("expected Claims[<type>] > value[<index>] > <delimiter>, got \"" + std::string(text) + "\"");
  std::string_view v = parts[1];
  if (v == "value") {
    if (parts.size() == 3 && !parts[2].empty())
      return bad("a delimiter needs an index: value[<index>], in \"" + std::string(text) + "\"");
    return s;
  }
  if (v.size() < 8 || v.substr(0, 6) != "value[" || v.back() != ']')
    return bad("expected value or value[<index>], got \"" + std::string(v) + "\"");
  std::size_t i = 0;
  auto digits = v.substr(6, v.size() - 7);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (ec != std::errc{} || p != digits.data() + digits.size() || digits.empty())
    return bad("expected a number in value[<index>], got \"" + std::string(v) + "\"");
  if (parts.size() != 3 || parts[2].empty())
    return bad("value[<index>] needs a delimiter: Claims[x] > value[1] > |, in \"" + std::string(text) + "\"");
  s.index = i;
  s.delimiter = std::string(parts[2]);
  return s;
}

Result<FilterPtr> make_claims_transform(ClaimsTransformConfig config) {
  if (auto ok = auth::check_claims_transform(config); !ok) return std::move(ok).error();
  return FilterPtr(std::make_shared<ClaimsTransform>(std::move(config)));
}

namespace auth {

std::optional<std::string> select_claim(const ClaimSelector& s, const Identity& id) {
  const std::string* v = id.claim(s.claim);
  if (!v) return std::nullopt;
  if (!s.index) return *v;
  std::string_view rest = *v;
  for (std::size_t k = 0;; ++k) {
    auto d = rest.find(s.delimiter);
    if (k == *s.index) return std::string(rest.substr(0, d));
    if (d == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(d + s.delimiter.size());
  }
}

Result<void> check_claims_transform(const ClaimsTransformConfig& c) {
  for (std::size_t i = 0; i < c.headers.size(); ++i) {
    const auto& name = c.headers[i].first;
    if (!detail::is_token(name) || detail::is_framing_field(name))
      return make_error(Errc::InvalidConfig, "expected a header name, got \"" + name + "\"",
                        "headers[" + std::to_string(i) + "]");
  }
  for (std::size_t i = 0; i < c.claims.size(); ++i)
    if (c.claims[i].first.empty())
      return make_error(Errc::InvalidConfig, "a claim type cannot be empty", "claims[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < c.queries.size(); ++i)
    if (c.queries[i].first.empty() || c.queries[i].first.find_first_of("&=#? ") != std::string::npos)
      return make_error(Errc::InvalidConfig, "expected a query parameter name, got \"" + c.queries[i].first + "\"",
                        "queries[" + std::to_string(i) + "]");
  return {};
}

namespace {
std::string missing(const std::string& claim) {
  std::string why = "the token lacks the claim ";
  why += claim;
  why += " this route needs";
  return why;
}
}  // namespace

std::string apply_claims_to_claims(const ClaimsTransformConfig& c, Exchange& ex) {
  if (c.claims.empty()) return {};
  Identity id = *ex.identity();
  for (const auto& [type, sel] : c.claims) {
    auto v = select_claim(sel, id);
    if (!v) return missing(sel.claim);
    id.claims.emplace_back(type, std::move(*v));
  }
  ex.set_identity(std::move(id));
  return {};
}

std::string apply_claims_to_headers(const ClaimsTransformConfig& c, Exchange& ex) {
  for (const auto& [name, sel] : c.headers) ex.request().headers.remove(name);  // never the client's
  for (const auto& [name, sel] : c.headers) {
    auto v = select_claim(sel, *ex.identity());
    if (!v) return missing(sel.claim);
    // A claim value with CR, LF or NUL cannot be a header value: refuse rather than forward a part.
    if (v->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      std::string why = "the claim ";
      why += sel.claim;
      why += " cannot be a header value";
      return why;
    }
    ex.request().headers.add(name, std::move(*v));
  }
  return {};
}

void apply_claims_to_queries(const ClaimsTransformConfig& c, const Exchange& ex, Request& upstream) {
  if (c.queries.empty() || !ex.identity()) return;
  for (const auto& [name, sel] : c.queries) {
    strip_query(upstream.target, name);
    auto v = select_claim(sel, *ex.identity());
    if (!v) continue;  // on_request refused such a request already
    upstream.target += upstream.target.find('?') == std::string::npos ? '?' : '&';
    upstream.target += query_encode(name);
    upstream.target += '=';
    upstream.target += query_encode(*v);
  }
}

std::string queries_missing(const ClaimsTransformConfig& c, const Identity& id) {
  for (const auto& [name, sel] : c.queries)
    if (!select_claim(sel, id)) return missing(sel.claim);
  return {};
}

}  // namespace auth

}  // namespace portico::filters
