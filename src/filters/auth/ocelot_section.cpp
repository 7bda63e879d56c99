// ocelot.json: GlobalConfiguration.AuthenticationProviders (data where Ocelot has .NET code), a
// route's AuthenticationOptions (providers, first that authenticates wins; AllowedScopes) and
// RouteClaimsRequirement, into one filter per route.

#include "filters/auth/ocelot_section.hpp"

#include <cstdio>

#include "filters/jwt/jose.hpp"
#include "portico/filters/api_key.hpp"
#include "portico/filters/authorization.hpp"
#include "portico/filters/jwt.hpp"

namespace portico::filters::auth {

namespace {

using config::JsonNode;

Error at(std::string message, std::string where, Errc code = Errc::InvalidConfig) {
  return make_error(code, std::move(message), std::move(where));
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A C++ field path from make_jwt / make_api_key ("audiences[1]", "jwks.keys[0].n") on ocelot.json's keys.
std::string ocelot_where(const JsonNode& provider, std::string_view where) {
  struct Map {
    std::string_view field, key;
  };
  static constexpr Map kMap[] = {
      {"name", ""}, {"issuer", "Issuer"}, {"audiences", "Audiences"}, {"algorithms", "Algorithms"},
      {"secret", "Secret"}, {"public_key_file", "PublicKeyFile"}, {"jwks", "Jwks"},
      {"clock_skew", "ClockSkewSeconds"}, {"max_lifetime", "MaxLifetimeSeconds"},
      {"required_claims", "RequiredClaims"}, {"token_header", "TokenHeader"}, {"token_cookie", "TokenCookie"},
      {"token_query_parameter", "TokenQueryParameter"}, {"max_token_bytes", "MaxTokenBytes"}, {"verified_cache_size", "VerifiedCacheSize"},
      {"header", "Header"}, {"query_parameter", "QueryParameter"}, {"keys", "Keys"},
  };
  for (const auto& m : kMap) {
    if (!starts_with(where, m.field)) continue;
    std::string_view rest = where.substr(m.field.size());
    if (!rest.empty() && rest.front() != '[' && rest.front() != '.') continue;
    std::string out = m.key.empty() ? provider.path() : provider[m.key].path();
    if (m.field == "keys") {  // keys[i].key_sha256 → Keys[i].KeySha256
      std::string r(rest);
      for (auto [from, to] : {std::pair{".key_sha256", ".KeySha256"}, {".key", ".Key"}, {".consumer", ".Consumer"}})
        if (auto p = r.find(from); p != std::string::npos && p + std::string_view(from).size() == r.size())
          r.replace(p, std::string_view(from).size(), to);
      out += r;
    } else {
      out += rest;
    }
    return out;
  }
  return provider.path();
}

Result<std::string> opt_string(const JsonNode& n, std::string fallback = {}) {
  if (!n.present()) return fallback;
  return n.as_string();
}

Result<std::vector<std::string>> opt_strings(const JsonNode& n) {
  if (!n.present()) return std::vector<std::string>{};
  return n.as_strings();
}

// A JsonNode as strict JSON text (an inline Jwks object).
jwt::Json to_json(const JsonNode& n) {
  jwt::Json out;
  switch (n.kind()) {
    case JsonNode::Kind::Bool: out.kind = jwt::Json::Kind::Bool; out.boolean = n.as_bool().value(); break;
    case JsonNode::Kind::Number: {
      out.kind = jwt::Json::Kind::Number;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", n.as_number().value());
      out.text = buf;
      break;
    }
    case JsonNode::Kind::String: out.kind = jwt::Json::Kind::String; out.text = n.as_string().value(); break;
    case JsonNode::Kind::Array:
      out.kind = jwt::Json::Kind::Array;
      for (auto& [k, child] : n.children()) out.items.push_back(to_json(child));
      break;
    case JsonNode::Kind::Object:
      out.kind = jwt::Json::Kind::Object;
      for (auto& [k, child] : n.children()) out.members.emplace_back(k, to_json(child));
      break;
    default: break;
  }
  return out;
}

Result<void> no_unknown_keys(const JsonNode& n) {
  auto unread = n.unread_keys();
  if (unread.empty()) return {};
  return at("unknown key (a misspelt setting must not drop a check)", unread.front().where);
}

#define PORTICO_TRY_ASSIGN(lhs, expr)            \
  do {                                           \
    auto r_ = (expr);                            \
    if (!r_) return std::move(r_).error();       \
    lhs = std::move(*r_);                        \
  } while (0)

Result<FilterPtr> jwt_provider(const std::string& name, const JsonNode& p) {
  JwtConfig c;
  c.name = name;
  if (p["JwksUrl"].present() || p["JwksCacheSeconds"].present()) {
    auto where = p["JwksUrl"].present() ? p["JwksUrl"].path() : p["JwksCacheSeconds"].path();
    return at("fetching keys from a JWKS URL is not implemented yet; refusing to serve routes with this provider "
              "(give the keys as Jwks, PublicKeyFile or Secret)",
              where, Errc::Unsupported);
  }
  int sources = p["Secret"].present() + p["PublicKeyFile"].present() + p["Jwks"].present();
  if (sources != 1)
    return at(sources == 0 ? "a JWT provider needs a key: one of Secret, PublicKeyFile, Jwks (or JwksUrl)"
                           : "give exactly one of Secret, PublicKeyFile, Jwks, JwksUrl",
              p.path());
  PORTICO_TRY_ASSIGN(c.issuer, opt_string(p["Issuer"]));
  PORTICO_TRY_ASSIGN(c.audiences, opt_strings(p["Audiences"]));
  PORTICO_TRY_ASSIGN(c.algorithms, opt_strings(p["Algorithms"]));
  PORTICO_TRY_ASSIGN(c.secret, opt_string(p["Secret"]));
  PORTICO_TRY_ASSIGN(c.public_key_file, opt_string(p["PublicKeyFile"]));
  if (auto j = p["Jwks"]; j.present()) {
    if (j.is_string()) c.jwks = j.as_string().value();
    else if (j.is_object()) c.jwks = to_json(j).dump();
    else return at("expected a JWK Set (an object with \"keys\"), got " + j.describe(), j.path());
  }
  if (auto v = p["ClockSkewSeconds"]; v.present()) {
    std::int64_t s = 0;
    PORTICO_TRY_ASSIGN(s, v.as_integer(0, 86400));
    c.clock_skew = std::chrono::seconds(s);
  }
  if (auto v = p["RequireExpiration"]; v.present()) PORTICO_TRY_ASSIGN(c.require_expiration, v.as_bool());
  if (auto v = p["MaxLifetimeSeconds"]; v.present()) {
    std::int64_t s = 0;
    PORTICO_TRY_ASSIGN(s, v.as_integer(1, std::int64_t{10} * 365 * 86400));
    c.max_lifetime = std::chrono::seconds(s);
  }
  if (auto v = p["RequiredClaims"]; v.present()) PORTICO_TRY_ASSIGN(c.required_claims, v.as_string_pairs());
  PORTICO_TRY_ASSIGN(c.token_header, opt_string(p["TokenHeader"], "Authorization"));
  PORTICO_TRY_ASSIGN(c.token_cookie, opt_string(p["TokenCookie"]));
  PORTICO_TRY_ASSIGN(c.token_query_parameter, opt_string(p["TokenQueryParameter"]));
  if (auto v = p["ForwardToken"]; v.present()) PORTICO_TRY_ASSIGN(c.forward_token, v.as_bool());
  if (auto v = p["VerifiedCacheSize"]; v.present()) {
    std::int64_t n = 0;
    PORTICO_TRY_ASSIGN(n, v.as_integer(0, 65536));
    c.verified_cache_size = static_cast<std::size_t>(n);
  }
  if (auto v = p["MaxTokenBytes"]; v.present()) {
    std::int64_t s = 0;
    PORTICO_TRY_ASSIGN(s, v.as_integer(16, 65536));
    c.max_token_bytes = static_cast<std::size_t>(s);
  }
  if (auto ok = no_unknown_keys(p); !ok) return std::move(ok).error();
  auto made = make_jwt(std::move(c));
  if (!made) return at(made.error().message, ocelot_where(p, made.error().where));
  return made;
}

Result<FilterPtr> api_key_provider(const std::string& name, const JsonNode& p) {
  ApiKeyConfig c;
  c.name = name;
  PORTICO_TRY_ASSIGN(c.header, opt_string(p["Header"], "X-Api-Key"));
  PORTICO_TRY_ASSIGN(c.query_parameter, opt_string(p["QueryParameter"]));
  if (auto v = p["ForwardKey"]; v.present()) PORTICO_TRY_ASSIGN(c.forward_key, v.as_bool());
  auto keys = p["Keys"];
  if (!keys.present()) return at("required key is missing", keys.path());
  if (!keys.is_array()) return at("expected an array of {Key | KeySha256, Consumer}, got " + keys.describe(), keys.path());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto k = keys[i];
    if (!k.is_object()) return at("expected an object {Key | KeySha256, Consumer}, got " + k.describe(), k.path());
    ApiKeyEntry e;
    PORTICO_TRY_ASSIGN(e.key, opt_string(k["Key"]));
    PORTICO_TRY_ASSIGN(e.key_sha256, opt_string(k["KeySha256"]));
    PORTICO_TRY_ASSIGN(e.consumer, opt_string(k["Consumer"]));
    if (auto ok = no_unknown_keys(k); !ok) return std::move(ok).error();
    c.keys.push_back(std::move(e));
  }
  if (auto ok = no_unknown_keys(p); !ok) return std::move(ok).error();
  auto made = make_api_key(std::move(c));
  if (!made) return at(made.error().message, ocelot_where(p, made.error().where));
  return made;
}

struct Provider {
  std::string name;
  FilterPtr filter;
};

Result<std::vector<Provider>> providers(const JsonNode& all) {
  std::vector<Provider> out;
  if (!all.present()) return out;
  if (!starts_with(all.path(), "GlobalConfiguration"))
    return at("authentication providers are defined in GlobalConfiguration.AuthenticationProviders", all.path());
  if (!all.is_object()) return at("expected an object of named providers, got " + all.describe(), all.path());
  for (auto& [name, p] : all.children()) {
    if (!starts_with(p.path(), "GlobalConfiguration"))
      return at("authentication providers are defined in GlobalConfiguration.AuthenticationProviders", p.path());
    if (name.empty()) return at("a provider needs a name", p.path());
    if (!p.is_object()) return at("expected an object with a Type, got " + p.describe(), p.path());
    auto type_node = p["Type"];
    auto type = type_node.as_string();
    if (!type) return std::move(type).error();
    Result<FilterPtr> made = FilterPtr{};
    if (iequals(*type, "Jwt")) {
      made = jwt_provider(name, p);
    } else if (iequals(*type, "ApiKey")) {
      made = api_key_provider(name, p);
    } else if (iequals(*type, "OAuth2Introspection")) {
      p.children();  // its keys are known; the type is what is refused
      return at("OAuth2 token introspection is not implemented yet; refusing to serve routes with this provider",
                type_node.path(), Errc::Unsupported);
    } else {
      return at("expected Jwt, ApiKey or OAuth2Introspection, got \"" + *type + "\"", type_node.path());
    }
    if (!made) return std::move(made).error();
    out.push_back({name, std::move(*made)});
  }
  return out;
}

}  // namespace

Result<FilterPtr> ocelot_authentication_section(const config::SectionInput& in) {
  auto known = providers(in.node["AuthenticationProviders"]);
  if (!known) return std::move(known).error();

  auto ao = in.node["AuthenticationOptions"];
  if (ao.present() && !ao.is_object()) return at("expected an object, got " + ao.describe(), ao.path());
  // GlobalConfiguration.AuthenticationOptions.RouteKeys: the global options apply to these routes only.
  bool use_global = true;
  if (auto rk = ao["RouteKeys"]; rk.present()) {
    if (!starts_with(rk.path(), "GlobalConfiguration"))
      return at("RouteKeys belongs in GlobalConfiguration.AuthenticationOptions", rk.path());
    auto keys = rk.as_strings();
    if (!keys) return std::move(keys).error();
    use_global = false;
    for (const auto& k : *keys) use_global = use_global || (!in.route_key.empty() && k == in.route_key);
  }
  auto member = [&](std::string_view key) {
    auto n = ao[key];
    return !use_global && starts_with(n.path(), "GlobalConfiguration") ? JsonNode{} : n;
  };

  bool anonymous = false;
  if (auto a = member("AllowAnonymous"); a.present()) {
    auto b = a.as_bool();
    if (!b) return std::move(b).error();
    anonymous = *b;
  }
  // Provider names, AuthenticationProviderKey first, then AuthenticationProviderKeys (empty entries skipped).
  std::vector<std::pair<std::string, std::string>> names;  // name, where
  if (auto k = member("AuthenticationProviderKey"); k.present()) {
    auto s = k.as_string();
    if (!s) return std::move(s).error();
    if (!s->empty()) names.emplace_back(*s, k.path());
  }
  if (auto ks = member("AuthenticationProviderKeys"); ks.present()) {
    auto list = ks.as_strings();
    if (!list) return std::move(list).error();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& s = (*list)[i];
      bool dup = false;
      for (const auto& [n, w] : names) dup = dup || n == s;
      if (!s.empty() && !dup) names.emplace_back(s, ks[i].path());
    }
  }
  AuthorizationConfig authz;
  auto scopes_node = member("AllowedScopes");
  if (scopes_node.present()) {
    auto s = scopes_node.as_strings();
    if (!s) return std::move(s).error();
    for (auto& v : *s)
      if (!v.empty()) authz.allowed_scopes.push_back(std::move(v));
  }
  auto claims_node = in.node["RouteClaimsRequirement"];
  if (claims_node.present()) {
    auto c = claims_node.as_string_pairs();
    if (!c) return std::move(c).error();
    authz.required_claims = std::move(*c);
    for (std::size_t i = 0; i < authz.required_claims.size(); ++i)
      if (authz.required_claims[i].first.empty()) return at("a claim type cannot be empty", claims_node.path());
  }

