// register_builtin_filters: one line per built-in filter, its factory reading a config node.
// register_builtin_sections: one entry per ocelot.json section a built-in filter reads.

#include "portico/filters/builtin.hpp"

#include "filters/auth/ocelot_section.hpp"
#include "filters/compression/ocelot_section.hpp"
#include "filters/ip_rules/ocelot_section.hpp"
#include "portico/config/sections.hpp"
#include "portico/filters/header_transform.hpp"
#include "portico/filters/request_id.hpp"
#include "filters/concurrency_limit/section.hpp"
#include "filters/rate_limit/section.hpp"

namespace portico::filters {

namespace {

/// A node that must be an object (or absent); keys nobody read are errors (a typo must not
/// silently drop a setting).
Result<void> no_unread_keys(const config::JsonNode& node) {
  auto unread = node.unread_keys();
  if (unread.empty()) return {};
  return make_error(Errc::InvalidConfig, "unknown key", unread.front().where);
}

Result<void> object_or_absent(const config::JsonNode& node) {
  if (node.present() && !node.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + node.describe(), node.path());
  return {};
}

Result<FilterPtr> header_transform_from(const config::JsonNode& node) {
  if (auto ok = object_or_absent(node); !ok) return std::move(ok).error();
  std::string base_url;
  if (auto b = node["BaseUrl"]; b.present()) {
    auto s = b.as_string();
    if (!s) return std::move(s).error();
    base_url = std::move(*s);
  }
  auto cfg = ocelot_header_transform(node["Upstream"], node["Downstream"], std::move(base_url));
  if (!cfg) return std::move(cfg).error();
  if (auto ok = no_unread_keys(node); !ok) return std::move(ok).error();
  return make_header_transform(std::move(*cfg));
}

Result<FilterPtr> request_id_from(const config::JsonNode& node) {
  if (auto ok = object_or_absent(node); !ok) return std::move(ok).error();
  RequestIdConfig cfg;
  if (auto h = node["Header"]; h.present()) {
    auto s = h.as_string();
    if (!s) return std::move(s).error();
    cfg.header = std::move(*s);
  }
  if (auto r = node["ReturnOnResponse"]; r.present()) {
    auto b = r.as_bool();
    if (!b) return std::move(b).error();
    cfg.return_on_response = *b;
  }
  if (auto ok = no_unread_keys(node); !ok) return std::move(ok).error();
  auto made = make_request_id(std::move(cfg));
  if (!made) return make_error(made.error().code, made.error().message, node["Header"].path());
  return made;
}

// ocelot.json: UpstreamHeaderTransform and DownstreamHeaderTransform make one filter.
Result<FilterPtr> header_transform_section(const config::SectionInput& in) {
  auto upstream = in.node["UpstreamHeaderTransform"];
  auto cfg = ocelot_header_transform(upstream, in.node["DownstreamHeaderTransform"], std::string(in.base_url));
  if (!cfg) return std::move(cfg).error();
  if (cfg->request.empty() && cfg->response.empty()) return FilterPtr{};
  auto made = make_header_transform(std::move(*cfg));
  if (!made) return make_error(made.error().code, made.error().message, upstream.path());
  return made;
}

// ocelot.json: RequestIdKey, the route's or GlobalConfiguration's ("" counts as absent).
Result<FilterPtr> request_id_section(const config::SectionInput& in) {
  auto key = in.node["RequestIdKey"];
  auto header = key.as_string();
  if (!header) return std::move(header).error();
  if (header->empty()) return FilterPtr{};
  auto made = make_request_id({.header = std::move(*header)});
  if (!made) return make_error(made.error().code, made.error().message, key.path());
  return made;
}

}  // namespace

void register_builtin_filters(FilterRegistry& registry) {
  registry.add("Compression", detail::compression_from);
  registry.add("HeaderTransform", header_transform_from);
  registry.add("IpRules", detail::ip_rules_from);
  registry.add("RequestId", request_id_from);
}

Result<void> register_builtin_sections(config::SectionRegistry& sections) {
  const config::Section builtin[] = {
      {.keys = {"UpstreamHeaderTransform", "DownstreamHeaderTransform"}, .factory = header_transform_section},
      {.keys = {"RequestIdKey"}, .empty_string_is_absent = true, .factory = request_id_section},
      {.keys = {"AuthenticationOptions", "RouteClaimsRequirement", "AuthenticationProviders", "AddClaimsToRequest",
                "AddHeadersToRequest", "AddQueriesToRequest"},
       .factory = auth::ocelot_authentication_section},
      {.keys = {"CompressionOptions"}, .allow_global = true, .factory = detail::compression_section},
      {.keys = {"SecurityOptions"}, .factory = detail::security_options_section},
      {.keys = {"RateLimitOptions", "RateLimitPolicies"}, .factory = detail::rate_limit_section},
      {.keys = {"ConcurrencyLimit"}, .factory = detail::concurrency_limit_section},
  };
  for (const auto& s : builtin)
    if (auto added = sections.add(s); !added) return added;
  return {};
}

}  // namespace portico::filters
