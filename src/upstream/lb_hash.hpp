#pragma once
// Internal: the hashes and the random generator the load balancers use.
//  - stable_hash: FNV-1a 64 finished with murmur3's fmix64. The same in every process and on every
//    platform, so gateway instances agree on a hash ring. Not for maps fed by clients.
//  - SipKey/siphash24: SipHash-2-4 with a per-instance random key, for maps whose keys come from
//    clients (sticky-session cookies): nobody can precompute colliding keys.
//  - splitmix64: the P2C balancer's generator (one atomic add per pick, deterministic given a seed).

#include <cstdint>
#include <string_view>

namespace portico::detail::lb {

inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ull;

/// FNV-1a 64 over `s`, continuing from `h` (chain calls to hash a concatenation without building it).
constexpr std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = kFnvOffset) noexcept {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

/// murmur3's 64-bit finalizer: every input bit flips about half of the output bits.
constexpr std::uint64_t fmix64(std::uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

/// The ring hash: fnv1a64 then fmix64 (FNV alone places similar strings too close together).
constexpr std::uint64_t stable_hash(std::string_view s) noexcept { return fmix64(fnv1a64(s)); }

/// SplitMix64's output function for the state value `z` (the state advances by kGoldenGamma).
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// A 128-bit SipHash key.
struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;

  /// A key from std::random_device (construction time only; not for the data path).
  static SipKey random();
};

/// SipHash-2-4 of `data` under `key` (Aumasson and Bernstein's reference; 64-bit output).
std::uint64_t siphash24(const SipKey& key, std::string_view data) noexcept;

}  // namespace portico::detail::lb
