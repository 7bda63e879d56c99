#pragma once
// Internal: address ranges of the IP rules filter. Every entry (an address, `address/prefix`,
// `a.b.c.d/netmask`, or `first-last`) becomes one inclusive range over the 16-byte form of
// http/cidr.hpp, where IPv4 is IPv4-mapped IPv6: "10.0.0.1" and "::ffff:10.0.0.1" are one address.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "http/cidr.hpp"

namespace portico::filters::detail {

struct AddressRange {
  std::array<std::uint8_t, 16> first{};
  std::array<std::uint8_t, 16> last{};
  bool contains(const portico::detail::IpAddress& a) const noexcept { return first <= a.bytes && a.bytes <= last; }
};

/// Parses one entry (surrounding spaces ignored); nullopt when it is none of the forms above, when
/// a netmask is not contiguous, or when a range's ends differ in family or are reversed.
std::optional<AddressRange> parse_address_range(std::string_view text) noexcept;

/// Ranges checked in order (lists are short: a linear scan).
class AddressRanges {
 public:
  void add(AddressRange r) { ranges_.push_back(r); }
  bool empty() const noexcept { return ranges_.empty(); }
  bool contains(const portico::detail::IpAddress& a) const noexcept {
    for (const auto& r : ranges_)
      if (r.contains(a)) return true;
    return false;
  }

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace portico::filters::detail
