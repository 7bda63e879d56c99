#include "http/cidr.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "http/text.hpp"

namespace portico::detail {

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    a.v4 = true;
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    std::memcpy(a.bytes.data(), &v6, 16);
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    a.v4 = std::memcmp(a.bytes.data(), kMapped, 12) == 0;
    return a;
  }
  return std::nullopt;
}

std::optional<Cidr> Cidr::parse(std::string_view text) noexcept {
  auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  Cidr c;
  c.base = *addr;
  if (slash == std::string_view::npos) {
    c.prefix = 128;
    return c;
  }
  auto bits = parse_decimal(text.substr(slash + 1));
  unsigned max = addr->v4 ? 32 : 128;
  if (!bits || *bits > max) return std::nullopt;
  c.prefix = static_cast<unsigned>(*bits) + (addr->v4 ? 96 : 0);
  return c;
}

bool Cidr::contains(const IpAddress& a) const noexcept {
  unsigned full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(base.bytes.data(), a.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (base.bytes[full] & mask) == (a.bytes[full] & mask);
}

bool CidrSet::contains(const IpAddress& a) const noexcept {
  for (const auto& r : ranges_)
    if (r.contains(a)) return true;
  return false;
}

bool CidrSet::contains(std::string_view address) const noexcept {
  if (ranges_.empty()) return false;
  auto a = IpAddress::parse(address);
  return a && contains(*a);
}

}  // namespace portico::detail
