#pragma once
/// Claims transforms: values of the verified identity's claims put into request headers, query
/// parameters or further claims, with Ocelot's `Claims[sub] > value[1] > |` syntax. Ocelot's
/// `AddHeadersToRequest`, `AddClaimsToRequest` and `AddQueriesToRequest` load into this.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

/// Which value of the identity to take: claim `claim`'s (first) value, or, with `index`, the
/// index-th piece of it split by `delimiter`.
struct ClaimSelector {
  std::string claim;
  std::optional<std::size_t> index;
  std::string delimiter;
};

/// Parses `Claims[<type>] > value` or `Claims[<type>] > value[<i>] > <delimiter>` (spaces around
/// `>` ignored). Errc::InvalidConfig otherwise.
Result<ClaimSelector> parse_claim_selector(std::string_view text);

struct ClaimsTransformConfig {
  std::vector<std::pair<std::string, ClaimSelector>> headers;  ///< header name → value (client's field removed first)
  std::vector<std::pair<std::string, ClaimSelector>> claims;   ///< claim type → value, added to the identity
  std::vector<std::pair<std::string, ClaimSelector>> queries;  ///< query parameter → value (replaces the client's)
};

/// Makes the filter (phase Transform). A request without an identity gets 401; one whose identity
/// lacks a selected claim (or piece) gets 403, as Ocelot. Header names must be tokens and not framing
/// fields (errors at `headers[i]`).
Result<FilterPtr> make_claims_transform(ClaimsTransformConfig config);

}  // namespace portico::filters
