#pragma once
// The IP rules filter from JSON: the registry's "IpRules" factory and ocelot.json's SecurityOptions
// section (registered in src/filters/builtin/register.cpp).

#include "portico/config/json.hpp"
#include "portico/config/sections.hpp"
#include "portico/filter.hpp"

namespace portico::filters::detail {

/// FilterRegistry's "IpRules": {"Allowed": [...], "Blocked": [...], "ExcludeAllowedFromBlocked":
/// false, "Status": 403}; unknown keys are errors.
Result<FilterPtr> ip_rules_from(const config::JsonNode& node);

/// ocelot.json's `SecurityOptions`: IPAllowedList, IPBlockedList, ExcludeAllowedFromBlocked. As
/// Ocelot, the route's section when it has a non-empty list, otherwise GlobalConfiguration's whole;
/// no filter when both lists are empty.
Result<FilterPtr> security_options_section(const config::SectionInput& in);

}  // namespace portico::filters::detail
