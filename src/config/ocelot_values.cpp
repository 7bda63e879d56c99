#include "config/ocelot_values.hpp"

#include <algorithm>
#include <array>

#include "http/text.hpp"

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

namespace {

// The IANA HTTP Method Registry, most used first (closest_http_method prefers earlier ones), and PURGE.
constexpr std::array<std::string_view, 41> kKnownMethods = {
    "GET",       "POST",        "PUT",        "DELETE",     "PATCH",        "HEAD",          "OPTIONS",
    "TRACE",     "CONNECT",     "QUERY",      "PROPFIND",   "PROPPATCH",    "MKCOL",         "COPY",
    "MOVE",      "LOCK",        "UNLOCK",     "SEARCH",     "REPORT",       "MKCALENDAR",    "ACL",
    "BIND",      "UNBIND",      "REBIND",     "LINK",       "UNLINK",       "MERGE",         "CHECKIN",
    "CHECKOUT",  "UNCHECKOUT",  "LABEL",      "UPDATE",     "MKACTIVITY",   "MKWORKSPACE",   "ORDERPATCH",
    "BASELINE-CONTROL", "VERSION-CONTROL", "MKREDIRECTREF", "UPDATEREDIRECTREF", "PRI", "PURGE",
};

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

constexpr std::size_t kMaxCompared = 64;

// How far a word may be from its candidate to count as a typo of it.
std::size_t typo_distance(std::size_t length) noexcept { return length <= 5 ? 1 : length <= 11 ? 2 : 3; }

}  // namespace

bool is_known_http_method(std::string_view method) noexcept {
  for (auto m : kKnownMethods)
    if (iequal(m, method)) return true;
  return false;
}

std::string_view closest_http_method(std::string_view method) noexcept {
  std::vector<std::string_view> candidates(kKnownMethods.begin(), kKnownMethods.end());
  return closest_name(method, candidates).value_or(std::string_view{});
}

std::size_t edit_distance(std::string_view a, std::string_view b) noexcept {
  if (a.size() > kMaxCompared || b.size() > kMaxCompared) return static_cast<std::size_t>(-1);
  // Optimal string alignment distance over three rolling rows.
  std::array<std::size_t, kMaxCompared + 1> before{}, prev{}, cur{};
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && ascii_lower(a[i - 1]) == ascii_lower(b[j - 2]) &&
          ascii_lower(a[i - 2]) == ascii_lower(b[j - 1]))
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.size()];
}

std::optional<std::string_view> closest_name(std::string_view word,
                                             const std::vector<std::string_view>& candidates) {
  const std::size_t limit = typo_distance(word.size());
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (auto c : candidates) {
    const std::size_t gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (gap > limit) continue;
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace portico::detail
