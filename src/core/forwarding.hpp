#pragma once
// Internal: what a proxy must do to headers on the way through (RFC 9110 §7.6): hop-by-hop
// removal, Host, X-Forwarded-*, Forwarded, Via, request ids; and the upstream response clean-up.

#include <string>
#include <string_view>

#include "core/cidr.hpp"
#include "portico/error.hpp"
#include "portico/http.hpp"

namespace portico::detail {

/// The real client address: the TCP peer, or — when the peer is a trusted proxy — the right-most
/// X-Forwarded-For entry that is not itself a trusted proxy.
std::string resolve_client_address(const Request& request, const CidrSet& trusted);

/// Settings for building the upstream request head.
struct ForwardSettings {
  const CidrSet* trusted = nullptr;
  std::string_view upstream_authority;  // "host:port" for Host (omitting default ports is the caller's choice)
  bool preserve_host = false;
  std::string_view request_id_header;   // "" to not forward one
  std::string_view request_id;
  std::string_view via;                 // "" for no Via
};

/// Rewrites `headers` (the client's, in place) into the headers for the upstream: removes
/// Connection and the fields it names, Keep-Alive, TE, Transfer-Encoding, Upgrade,
/// Proxy-Connection, Content-Length (the engine sets framing), Host; sets Host, the forwarding
/// headers and Via. Fields the gateway sets itself are never removed because Connection named
/// them. Returns an error (400) when Connection names Host, Content-Length, Transfer-Encoding or
/// Authorization.
Result<void> prepare_upstream_headers(Headers& headers, const Request& client, const ForwardSettings& s);

/// Removes hop-by-hop fields from an upstream response (Connection and what it names,
/// Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, Transfer-Encoding). Content-Length is kept
/// (the engine decides framing).
void clean_upstream_response(Headers& headers);

/// A new random request id (16 lower-case hex digits).
std::string generate_request_id();

/// True if a client-sent request id is acceptable to keep (1..128 visible ASCII characters).
bool is_acceptable_request_id(std::string_view id) noexcept;

}  // namespace portico::detail
