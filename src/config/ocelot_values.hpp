#pragma once
// Internal: syntax checks for values in ocelot.json (tokens, hosts, IP addresses and CIDR ranges).

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// A method of the IANA HTTP method registry (GET, PATCH, PROPFIND, QUERY, ...), or PURGE;
/// ASCII case-insensitive.
bool is_known_http_method(std::string_view method) noexcept;
/// The registered method closest to `method` ("GTE" → "GET"), or "" when none is close.
std::string_view closest_http_method(std::string_view method) noexcept;

/// Edit distance (insertions, deletions, substitutions, adjacent transpositions), ASCII
/// case-insensitive. Inputs longer than 64 characters count as far from everything.
std::size_t edit_distance(std::string_view a, std::string_view b) noexcept;
/// The candidate closest to `word` within a typo's distance (1 for short words, up to 3 for long
/// ones), or nullopt. Ties go to the earlier candidate. For "did you mean" hints.
std::optional<std::string_view> closest_name(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace portico::detail
