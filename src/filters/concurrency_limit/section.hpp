#pragma once
// ocelot.json section of the concurrency limit (registered in src/filters/builtin/register.cpp).

#include "portico/config/sections.hpp"

namespace portico::filters::detail {

/// `ConcurrencyLimit` {MaxConcurrent, MaxQueue, QueueTimeoutMs}, route or GlobalConfiguration
/// (each route then has its own counter).
Result<FilterPtr> concurrency_limit_section(const config::SectionInput& in);

}  // namespace portico::filters::detail
