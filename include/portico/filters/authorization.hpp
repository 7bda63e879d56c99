#pragma once
/// Authorization over the identity an authentication filter established (JWT, API key): allowed
/// scopes, required claim values and a host predicate; and a filter that tries several
/// authentication providers in order (the first that authenticates wins). Ocelot's route
/// `AuthenticationOptions` and `RouteClaimsRequirement` load into these.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

struct AuthorizationConfig {
  /// Any one suffices: found in the `scope` claim (space-separated) or the `scp` claim (an array, or
  /// space-separated). Empty: no scope check.
  std::vector<std::string> allowed_scopes;
  /// Each claim must have exactly this value (an array claim: one of its elements).
  std::vector<std::pair<std::string, std::string>> required_claims;
  /// Runs last when set; false answers 403. Called on the loop thread: must not block.
  std::function<bool(const Identity&)> predicate;
};

/// Makes the filter (phase Authorization): a request without an identity gets 401, one whose
/// identity fails a check 403 (`WWW-Authenticate: Bearer error="insufficient_scope"` for scopes).
Result<FilterPtr> make_authorization(AuthorizationConfig config);

/// Makes a filter (phase Authentication) that tries `providers` (filters made by make_jwt or
/// make_api_key) in order: the first that authenticates the request sets its identity; when none
/// does the request gets 401 with every provider's challenge. `authorization`, when it asks for
/// anything, is then checked as make_authorization does. Errc::InvalidConfig when `providers` is
/// empty or holds another kind of filter.
Result<FilterPtr> make_authentication(std::vector<FilterPtr> providers, AuthorizationConfig authorization = {});

}  // namespace portico::filters
