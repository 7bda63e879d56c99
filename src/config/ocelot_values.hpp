#pragma once
// Internal: syntax checks for values in ocelot.json (tokens, hosts, IP addresses and CIDR ranges).

#include <optional>
#include <string>
#include <string_view>

namespace portico::detail {

/// An RFC 9110 token (header names, methods, cookie names).
bool is_http_token(std::string_view s) noexcept;
/// A dotted-quad IPv4 address without leading zeros ("10.0.0.1").
bool is_ipv4_address(std::string_view s) noexcept;
/// An RFC 4291 text IPv6 address ("::1", "fd00::1", "::ffff:10.0.0.1"); no zone id, no brackets.
bool is_ipv6_address(std::string_view s) noexcept;
/// "10.0.0.0/8", "fd00::/8", or a single address; returns the CIDR form ("10.0.0.1" → "10.0.0.1/32"),
/// or nullopt if invalid.
std::optional<std::string> normalize_cidr(std::string_view s);
/// A DNS name or an IP address usable as an upstream host (IPv6 with or without brackets).
/// Returns the host as an Endpoint holds it (brackets removed), or nullopt.
std::optional<std::string> normalize_upstream_host(std::string_view s);

}  // namespace portico::detail
