#pragma once
// Internal: the absolute URL of a loop-client request (ClientRequest::url) split into the endpoint
// to connect to, the origin-form target and the Host field.

#include <string>
#include <string_view>

#include "portico/error.hpp"
#include "portico/upstream.hpp"

namespace portico::detail {

struct ClientUrl {
  Endpoint endpoint;  // scheme "http" or "https", host without brackets, port (80/443 by default)
  std::string target; // path and query ("/" when the URL has none); a fragment is dropped
  std::string host;   // the Host field: the host as written, with ":port" when one was given
};

/// Parses `http[s]://host[:port][/path][?query][#fragment]` (scheme case-insensitive; host a name,
/// IPv4 or [IPv6]). No user info, no empty host, port 1-65535, visible ASCII only. Errors are
/// Errc::InvalidArgument naming what is wrong.
Result<ClientUrl> parse_client_url(std::string_view url);

}  // namespace portico::detail
