#pragma once
// Internal: byte-class tables of the codec (RFC 9110 / RFC 3986), built at compile time; filters that
// validate header names and values use them too.

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace portico::detail::chars {

enum : std::uint8_t {
  kToken = 1 << 0,       // tchar
  kFieldValue = 1 << 1,  // field-vchar / SP / HTAB / obs-text
  kPathRaw = 1 << 2,     // pchar without '%' (unreserved, sub-delims, ':', '@')
  kUnreserved = 1 << 3,  // ALPHA DIGIT - . _ ~
  kQuery = 1 << 4,       // visible ASCII except '#'
  kHostLabel = 1 << 5,   // ALPHA DIGIT - _
};

constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t v = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    const bool unreserved = alpha || digit || c == '-' || c == '.' || c == '_' || c == '~';
    const bool sub_delim = c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
                           c == '+' || c == ',' || c == ';' || c == '=';
    const bool tchar = alpha || digit || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' ||
                       c == '*' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' ||
                       c == '|' || c == '~';
    if (tchar) v |= kToken;
    if ((c >= 0x21 && c <= 0x7e) || c >= 0x80 || c == ' ' || c == '\t') v |= kFieldValue;
    if (unreserved || sub_delim || c == ':' || c == '@') v |= kPathRaw;
    if (unreserved) v |= kUnreserved;
    if (c >= 0x21 && c <= 0x7e && c != '#') v |= kQuery;
    if (alpha || digit || c == '-' || c == '_') v |= kHostLabel;
    t[static_cast<std::size_t>(c)] = v;
  }
  return t;
}

inline constexpr std::array<std::uint8_t, 256> kTable = make_table();

constexpr bool has(char c, std::uint8_t cls) noexcept {
  return (kTable[static_cast<unsigned char>(c)] & cls) != 0;
}

/// True when every byte of `s` is in class `cls`.
constexpr bool all_of(std::string_view s, std::uint8_t cls) noexcept {
  for (char c : s)
    if (!has(c, cls)) return false;
  return true;
}

/// all_of(s, kFieldValue), eight bytes at a time: a word with no byte < 0x20 and no 0x7F is valid
/// as a whole (bytes >= 0x80 are obs-text); a word with one (HTAB, or a real CTL) is checked bytewise.
inline bool all_field_value(std::string_view s) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;  // some byte < 0x20
    const std::uint64_t del = w ^ (kOnes * 0x7f);
    const std::uint64_t is_del = (del - kOnes) & ~del & kHigh;  // some byte == 0x7F
    if ((below_space | is_del) != 0 && !all_of(std::string_view(p, 8), kFieldValue)) return false;
    p += 8;
    n -= 8;
  }
  return all_of(std::string_view(p, n), kFieldValue);
}

}  // namespace portico::detail::chars
