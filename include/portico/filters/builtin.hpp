#pragma once
/// The built-in filters by name, for configs that name their filters (a host's own JSON, or
/// ocelot.json's DelegatingHandlers). Registered explicitly: nothing registers itself.

#include "portico/filter.hpp"

namespace portico::config {
class SectionRegistry;
}

namespace portico::filters {

/// Adds every built-in filter's factory to `registry` under its name. Each factory reads its own
/// JSON shape (documented on the filter's page); an unknown key is an error at its path.
///   "Compression":     {"Algorithms": ["br", "gzip"], "MinBytes": 1024, "GzipLevel": 6, "BrotliQuality": 4}
///   "HeaderTransform": {"Upstream": {"X-A": "v"}, "Downstream": {"Location": "a, b"}, "BaseUrl": "https://gw"}
///   "IpRules":         {"Allowed": ["10.0.0.0/8"], "Blocked": [], "ExcludeAllowedFromBlocked": false, "Status": 403}
///   "RequestId":       {"Header": "X-Request-Id", "ReturnOnResponse": true}
void register_builtin_filters(FilterRegistry& registry);

/// Adds the ocelot.json sections the built-in filters read to `sections`, in this order:
///   UpstreamHeaderTransform + DownstreamHeaderTransform → one header transform (route and global)
///   RequestIdKey → request id (route and global; "" counts as absent)
///   AuthenticationOptions + RouteClaimsRequirement + AuthenticationProviders (GlobalConfiguration)
///     + AddClaimsToRequest + AddHeadersToRequest + AddQueriesToRequest
///     → the route's authentication, authorization and claims transforms (JWT and API-key providers)
///   CompressionOptions → compression (route and global, merged key by key; "Enabled": false turns it off)
///   SecurityOptions → IP rules (the route's section with a non-empty list, else GlobalConfiguration's)
///   RateLimitOptions + RateLimitPolicies → one rate limit (route and global; filters/rate_limit.hpp)
///   ConcurrencyLimit → concurrency limit (route and global, a counter per route)
/// load_ocelot always reads these first (a host's SectionRegistry holds only its own sections, so a
/// built-in section can never go missing); hosts call this to list or test the table. Fails
/// (Errc::InvalidArgument) when `sections` already has one of these keys.
Result<void> register_builtin_sections(config::SectionRegistry& sections);

}  // namespace portico::filters
