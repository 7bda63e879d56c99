#include <catch2/catch.hpp>

#include <string>

#include "upstream/lb_hash.hpp"

using namespace portico::detail::lb;

TEST_CASE("fnv1a64 matches the published FNV-1a test vectors", "[lb][hash]") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  // Chaining hashes the concatenation.
  CHECK(fnv1a64("bar", fnv1a64("foo")) == fnv1a64("foobar"));
}

TEST_CASE("stable_hash is fixed across processes (ring placement depends on it)", "[lb][hash]") {
  // If this changes, every gateway's ring moves: a deliberate, documented break only.
  CHECK(stable_hash("") == fmix64(0xcbf29ce484222325ull));
  static_assert(stable_hash("x") == fmix64(fnv1a64("x")));
  CHECK(fmix64(0) == 0);
  CHECK(stable_hash("10.0.0.1:8080#0-0") != stable_hash("10.0.0.1:8080#0-1"));
}

TEST_CASE("siphash24 matches the reference vectors", "[lb][hash]") {
  // Key 00 01 .. 0f, messages 00 01 .. (len-1), from the SipHash paper's vectors.h.
  const SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  std::string msg;
  CHECK(siphash24(key, msg) == 0x726fdb47dd0e0e31ull);
  for (int i = 0; i < 15; ++i) msg.push_back(static_cast<char>(i));
  CHECK(siphash24(key, msg) == 0xa129ca6149be45e5ull);
  msg.resize(8);
  CHECK(siphash24(key, msg) == 0x93f5f5799a932462ull);
}

TEST_CASE("siphash24 depends on the key", "[lb][hash]") {
  const SipKey a{1, 2};
  const SipKey b{1, 3};
  CHECK(siphash24(a, "session-42") != siphash24(b, "session-42"));
  const SipKey r1 = SipKey::random();
  const SipKey r2 = SipKey::random();
  CHECK((r1.k0 != r2.k0 || r1.k1 != r2.k1));
}

TEST_CASE("splitmix64 matches the reference generator", "[lb][hash]") {
  // Reference: seed 1234567, first outputs of Vigna's splitmix64.c.
  std::uint64_t state = 1234567;
  state += kGoldenGamma;
  CHECK(splitmix64_mix(state) == 6457827717110365317ull);
  state += kGoldenGamma;
  CHECK(splitmix64_mix(state) == 3203168211198807973ull);
}
