#pragma once
// Internal to the JWT filter: strict base64url, a small bounded JSON reader for JOSE headers,
// claims and JWK Sets, keys bound to their algorithm family, and signature verification (OpenSSL 3).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/error.hpp"
#include "portico/filters/jwt.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace portico::filters::jwt {

// ---- base64url (RFC 7515 §2): no padding, no whitespace, canonical trailing bits ----------------

/// Decodes `in` into `out`; false for any character outside [A-Za-z0-9-_], a length of 4k+1, or
/// non-zero unused bits.
bool base64url_decode(std::string_view in, std::string& out);
std::string base64url_encode(std::string_view in);

// ---- JSON ----------------------------------------------------------------------------------------

/// A parsed JSON value. Numbers keep their text; strings are decoded (UTF-8).
struct Json {
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // String: the value; Number: the literal
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* get(std::string_view key) const noexcept {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
  bool is_string() const noexcept { return kind == Kind::String; }
  bool is_number() const noexcept { return kind == Kind::Number; }
  bool is_object() const noexcept { return kind == Kind::Object; }
  bool is_array() const noexcept { return kind == Kind::Array; }
  /// The number as a double (Number only).
  std::optional<double> number() const noexcept;
  /// Compact JSON text (objects and arrays in claims).
  std::string dump() const;
};

struct JsonLimits {
  std::size_t max_depth = 16;
  std::size_t max_members = 512;  // per object or array
};

/// Parses exactly one JSON value (RFC 8259, strict: no comments, no trailing commas, valid UTF-8 in
/// strings); a duplicate key in an object is an error. nullopt with `why` set on failure.
std::optional<Json> parse_json(std::string_view text, std::string& why, JsonLimits limits = {});

// ---- keys ----------------------------------------------------------------------------------------

enum class KeyFamily : std::uint8_t { Hmac, Rsa, Ec, Ed25519 };

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept;
};

/// One verification key, immutable once made; shared by every loop.
struct Key {
  std::string kid;                  // "" when the key has none
  KeyFamily family = KeyFamily::Hmac;
  std::optional<JwtAlgorithm> alg;  // a JWK's `alg`: only this algorithm
  int ec_bits = 0;                  // 256, 384, 521 for EC keys
  std::string secret;               // Hmac
  std::shared_ptr<EVP_PKEY> pkey;   // others

  /// True when this key may verify `a` (its family, curve and pinned alg).
  bool accepts(JwtAlgorithm a) const noexcept;
};

/// An HMAC key from a secret (≥ 32 bytes).
Result<Key> key_from_secret(std::string secret);
/// A key from PEM text: a public key or a certificate. RSA keys must have ≥ 2048 bits.
Result<Key> key_from_pem(std::string_view pem, std::string_view where);
/// The keys of a JWK Set (JSON text). Keys whose `use` is not "sig" are skipped; an unsupported
/// `kty` or a malformed key is an error whose where is `where` + ".keys[i].field".
Result<std::vector<Key>> keys_from_jwks(std::string_view text, std::string_view where);

/// Verifies `signature` over `signing_input` with `key` for `alg` (the caller checked accepts()).
/// HS: HMAC compared in constant time; ES: JOSE r||s of the curve's size, converted to DER.
bool verify_signature(const Key& key, JwtAlgorithm alg, std::string_view signing_input, std::string_view signature);

/// The algorithm family's keys (for "algorithms the keys allow").
bool family_allows(KeyFamily family, int ec_bits, JwtAlgorithm a) noexcept;

}  // namespace portico::filters::jwt
