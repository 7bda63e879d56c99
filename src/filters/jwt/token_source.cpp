// Where a request carries its token: a header (Authorization: Bearer by default), a cookie, a query
// parameter. Every configured place is looked at, so two different tokens are noticed.

#include "filters/jwt/token_source.hpp"

#include <optional>

#include "filters/auth/authenticator.hpp"

namespace portico::filters::jwt {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "Bearer <token>" (scheme case-insensitive, RFC 6750 §2.1); nullopt for another scheme.
std::optional<std::string_view> after_bearer(std::string_view v, bool required) {
  v = trim(v);
  if (v.size() >= 6 && iequals(v.substr(0, 6), "Bearer") && (v.size() == 6 || v[6] == ' ' || v[6] == '\t'))
    return trim(v.substr(6));
  if (required) return std::nullopt;
  return v;
}

}  // namespace

void find_token(const Request& request, const TokenSources& sources, FoundToken& out) {
  out = FoundToken{};
  bool ambiguous = false;
  auto take = [&](std::string_view t) {
    if (out.kind == FoundToken::Kind::None) {
      out.kind = FoundToken::Kind::Found;
      out.token = t;
    } else if (t != out.token) {
      ambiguous = true;
    }
  };
  if (!sources.header.empty()) {
    const bool authorization = iequals(sources.header, "Authorization");
    for (const auto& f : request.headers)
      if (iequals(f.name, sources.header))
        if (auto t = after_bearer(f.value, authorization)) take(*t);
  }
  if (!sources.cookie.empty())
    if (auto c = request.cookie(sources.cookie)) take(*c);
  if (!sources.query.empty())
    if (auto q = request.query_param(sources.query)) {
      auto decoded = auth::percent_decode(*q);
      out.decoded = decoded ? std::move(*decoded) : std::string("%");  // a bad escape fails as a token
      if (out.kind == FoundToken::Kind::None) {
        out.kind = FoundToken::Kind::Found;
        out.token = out.decoded;
      } else if (out.decoded != out.token) {
        ambiguous = true;
      }
    }
  if (ambiguous) out.kind = FoundToken::Kind::Ambiguous;
}

}  // namespace portico::filters::jwt
