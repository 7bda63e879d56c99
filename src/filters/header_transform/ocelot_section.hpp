#pragma once
// Internal: Ocelot's header transform objects as (name, value) pairs → HeaderEdits, for loaders that
// have read the section already. `where` is the section's JSON path; errors name `where.Name`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/filters/header_transform.hpp"

namespace portico::filters::ocelot {

Result<void> header_edits(const std::vector<std::pair<std::string, std::string>>& pairs, bool response_side,
                                 std::string_view where, std::vector<HeaderEdit>& out);

}  // namespace portico::filters::ocelot
