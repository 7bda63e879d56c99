// normalize_path: one form of every path, for routing, auth and forwarding (security.md §3.5).
// One pass: each segment is validated and decoded into `out` right after its '/', then merged
// away if it is empty, "." or ".." (RFC 3986 §5.2.4 remove_dot_segments, plus slash merging).

#include "http/text.hpp"
#include "http/chars.hpp"
#include "http/codec.hpp"

namespace portico::detail {

namespace {

constexpr HttpError bad(std::string_view reason) { return HttpError{400, reason}; }

constexpr char kUpperHex[] = "0123456789ABCDEF";

}  // namespace

HttpError normalize_path(std::string_view raw, EncodedSlashes encoded_slashes, std::string& out) {
  out.clear();
  if (raw.empty() || raw.front() != '/') return bad("path does not start with '/'");
  out.reserve(raw.size());
  const std::size_t n = raw.size();
  std::size_t i = 0;
  while (i < n) {
    ++i;  // raw[i] was '/'
    const std::size_t slash_at = out.size();
    out.push_back('/');
    const std::size_t seg_start = out.size();
    while (i < n && raw[i] != '/') {
      const char c = raw[i];
      if (c == '%') {
        if (i + 2 >= n || !is_hex(raw[i + 1]) || !is_hex(raw[i + 2])) return bad("malformed percent-escape in path");
        const auto v = static_cast<unsigned char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
        if (v == 0) return bad("%00 in path");
        const char d = static_cast<char>(v);
        if ((d == '/' || d == '\\') && encoded_slashes == EncodedSlashes::Reject)
          return bad("encoded slash or backslash in path");
        if (chars::has(d, chars::kUnreserved)) {
          out.push_back(d);
        } else {
          out.push_back('%');
          out.push_back(kUpperHex[v >> 4]);
          out.push_back(kUpperHex[v & 15]);
        }
        i += 3;
      } else if (chars::has(c, chars::kPathRaw)) {
        std::size_t j = i + 1;  // copy the whole run of plain bytes at once
        while (j < n && chars::has(raw[j], chars::kPathRaw)) ++j;
        out.append(raw.data() + i, j - i);
        i = j;
      } else {
        return bad("invalid byte in path (CTL, space, backslash, '#', '?', non-ASCII or other)");
      }
    }
    const bool last = i >= n;
    const std::string_view seg(out.data() + seg_start, out.size() - seg_start);
    if (seg.empty() || seg == ".") {
      out.resize(slash_at);  // merge slashes / drop "."
    } else if (seg == "..") {
      out.resize(slash_at);
      const auto prev = out.rfind('/');
      out.resize(prev == std::string::npos ? 0 : prev);  // above the root stays at the root
    } else {
      if (seg.substr(0, 2) == ".;" || seg.substr(0, 3) == "..;") return bad("dot segment with parameters in path");
      continue;
    }
    if (last) out.push_back('/');  // a trailing "/", "/." or "/.." keeps the directory form
  }
  if (out.empty()) out.push_back('/');
  return {};
}

}  // namespace portico::detail
