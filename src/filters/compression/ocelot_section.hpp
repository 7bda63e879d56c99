#pragma once
// The compression filter from JSON: the registry's "Compression" factory and ocelot.json's
// CompressionOptions section (registered in src/filters/builtin/register.cpp).

#include "portico/config/json.hpp"
#include "portico/config/sections.hpp"
#include "portico/filter.hpp"

namespace portico::filters::detail {

/// FilterRegistry's "Compression": the CompressionOptions shape; unknown keys are errors.
Result<FilterPtr> compression_from(const config::JsonNode& node);

/// ocelot.json's `CompressionOptions` (route over GlobalConfiguration): the filter, or none when
/// `"Enabled": false`.
Result<FilterPtr> compression_section(const config::SectionInput& in);

}  // namespace portico::filters::detail
