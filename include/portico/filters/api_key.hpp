#pragma once
/// API keys: a request presents a key in a header (default `X-Api-Key`) or a query parameter; a key
/// the configuration lists maps to a consumer, recorded as the request's identity
/// (Exchange::identity()). Ocelot's `GlobalConfiguration.AuthenticationProviders` entries of
/// `"Type": "ApiKey"` load into this filter.

#include <string>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

/// One accepted key: the key itself or its SHA-256 (64 hex digits), and who it belongs to.
struct ApiKeyEntry {
  std::string key;         ///< the key as the client sends it; or ""
  std::string key_sha256;  ///< SHA-256 of the key, hex (either case); or ""
  std::string consumer;    ///< Identity::consumer for requests with this key (required)
};

struct ApiKeyConfig {
  /// The provider's name: Identity::provider of the requests it authenticates.
  std::string name = "api_key";
  /// Header holding the key (default `X-Api-Key`); "": none.
  std::string header = "X-Api-Key";
  /// Query parameter holding the key (percent-decoded before comparing); "": none.
  std::string query_parameter;
  /// The accepted keys (at least one).
  std::vector<ApiKeyEntry> keys;
  /// Forward the key upstream; false (the default) removes it from where it was found.
  bool forward_key = false;
};

/// Validates `config` (at least one key, each with exactly one of key and key_sha256 and a consumer)
/// and makes the filter (phase Authentication). Keys are compared as SHA-256 digests in constant time
/// against every entry. A request without a key gets 401; with an unknown key 401 too (the key is
/// never echoed). Errors name the field ("keys[2].key_sha256").
Result<FilterPtr> make_api_key(ApiKeyConfig config);

}  // namespace portico::filters
