// What the authentication providers share: the request phase of a single provider, trying several
// providers in order, the 401/403 answers, removing credentials, and the authorization checks.

#include "filters/auth/authenticator.hpp"

#include <memory>

namespace portico::filters::auth {

namespace {

// A quoted-string's content for a WWW-Authenticate parameter: descriptions are Portico's own text,
// but keep the field valid whatever they hold.
std::string quoted_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') out.push_back(c);
  return out;
}

// Each value of a `scope` (space-separated) or `scp` (array elements, each possibly space-separated) claim.
bool has_scope(const Identity& id, std::string_view wanted) {
  for (const auto& [type, value] : id.claims) {
    if (type != "scope" && type != "scp") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto sp = rest.find(' ');
      if (rest.substr(0, sp) == wanted) return true;
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
  }
  return false;
}

void authenticated(Exchange& ex, Outcome& outcome) { ex.set_identity(std::move(outcome.identity)); }

class Authorize final : public Filter {
 public:
  explicit Authorize(AuthorizationConfig c) : c_(std::move(c)) {}
  std::string_view name() const noexcept override { return "authorization"; }
  Phase phase() const noexcept override { return Phase::Authorization; }
  bool may_set_framing_fields() const noexcept override { return false; }
  FilterResult on_request(Exchange& ex) const override {
    const Identity* id = ex.identity();
    if (!id) return FilterResult::respond(unauthorized(ex, {"Bearer"}, "authentication is required"));
    bool scope = false;
    auto why = authorization_failure(c_, *id, scope);
    if (why.empty()) return FilterResult::next();
    return FilterResult::respond(forbidden(ex, scope ? "Bearer error=\"insufficient_scope\"" : "", why));
  }

 private:
  AuthorizationConfig c_;
};

class FirstOf final : public Filter {
 public:
  FirstOf(std::vector<std::shared_ptr<const Authenticator>> providers, AuthorizationConfig authz)
      : providers_(std::move(providers)), authz_(std::move(authz)), authorizes_(asks_anything(authz_)) {}
  std::string_view name() const noexcept override { return "authentication"; }
  Phase phase() const noexcept override { return Phase::Authentication; }
  bool may_set_framing_fields() const noexcept override { return false; }

  FilterResult on_request(Exchange& ex) const override {
    std::vector<Outcome> failed;
    for (const auto& p : providers_) {
      Outcome o = p->authenticate(ex);
      if (o.kind != Outcome::Kind::Authenticated) {
        failed.push_back(std::move(o));
        continue;
      }
      authenticated(ex, o);
      for (const auto& q : providers_) q->strip(ex.request());
      if (authorizes_) {
        bool scope = false;
        auto why = authorization_failure(authz_, *ex.identity(), scope);
        if (!why.empty())
          return FilterResult::respond(forbidden(ex, scope ? "Bearer error=\"insufficient_scope\"" : "", why));
      }
      return FilterResult::next();
    }
    std::vector<std::string> challenges;
    std::string detail;
    for (std::size_t i = 0; i < failed.size(); ++i) {
      challenges.push_back(providers_[i]->challenge(failed[i]));
      if (detail.empty() && failed[i].kind == Outcome::Kind::Rejected) detail = failed[i].description;
    }
    if (detail.empty()) detail = "no credentials were given";
    return FilterResult::respond(unauthorized(ex, challenges, detail));
  }
  void on_upstream_request(Exchange&, Request& upstream) const override {
    for (const auto& p : providers_) p->strip_upstream(upstream);
  }

 private:
  std::vector<std::shared_ptr<const Authenticator>> providers_;
  AuthorizationConfig authz_;
  bool authorizes_;
};

}  // namespace

FilterResult Authenticator::on_request(Exchange& ex) const {
  Outcome o = authenticate(ex);
  if (o.kind != Outcome::Kind::Authenticated)
    return FilterResult::respond(unauthorized(
        ex, {challenge(o)}, o.kind == Outcome::Kind::Rejected ? o.description : "no credentials were given"));
  authenticated(ex, o);
  strip(ex.request());
  return FilterResult::next();
}

void Authenticator::on_upstream_request(Exchange&, Request& upstream) const { strip_upstream(upstream); }

