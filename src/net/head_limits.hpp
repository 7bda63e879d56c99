#pragma once
// Internal: the codec's head limits from the engine's ServerOptions.

#include "http/codec.hpp"
#include "portico/gateway.hpp"

namespace portico::detail {

/// The request-side limits from the engine's options (max_request_line_bytes, max_header_bytes,
/// max_header_count, encoded_slashes, max_header_line_bytes, underscores_in_headers, allow_trace).
inline HeadLimits request_limits(const ServerOptions& o) noexcept {
  return HeadLimits{o.max_request_line_bytes, o.max_header_bytes,       o.max_header_count, o.encoded_slashes,
                    o.max_header_line_bytes,  o.underscores_in_headers, o.allow_trace};
}
/// The upstream-response-side limits: max_upstream_header_bytes for the head, the request side's
/// line length and field count.
inline HeadLimits response_limits(const ServerOptions& o) noexcept {
  return HeadLimits{o.max_request_line_bytes, o.max_upstream_header_bytes, o.max_header_count, o.encoded_slashes};
}

}  // namespace portico::detail
