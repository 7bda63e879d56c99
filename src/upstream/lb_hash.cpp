#include "upstream/lb_hash.hpp"

#include <random>

namespace portico::detail::lb {

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;

  constexpr void round() noexcept {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }

  constexpr void compress(std::uint64_t m) noexcept {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

// Little-endian load, whatever the host's byte order.
std::uint64_t load_le64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

SipKey SipKey::random() {
  std::random_device rd;
  auto word = [&rd] { return (std::uint64_t{rd()} << 32) ^ std::uint64_t{rd()}; };
  SipKey key;
  key.k0 = word();
  key.k1 = word();
  return key;
}

std::uint64_t siphash24(const SipKey& key, std::string_view data) noexcept {
  SipState s{0x736f6d6570736575ull ^ key.k0, 0x646f72616e646f6dull ^ key.k1, 0x6c7967656e657261ull ^ key.k0,
             0x7465646279746573ull ^ key.k1};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t len = data.size();
  const std::size_t whole = len - len % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.compress(load_le64(p + i));

  std::uint64_t last = static_cast<std::uint64_t>(len) << 56;
  for (std::size_t i = whole; i < len; ++i) last |= std::uint64_t{p[i]} << (8 * (i - whole));
  s.compress(last);

  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace portico::detail::lb