Response unauthorized(const Exchange& ex, const std::vector<std::string>& challenges, std::string_view detail) {
  Response r = Response::problem(401, detail, ex.request_id());
  for (const auto& c : challenges) r.headers.add("WWW-Authenticate", c);
  return r;
}

Response forbidden(const Exchange& ex, std::string_view challenge, std::string_view detail) {
  Response r = Response::problem(403, detail, ex.request_id());
  if (!challenge.empty()) r.headers.add("WWW-Authenticate", std::string(challenge));
  return r;
}

std::string bearer_challenge(std::string_view description) {
  if (description.empty()) return "Bearer";
  std::string c = "Bearer error=\"invalid_token\", error_description=\"";
  c += quoted_safe(description);
  c += '"';
  return c;
}

void strip_cookie(Headers& headers, std::string_view name) {
  auto& fields = headers.fields();
  for (std::size_t i = 0; i < fields.size();) {
    if (!iequals(fields[i].name, "Cookie")) {
      ++i;
      continue;
    }
    std::string kept;
    std::string_view rest = fields[i].value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      std::string_view trimmed = pair;
      while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
      auto eq = trimmed.find('=');
      std::string_view key = trimmed.substr(0, eq);
      while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
      if (key != name && !trimmed.empty()) {
        if (!kept.empty()) kept += "; ";
        kept += trimmed;
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
    if (kept.empty()) {
      fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      fields[i].value = std::move(kept);
      ++i;
    }
  }
}

void strip_query(std::string& target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string::npos) return;
  std::string_view query = std::string_view(target).substr(q + 1);
  std::string kept;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, pair.find('=')) != name && !pair.empty()) {
      if (!kept.empty()) kept += '&';
      kept += pair;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  target.resize(q);
  if (!kept.empty()) {
    target += '?';
    target += kept;
  }
}

std::optional<std::string> percent_decode(std::string_view raw) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      out.push_back(' ');
    } else if (raw[i] == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;
      int h = hex(raw[i + 1]), l = hex(raw[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      out.push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

bool asks_anything(const AuthorizationConfig& c) noexcept {
  return !c.allowed_scopes.empty() || !c.required_claims.empty() || static_cast<bool>(c.predicate);
}

std::string authorization_failure(const AuthorizationConfig& c, const Identity& id, bool& scope_failed) {
  scope_failed = false;
  if (!c.allowed_scopes.empty()) {
    bool any = false;
    for (const auto& s : c.allowed_scopes) any = any || has_scope(id, s);
    if (!any) {
      scope_failed = true;
      return "the token has none of the allowed scopes";
    }
  }
  for (const auto& [type, value] : c.required_claims) {
    if (!id.has_claim(type, value)) {
      std::string why = "claim ";
      why += type;
      why += " does not have the required value";
      return why;
    }
  }
  if (c.predicate && !c.predicate(id)) return "the request is not authorized";
  return {};
}

}  // namespace portico::filters::auth

namespace portico::filters {

Result<FilterPtr> make_authorization(AuthorizationConfig config) {
  for (std::size_t i = 0; i < config.allowed_scopes.size(); ++i)
    if (config.allowed_scopes[i].empty())
      return make_error(Errc::InvalidConfig, "a scope cannot be empty", "allowed_scopes[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < config.required_claims.size(); ++i)
    if (config.required_claims[i].first.empty())
      return make_error(Errc::InvalidConfig, "a claim type cannot be empty", "required_claims[" + std::to_string(i) + "]");
  return FilterPtr(std::make_shared<auth::Authorize>(std::move(config)));
}

Result<FilterPtr> make_authentication(std::vector<FilterPtr> providers, AuthorizationConfig authorization) {
  if (providers.empty()) return make_error(Errc::InvalidConfig, "at least one provider is required", "providers");
  std::vector<std::shared_ptr<const auth::Authenticator>> list;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    auto p = std::dynamic_pointer_cast<const auth::Authenticator>(providers[i]);
    if (!p)
      return make_error(Errc::InvalidConfig, "expected a filter made by make_jwt or make_api_key",
                        "providers[" + std::to_string(i) + "]");
    list.push_back(std::move(p));
  }
  if (auto checked = make_authorization(authorization); !checked) return std::move(checked).error();
  return FilterPtr(std::make_shared<auth::FirstOf>(std::move(list), std::move(authorization)));
}

}  // namespace portico::filters