  if (anonymous) {
    if (!authz.required_claims.empty())
      return at("a route that allows anonymous requests has no claims to check", claims_node.path());
    return FilterPtr{};
  }
  if (names.empty()) {
    if (!authz.allowed_scopes.empty())
      return at("AllowedScopes needs an AuthenticationProviderKey: scopes come from a verified token",
                scopes_node.path());
    if (!authz.required_claims.empty())
      return at("RouteClaimsRequirement needs AuthenticationOptions with an AuthenticationProviderKey: claims come "
                "from a verified token",
                claims_node.path());
    return FilterPtr{};
  }
  std::vector<FilterPtr> chosen;
  for (const auto& [name, where] : names) {
    const Provider* found = nullptr;
    for (const auto& p : *known)
      if (p.name == name) found = &p;
    if (!found) {
      std::string list;
      for (const auto& p : *known) {
        if (!list.empty()) list += ", ";
        list += p.name;
      }
      return at("\"" + name + "\" names no provider in GlobalConfiguration.AuthenticationProviders" +
                    (list.empty() ? std::string(" (it defines none)") : " (known: " + list + ")"),
                where);
    }
    chosen.push_back(found->filter);
  }
  auto made = make_authentication(std::move(chosen), std::move(authz));
  if (!made) return at(made.error().message, ao.path());
  return made;
}

}  // namespace portico::filters::auth
