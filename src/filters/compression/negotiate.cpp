#include "filters/compression/negotiate.hpp"

#include <optional>

#include "http/codec.hpp"
#include "http/text.hpp"
#include "portico/http.hpp"

namespace portico::filters::detail {

namespace {

using portico::iequals;
using portico::detail::is_token;
using portico::detail::trim;
constexpr char lower(char c) noexcept { return portico::detail::ascii_lower(c); }

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths.
std::optional<int> parse_qvalue(std::string_view s) noexcept {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  int whole = s[0] - '0';
  if (s.size() == 1) return whole * 1000;
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  int frac = 0;
  std::size_t digits = 0;
  for (std::size_t i = 2; i < s.size(); ++i, ++digits) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    frac = frac * 10 + (s[i] - '0');
  }
  for (; digits < 3; ++digits) frac *= 10;
  if (whole == 1 && frac != 0) return std::nullopt;
  return whole * 1000 + frac;
}

struct Member {
  std::string_view coding;
  int weight = 1000;
};

// One list member: `coding [ OWS ";" OWS "q=" qvalue ]`; nullopt when malformed.
std::optional<Member> parse_member(std::string_view m) noexcept {
  Member out;
  auto semi = m.find(';');
  out.coding = trim(m.substr(0, semi));
  if (!is_token(out.coding)) return std::nullopt;
  if (semi == std::string_view::npos) return out;
  auto param = trim(m.substr(semi + 1));
  if (param.size() < 2 || lower(param[0]) != 'q' || param[1] != '=') return std::nullopt;  // also a second ';'
  auto q = parse_qvalue(param.substr(2));
  if (!q) return std::nullopt;
  out.weight = *q;
  return out;
}

}  // namespace

std::string_view coding_name(Coding c) noexcept { return c == Coding::Brotli ? "br" : "gzip"; }

int choose_coding(std::span<const std::string_view> accept_encoding, std::span<const Coding> offered) {
  constexpr int unset = -1;
  int star = unset, identity = unset;
  int weights[2] = {unset, unset};  // by Coding
  int x_gzip = unset;
  for (std::string_view field : accept_encoding) {
    while (!field.empty()) {
      auto comma = field.find(',');
      auto member = parse_member(trim(field.substr(0, comma)));
      field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
      if (!member) continue;
      // A coding listed twice: the first member counts.
      auto take = [&](int& slot) {
        if (slot == unset) slot = member->weight;
      };
      if (member->coding == "*")
        take(star);
      else if (iequals(member->coding, "identity"))
        take(identity);
      else if (iequals(member->coding, "gzip"))
        take(weights[static_cast<int>(Coding::Gzip)]);
      else if (iequals(member->coding, "x-gzip"))
        take(x_gzip);
      else if (iequals(member->coding, "br"))
        take(weights[static_cast<int>(Coding::Brotli)]);
    }
  }
  int best = -1, best_weight = 0;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    int w = weights[static_cast<int>(offered[i])];
    if (w == unset && offered[i] == Coding::Gzip) w = x_gzip;
    if (w == unset) w = star;
    if (w > best_weight) {
      best = static_cast<int>(i);
      best_weight = w;
    }
  }
  if (best >= 0 && identity != unset && identity > best_weight) return -1;
  return best;
}

bool is_media_range(std::string_view range) noexcept {
  auto slash = range.find('/');
  if (slash == std::string_view::npos) return false;
  auto type = range.substr(0, slash), sub = range.substr(slash + 1);
  for (char c : range)
    if (c >= 'A' && c <= 'Z') return false;
  if (type == "*") return sub == "*";
  return is_token(type) && (sub == "*" || is_token(sub));
}

bool content_type_allowed(std::string_view content_type, std::span<const std::string> ranges) noexcept {
  auto media = trim(content_type.substr(0, content_type.find(';')));
  auto slash = media.find('/');
  if (slash == std::string_view::npos) return false;
  auto type = media.substr(0, slash), sub = media.substr(slash + 1);
  if (!is_token(type) || !is_token(sub)) return false;
  for (const auto& r : ranges) {
    std::string_view range = r;
    auto rs = range.find('/');
    auto rtype = range.substr(0, rs), rsub = range.substr(rs + 1);
    if (rtype == "*") return true;
    if (!iequals(type, rtype)) continue;
    if (rsub == "*" || iequals(sub, rsub)) return true;
  }
  return false;
}

}  // namespace portico::filters::detail
