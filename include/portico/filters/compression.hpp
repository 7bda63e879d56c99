#pragma once
/// Response compression: gzip (zlib) and brotli (libbrotlienc) of response bodies, negotiated by
/// the client's `Accept-Encoding` (q-values included), for an allow list of content types, above a
/// minimum size, streamed piece by piece (the body is never buffered whole). ocelot.json's
/// `CompressionOptions` (route and GlobalConfiguration) loads into this filter.

#include <cstddef>
#include <string>
#include <vector>

#include "portico/config/json.hpp"
#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

struct CompressionConfig {
  /// The codings offered, in the server's order of preference: "br" and/or "gzip". It breaks ties
  /// between codings the client weighs equally.
  std::vector<std::string> algorithms = {"br", "gzip"};
  /// Responses whose Content-Length is below this are sent as they are. A response of unknown
  /// length (chunked, close-delimited) is compressed.
  std::size_t min_bytes = 1024;
  /// Media types compressed (parameters such as `charset` are ignored; case-insensitive):
  /// `type/subtype`, `type/*` or `*/*`. A response without Content-Type is not compressed.
  std::vector<std::string> content_types = {"application/json", "application/javascript", "application/xml",
                                            "image/svg+xml", "text/*"};
  /// zlib level for gzip, 1 (fastest) to 9 (smallest).
  int gzip_level = 6;
  /// Brotli quality, 0 (fastest) to 11 (smallest).
  int brotli_quality = 4;
};

/// Validates `config` (known, distinct algorithms, at least one; media ranges well formed, at least
/// one; gzip_level 1..9; brotli_quality 0..11) and makes the filter (phase Transform). Errors name
/// the field: `algorithms[1]`, `gzip_level`.
Result<FilterPtr> make_compression(CompressionConfig config);

/// Reads the JSON shape shared by ocelot.json's `CompressionOptions` and the registry's
/// `"Compression"` factory: `{"Algorithms": ["br", "gzip"], "MinBytes": 1024, "ContentTypes":
/// ["application/json", "text/*"], "GzipLevel": 6, "BrotliQuality": 4}`. Absent keys keep the
/// CompressionConfig defaults; every error names its JSON path (`Routes[0].CompressionOptions.GzipLevel`).
/// `Enabled` is not read here (see the docs): callers that accept it read it first.
Result<CompressionConfig> compression_config_from(const config::JsonNode& options);

}  // namespace portico::filters
