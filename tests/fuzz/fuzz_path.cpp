// Fuzzes normalize_path (both slash modes), is_valid_authority and is_valid_query.
// Invariants: the result starts with '/', has no empty, "." or ".." segment, no lower-case hex
// escape, no encoded unreserved byte, normalizes to itself; Reject succeeding implies Keep
// succeeds with the same result; every accepted authority is made of the allowed bytes only.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/codec.hpp"

using namespace portico;
using namespace portico::detail;

namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void check_normalized(const std::string& p) {
  FUZZ_CHECK(!p.empty() && p[0] == '/');
  std::string_view rest(p);
  rest.remove_prefix(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
      FUZZ_CHECK(seg != "." && seg != "..");  // may be empty: a trailing slash
      break;
    }
    FUZZ_CHECK(!seg.empty() && seg != "." && seg != "..");
    rest.remove_prefix(slash + 1);
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '\\' && c != '#' && c != '?');
    if (c == '%') {
      FUZZ_CHECK(i + 2 < p.size());
      const char h = p[i + 1];
      const char l = p[i + 2];
      FUZZ_CHECK(((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F')) && ((l >= '0' && l <= '9') || (l >= 'A' && l <= 'F')));
      const int v = (h <= '9' ? h - '0' : h - 'A' + 10) * 16 + (l <= '9' ? l - '0' : l - 'A' + 10);
      FUZZ_CHECK(v != 0 && !unreserved(static_cast<char>(v)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string keep;
  std::string reject;
  const HttpError ek = normalize_path(in, EncodedSlashes::Keep, keep);
  const HttpError er = normalize_path(in, EncodedSlashes::Reject, reject);
  if (ek) FUZZ_CHECK(ek.status == 400);
  if (er) FUZZ_CHECK(er.status == 400);
  if (!er) {
    FUZZ_CHECK(!ek);
    FUZZ_CHECK(keep == reject);
  }
  if (!ek) {
    FUZZ_CHECK(keep.size() <= in.size() || in.empty());
    check_normalized(keep);
    std::string again;
    FUZZ_CHECK(!normalize_path(keep, EncodedSlashes::Keep, again));
    FUZZ_CHECK(again == keep);
  }

  if (is_valid_authority(in)) {
    FUZZ_CHECK(!in.empty() && in.size() <= 253 + 1 + 6 + 2 + 45);
    for (char c : in) {
      const bool ok = unreserved(c) || c == ':' || c == '[' || c == ']';
      FUZZ_CHECK(ok && c != '~');
    }
  }
  if (is_valid_query(in)) {
    for (char c : in) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '#');
  }
  // Request::make never throws and always yields a target and a path.
  const Request r = Request::make("GET", std::string(in));
  FUZZ_CHECK(!r.target.empty());
  return 0;
}
