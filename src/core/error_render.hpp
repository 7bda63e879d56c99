#pragma once
// Internal: gateway-made error responses through the host's renderer (the route's, else the
// config's, else render_problem), never letting a renderer's failure escape.

#include "portico/filter.hpp"

namespace portico::detail {

/// The error response for `info`: rendered by `route` if set, else `global` if set, else
/// render_problem; a renderer that throws falls back to render_problem. The status is info.status.
Response render_error(const ErrorRenderer* route, const ErrorRenderer& global, const ErrorInfo& info) noexcept;

}  // namespace portico::detail
