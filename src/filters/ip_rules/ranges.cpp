#include "filters/ip_rules/ranges.hpp"

#include <string>

#include "http/text.hpp"

namespace portico::filters::detail {

using portico::detail::Cidr;
using portico::detail::IpAddress;
using portico::detail::trim;

namespace {

/// The range of `base` with `prefix` leading bits kept (prefix in the 128-bit space).
AddressRange of_prefix(const IpAddress& base, unsigned prefix) noexcept {
  AddressRange r;
  for (unsigned i = 0; i < 16; ++i) {
    unsigned kept = prefix >= (i + 1) * 8 ? 8 : (prefix > i * 8 ? prefix - i * 8 : 0);
    auto mask = static_cast<std::uint8_t>(kept == 0 ? 0 : 0xff << (8 - kept));
    r.first[i] = static_cast<std::uint8_t>(base.bytes[i] & mask);
    r.last[i] = static_cast<std::uint8_t>(base.bytes[i] | static_cast<std::uint8_t>(~mask));
  }
  return r;
}

/// The prefix length of a contiguous IPv4 netmask ("255.255.255.0" → 24), or nullopt.
std::optional<unsigned> netmask_bits(std::string_view text) noexcept {
  auto mask = IpAddress::parse(text);
  if (!mask || !mask->v4) return std::nullopt;
  std::uint32_t m = (std::uint32_t{mask->bytes[12]} << 24) | (std::uint32_t{mask->bytes[13]} << 16) |
                    (std::uint32_t{mask->bytes[14]} << 8) | std::uint32_t{mask->bytes[15]};
  unsigned bits = 0;
  while (bits < 32 && (m & (0x80000000u >> bits))) ++bits;
  if (bits < 32 && (m << bits) != 0) return std::nullopt;  // a one after a zero: not contiguous
  return bits;
}

}  // namespace

std::optional<AddressRange> parse_address_range(std::string_view text) noexcept {
  text = trim(text);
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    auto a = IpAddress::parse(trim(text.substr(0, dash)));
    auto b = IpAddress::parse(trim(text.substr(dash + 1)));
    if (!a || !b || a->v4 != b->v4 || b->bytes < a->bytes) return std::nullopt;
    return AddressRange{a->bytes, b->bytes};
  }
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    auto suffix = text.substr(slash + 1);
    if (suffix.find('.') != std::string_view::npos) {  // a.b.c.d/255.255.255.0
      auto base = IpAddress::parse(text.substr(0, slash));
      auto bits = netmask_bits(suffix);
      if (!base || !base->v4 || !bits) return std::nullopt;
      return of_prefix(*base, *bits + 96);
    }
    auto cidr = Cidr::parse(text);
    if (!cidr) return std::nullopt;
    return of_prefix(cidr->base, cidr->prefix);
  }
  auto a = IpAddress::parse(text);
  if (!a) return std::nullopt;
  return AddressRange{a->bytes, a->bytes};
}

}  // namespace portico::filters::detail
