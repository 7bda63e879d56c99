// Grammar checks shared by the parsers and serializers: token, field-value, query, authority.

#include <arpa/inet.h>

#include <cstring>

#include "http/text.hpp"
#include "http/chars.hpp"
#include "http/codec.hpp"

namespace portico::detail {

bool is_token(std::string_view s) noexcept { return !s.empty() && chars::all_of(s, chars::kToken); }

bool is_field_value(std::string_view s) noexcept { return chars::all_field_value(s); }

bool is_framing_field(std::string_view n) noexcept {
  switch (n.size()) {  // the length first: most fields are rejected without a comparison
    case 2: return iequals(n, "TE");
    case 7: return iequals(n, "Upgrade") || iequals(n, "Trailer");
    case 10: return iequals(n, "Connection") || iequals(n, "Keep-Alive");
    case 14: return iequals(n, "Content-Length");
    case 16: return iequals(n, "Proxy-Connection");
    case 17: return iequals(n, "Transfer-Encoding");
    case 18: return iequals(n, "Proxy-Authenticate");
    default: return false;
  }
}

bool is_valid_query(std::string_view s) noexcept { return chars::all_of(s, chars::kQuery); }

namespace {

bool is_valid_reg_name(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // one trailing dot: an FQDN
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;  // empty label: "..", leading '.', or "." alone
      label = 0;
      continue;
    }
    if (!chars::has(c, chars::kHostLabel) || ++label > 63) return false;
  }
  return label != 0;
}

bool is_valid_ipv6_literal(std::string_view inside) noexcept {
  // inet_pton needs a NUL-terminated string; the longest textual IPv6 address is 45 bytes.
  if (inside.empty() || inside.size() > 45) return false;
  // Only hex digits, ':' and '.': inet_pton stops at a NUL, so "[::1\0junk]" must fail here.
  for (char c : inside)
    if (!is_hex(c) && c != ':' && c != '.') return false;
  char buf[46];
  std::memcpy(buf, inside.data(), inside.size());
  buf[inside.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

bool is_valid_port(std::string_view port) noexcept {
  if (port.empty() || port.size() > 5) return false;
  const auto v = parse_decimal(port);
  return v && *v <= 65535;
}

}  // namespace

bool is_valid_authority(std::string_view host) noexcept {
  if (host.empty()) return false;
  std::string_view name;
  std::string_view rest;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    if (!is_valid_ipv6_literal(host.substr(1, close - 1))) return false;
    rest = host.substr(close + 1);
  } else {
    const auto colon = host.find(':');
    name = host.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : host.substr(colon);
    if (!is_valid_reg_name(name)) return false;
  }
  if (rest.empty()) return true;
  return rest.front() == ':' && is_valid_port(rest.substr(1));
}

}  // namespace portico::detail
