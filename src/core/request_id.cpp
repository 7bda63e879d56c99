#include "core/request_id.hpp"

#include <cstdint>
#include <random>

namespace portico::detail {

std::string generate_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[v & 15];
    v >>= 4;
  }
  return out;
}

bool is_acceptable_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace portico::detail
