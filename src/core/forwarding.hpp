#pragma once
// Internal: what a proxy must do to headers on the way through (RFC 9110 §7.6): hop-by-hop
// removal, Host, X-Forwarded-*, Forwarded, Via, request ids; and the upstream response clean-up.

#include <string>
#include <string_view>

#include "http/cidr.hpp"
#include "core/request_id.hpp"
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
  bool forward_host = false;            // X-Forwarded-Host, X-Forwarded-Port and Forwarded's host= from the client's Host
  bool set_real_ip = false;             // X-Real-IP: the resolved client address (else a trusted proxy's is kept)
  std::string_view request_id_header;   // "" to not forward one
  std::string_view request_id;
  std::string_view via;                 // "" for no Via
};

/// Builds the upstream's header list from the client's `source` fields in one pass: drops
/// Connection and the fields it names, Keep-Alive, TE, Transfer-Encoding, Upgrade, Trailer,
/// Proxy-Connection, Content-Length (the engine sets framing) and Host; then sets Host, the
/// forwarding headers, Via and the request id. The client's Host (a client-controlled value) is
/// echoed as X-Forwarded-Host/-Port and Forwarded's host= only with `forward_host`; a client's
/// X-Real-IP is kept only from a trusted proxy. Fields the gateway sets itself are never dropped
/// because Connection named them. With `consume`, the strings are moved out of `source`.
/// Errors (400): Connection names Host, Content-Length, Transfer-Encoding or Authorization.
Result<Headers> build_upstream_headers(Headers& source, bool consume, const Request& client, const ForwardSettings& s);

/// Removes hop-by-hop fields from an upstream response (Connection and what it names,
/// Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, Transfer-Encoding) in one pass, and not at
/// all when none is present. Content-Length is kept (the engine decides framing).
void clean_upstream_response(Headers& headers);

/// Removes Content-Length, Transfer-Encoding and the hop-by-hop fields (Connection, Keep-Alive,
/// Proxy-Connection, TE, Trailer, Upgrade) from a request the engine is about to frame itself.
void strip_framing_fields(Headers& headers);

/// Frames a request whose body is whole (`body_size` bytes): the framing fields are the engine's
/// (strip_framing_fields), plus a Content-Length when there is a body or the method may have one.
void frame_whole_request(Headers& headers, std::string_view method, std::size_t body_size);

}  // namespace portico::detail
