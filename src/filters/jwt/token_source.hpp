#pragma once
// Internal to the JWT filter: where a request carries its token.

#include <string>
#include <string_view>

#include "portico/http.hpp"

namespace portico::filters::jwt {

struct TokenSources {
  std::string header;  // "" none; Authorization: after "Bearer "
  std::string cookie;
  std::string query;
};

struct FoundToken {
  enum class Kind { None, Found, Ambiguous };
  Kind kind = Kind::None;
  std::string_view token;  // into the request, or into `decoded`
  std::string decoded;     // a percent-decoded query parameter
};

/// The one token the request carries in the configured places. Several different tokens (two
/// Authorization fields, a header and a cookie that differ) are Ambiguous: a request may not carry
/// one token for the gateway and another for the upstream. `out.token` may point into `out`.
void find_token(const Request& request, const TokenSources& sources, FoundToken& out);

}  // namespace portico::filters::jwt
