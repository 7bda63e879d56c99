#pragma once
// Internal: IPv4/IPv6 addresses and CIDR ranges, for trusted proxies (core) and IP rules (filters).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace portico::detail {

/// An IP address as 16 bytes (IPv4 stored as IPv4-mapped IPv6).
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
  /// Parses "10.0.0.1", "::1", "[::1]", "::ffff:10.0.0.1"; nullopt if invalid.
  static std::optional<IpAddress> parse(std::string_view text) noexcept;
};

/// An address range "10.0.0.0/8", "fd00::/8", or a single address.
struct Cidr {
  IpAddress base;
  unsigned prefix = 128;  // in the 128-bit space (IPv4 /8 is stored as 96+8)
  static std::optional<Cidr> parse(std::string_view text) noexcept;
  bool contains(const IpAddress& a) const noexcept;
};

/// A set of ranges; contains() is a linear scan (lists are short).
class CidrSet {
 public:
  void add(Cidr c) { ranges_.push_back(c); }
  bool empty() const noexcept { return ranges_.empty(); }
  bool contains(std::string_view address) const noexcept;
  bool contains(const IpAddress& a) const noexcept;

 private:
  std::vector<Cidr> ranges_;
};

}  // namespace portico::detail
