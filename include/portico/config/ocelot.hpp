#pragma once
/// Loads an Ocelot-format ocelot.json into a Portico Config (portico::config::load_ocelot).

#include <string>
#include <string_view>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"
#include "portico/gateway.hpp"

namespace portico::config {

/// A key the loader understood but the gateway does not act on (yet), with its JSON path.
struct Warning {
  std::string where;    ///< JSON path, e.g. "Routes[2].FileCacheOptions"
  std::string message;
};

/// The result of loading ocelot.json: a Config ready for Gateway::apply, plus what it warned about.
struct OcelotConfig {
  Config config;
  std::vector<Warning> warnings;
  std::string base_url;  ///< GlobalConfiguration.BaseUrl ("" if absent)
};

/// Parses ocelot.json text (comments and trailing commas allowed; keys case-insensitive).
/// Errors carry the JSON path of the offending value in Error::where.
Result<OcelotConfig> load_ocelot(std::string_view json, const FilterRegistry& filters = {});
/// Reads and parses a file; Errc::Io if it cannot be read.
Result<OcelotConfig> load_ocelot_file(const std::string& path, const FilterRegistry& filters = {});

}  // namespace portico::config
