#pragma once
// ocelot.json section of the rate-limit filters (registered in src/filters/builtin/register.cpp).

#include "portico/config/sections.hpp"

namespace portico::filters::detail {

/// `RateLimitOptions` (Ocelot's rule, route and global, and Portico's global Storage keys) and
/// `RateLimitPolicies` (Portico's policies): one filter per route.
Result<FilterPtr> rate_limit_section(const config::SectionInput& in);

}  // namespace portico::filters::detail
