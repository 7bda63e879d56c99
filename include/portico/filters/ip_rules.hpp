#pragma once
/// IP rules: allow and block lists of client addresses (single addresses, CIDR ranges, and
/// `first-last` ranges, IPv4 and IPv6). The address checked is Exchange::client_address(): the TCP
/// peer, or the forwarded address when the peer is a trusted proxy (ServerOptions::trusted_proxies),
/// never a header the client sent on its own. Ocelot's `SecurityOptions` (route and global) loads
/// into this filter.

#include <string>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

struct IpRulesConfig {
  /// Non-empty: only these addresses get in (every other address is refused).
  std::vector<std::string> allowed;
  /// These addresses are refused.
  std::vector<std::string> blocked;
  /// An address on both lists gets in (Ocelot's `ExcludeAllowedFromBlocked`); by default the block
  /// list wins.
  bool exclude_allowed_from_blocked = false;
  /// The status of a refused request (Ocelot 25 answers 403; earlier versions 401).
  int status = 403;
};

/// Validates `config` (every entry an IPv4 or IPv6 address, `address/prefix`, `address/netmask` for
/// IPv4, or `first-last` with first ≤ last of one family; a status 400–599) and makes the filter
/// (phase Edge). A refused request gets a problem response with `status`; a client address that
/// cannot be parsed is refused whenever a list is set.
Result<FilterPtr> make_ip_rules(IpRulesConfig config);

}  // namespace portico::filters
