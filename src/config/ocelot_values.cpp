#include "config/ocelot_values.hpp"

#include "core/text.hpp"

namespace portico::detail {

bool is_http_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = is_alpha(c) || is_digit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_ipv4_address(std::string_view s) noexcept {
  int parts = 0;
  while (true) {
    std::size_t n = 0;
    unsigned value = 0;
    while (n < s.size() && is_digit(s[n]) && n < 4) value = value * 10 + static_cast<unsigned>(s[n++] - '0');
    if (n == 0 || n > 3 || value > 255 || (n > 1 && s[0] == '0')) return false;
    ++parts;
    s.remove_prefix(n);
    if (parts == 4) return s.empty();
    if (s.empty() || s.front() != '.') return false;
    s.remove_prefix(1);
  }
}

bool is_ipv6_address(std::string_view s) noexcept {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;  // "::"
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    // An embedded IPv4 address ends the text and counts as two groups.
    std::size_t next_colon = s.find(':', i);
    std::string_view piece =
        s.substr(i, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - i);
    if (next_colon == std::string_view::npos && piece.find('.') != std::string_view::npos) {
      if (!is_ipv4_address(piece)) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (piece.empty() || piece.size() > 4) return false;
    for (char c : piece)
      if (!is_hex(c)) return false;
    ++groups;
    if (next_colon == std::string_view::npos) {
      i = s.size();
      break;
    }
    i = next_colon + 1;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

std::optional<std::string> normalize_cidr(std::string_view s) {
  auto slash = s.find('/');
  std::string_view address = s.substr(0, slash);
  bool v4 = is_ipv4_address(address);
  if (!v4 && !is_ipv6_address(address)) return std::nullopt;
  unsigned max_prefix = v4 ? 32 : 128;
  if (slash == std::string_view::npos) return std::string(address) + "/" + std::to_string(max_prefix);
  std::string_view prefix = s.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 || (prefix.size() > 1 && prefix[0] == '0')) return std::nullopt;
  auto bits = parse_decimal(prefix);
  if (!bits || *bits > max_prefix) return std::nullopt;
  return std::string(s);
}

std::optional<std::string> normalize_upstream_host(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    s = s.substr(1, s.size() - 2);
    if (!is_ipv6_address(s)) return std::nullopt;
    return std::string(s);
  }
  if (s.find(':') != std::string_view::npos) {
    if (!is_ipv6_address(s)) return std::nullopt;
    return std::string(s);
  }
  if (s.empty() || s.size() > 253) return std::nullopt;
  for (char c : s)
    if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_')) return std::nullopt;
  return std::string(s);
}

}  // namespace portico::detail
