#pragma once
// Internal: the ocelot.json authentication section (AuthenticationOptions, RouteClaimsRequirement and
// GlobalConfiguration.AuthenticationProviders), registered by register_builtin_sections.

#include "portico/config/sections.hpp"

namespace portico::filters::auth {

/// Makes the route's authentication filter (the providers it names, in order, then its scopes and
/// claims requirement); null when the route asks for no authentication. Every provider is validated.
Result<FilterPtr> ocelot_authentication_section(const config::SectionInput& in);

}  // namespace portico::filters::auth
