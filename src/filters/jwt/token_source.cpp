// Where a request carries its token: a header (Authorization: Bearer by default), a cookie, a query
// parameter. Every configured place is looked at, so two different tokens are noticed.

#include "filters/jwt/token_source.hpp"

#include <optional>
#include <vector>

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

FoundToken find_token(const Request& request, const TokenSources& sources) {
  std::vector<std::string> found;
  if (!sources.header.empty()) {
    const bool authorization = iequals(sources.header, "Authorization");
    for (auto v : request.headers.get_all(sources.header))
      if (auto t = after_bearer(v, authorization)) found.emplace_back(*t);
  }
  if (!sources.cookie.empty())
    if (auto c = request.cookie(sources.cookie)) found.emplace_back(*c);
  if (!sources.query.empty())
    if (auto q = request.query_param(sources.query)) {
      auto decoded = auth::percent_decode(*q);
      found.push_back(decoded ? std::move(*decoded) : std::string("%"));  // a bad escape fails as a token
    }
  FoundToken out;
  if (found.empty()) return out;
  for (const auto& t : found)
    if (t != found.front()) {
      out.kind = FoundToken::Kind::Ambiguous;
      return out;
    }
  out.kind = FoundToken::Kind::Found;
  out.token = std::move(found.front());
  return out;
}

}  // namespace portico::filters::jwt
