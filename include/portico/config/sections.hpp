#pragma once
/// ocelot.json feature sections: route keys (and, where allowed, GlobalConfiguration keys) mapped to a
/// factory that makes the route's filter from the merged section. load_ocelot reads Portico's
/// built-in sections (filters::register_builtin_sections) and a host's own (OcelotLoadOptions::sections).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/config/json.hpp"
#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::config {

/// What a section factory gets for one route. Valid during the call only (the views point into the
/// loader); copy what the filter keeps.
struct SectionInput {
  /// An object holding the section's keys that the route has or inherits: GlobalConfiguration's
  /// value under the route's (JsonNode::merge; the route's keys win). Its path is the route's
  /// (`Routes[2]`): `node["MyTagOptions"]["Tag"]` reads `Routes[2].MyTagOptions.Tag`, or
  /// `GlobalConfiguration.MyTagOptions.Tag` when inherited.
  JsonNode node;
  std::string_view route_id;                ///< the Route's id (its Key, or "route-<i>")
  std::string_view route_key;               ///< the route's Key ("" when it has none; for RouteKeys lists)
  std::string_view route_path;              ///< "Routes[2]" ("ReRoutes[2]" in legacy files)
  std::string_view upstream_path_template;  ///< the route's UpstreamPathTemplate, placeholders included
  std::string_view base_url;                ///< GlobalConfiguration.BaseUrl ("" if absent)
  /// GlobalConfiguration's members for the section's keys alone, unmerged (path
  /// `GlobalConfiguration`), for sections whose global value replaces rather than merges (Ocelot's
  /// SecurityOptions); absent when GlobalConfiguration has none or the section takes no global keys.
  /// Read settings through `node` otherwise: unread keys are warned from it.
  JsonNode global;
  /// Where the factory adds warnings (a value it replaced, with its path); never null in the loader.
  std::vector<Warning>* warnings = nullptr;
};

/// Makes a route's filter from its section; a null FilterPtr adds nothing. An Error fails the load at
/// its `where` (give the node's path), or at the section's first key on the route when empty. Called
/// on the loading thread, once per route that has or inherits one of the section's keys.
using SectionFactory = std::function<Result<FilterPtr>(const SectionInput& input)>;

/// One entry of the loader's table. The filter's phase (Filter::phase()) places it in the chain, so
/// the order of keys in the file never matters. After the factory ran, keys it did not read inside
/// the section's objects are warned with their paths ("unknown key, ignored").
struct Section {
  /// The keys it reads, in canonical spelling (matched ASCII case-insensitively). Several keys feed one
  /// filter (`UpstreamHeaderTransform` and `DownstreamHeaderTransform` make one header transform).
  std::vector<std::string> keys;
  /// GlobalConfiguration may carry the keys, merged under every route's. When false, the keys in
  /// GlobalConfiguration are unknown keys (warned).
  bool allow_global = true;
  /// A value "" counts as absent, so GlobalConfiguration's applies (Ocelot's IsNullOrEmpty; RequestIdKey).
  bool empty_string_is_absent = false;
  SectionFactory factory;
};

/// The host's table of sections, handed to load_ocelot. Built at startup on one thread, then only read.
/// A key belongs to one section; the built-in sections' keys and the keys the loader reads itself
/// (UpstreamPathTemplate, RateLimitOptions, …) cannot be taken.
class SectionRegistry {
 public:
  /// Adds `section`; Errc::InvalidArgument when it has no key, no factory, or a key (case-insensitive)
  /// an earlier section has.
  Result<void> add(Section section);
  /// The sections in the order added (the order their factories run for a route).
  const std::vector<Section>& sections() const noexcept { return sections_; }
  /// The section reading `key` (case-insensitive), or nullptr.
  const Section* find(std::string_view key) const noexcept;

 private:
  std::vector<Section> sections_;
};

}  // namespace portico::config
