#pragma once
// Test support: an API-key provider for the API-key and authentication tests.

#include <catch2/catch.hpp>

#include "portico/filters/api_key.hpp"

namespace portico::testing {

/// Provider "Keys": alice's key in plain, and the SHA-256 of "test".
inline filters::ApiKeyConfig api_keys() {
  filters::ApiKeyConfig c;
  c.name = "Keys";
  c.keys = {{.key = "alice-key-0123456789", .consumer = "alice"},
            {.key_sha256 = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", .consumer = "test"}};
  return c;
}

inline FilterPtr make_provider(filters::ApiKeyConfig c) {
  auto f = filters::make_api_key(std::move(c));
  if (!f) FAIL(f.error().to_string());
  return *f;
}

}  // namespace portico::testing
