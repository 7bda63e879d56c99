#pragma once
/// Request id: keeps a valid id the client sent in a header, or uses the one the gateway made; forwards
/// it upstream under that header and returns it on the response (error responses included). Ocelot's
/// `RequestIdKey` (global and per route) loads into this filter.

#include <string>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

struct RequestIdConfig {
  std::string header = "X-Request-Id";  ///< where the id is read, forwarded and returned
  bool return_on_response = true;       ///< also set it on the response to the client
};

/// Validates `config` (the header is an HTTP token) and makes the filter (phase Edge). A client
/// value is kept when it is 1..128 visible ASCII characters; otherwise the gateway's id is used.
Result<FilterPtr> make_request_id(RequestIdConfig config);

}  // namespace portico::filters
