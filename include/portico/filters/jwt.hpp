#pragma once
/// JWT authentication: verifies a JSON Web Token (JWS compact form) with a key the configuration
/// gives, checks its claims, and records who sent the request (Exchange::identity()). Ocelot's
/// `GlobalConfiguration.AuthenticationProviders` entries of `"Type": "Jwt"` load into this filter.
/// Algorithms: HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA (Ed25519).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

/// The JWS algorithms Portico verifies (RFC 7518, RFC 8037). `none` is never one of them.
enum class JwtAlgorithm : std::uint8_t { HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512,
                                         ES256, ES384, ES512, EdDSA };

/// The algorithm named `name` exactly as JOSE spells it ("RS256"), or nullopt.
std::optional<JwtAlgorithm> jwt_algorithm(std::string_view name) noexcept;
/// The JOSE name of `alg` ("RS256").
std::string_view to_string(JwtAlgorithm alg) noexcept;

/// One JWT provider's settings. Exactly one key source: `secret`, `public_key_file`,
/// `public_key_pem` or `jwks`. Every key is bound to its algorithm family: an HMAC secret verifies
/// only HS*, an RSA key RS* and PS*, an EC key the ES* of its curve, an Ed25519 key EdDSA; a JWK
/// with `alg` only that algorithm.
struct JwtConfig {
  /// The provider's name: Identity::provider of the requests it authenticates.
  std::string name = "jwt";
  /// Required `iss` value; "" checks no issuer.
  std::string issuer;
  /// Accepted audiences: the token's `aud` (a string or an array) must hold one. Empty: no check.
  std::vector<std::string> audiences;
  /// Accepted `alg` values (JOSE names). Empty: every algorithm the keys allow.
  std::vector<std::string> algorithms;

  /// HMAC secret (HS*), at least 32 bytes.
  std::string secret;
  /// Path of a PEM file holding a public key (`BEGIN PUBLIC KEY`) or a certificate.
  std::string public_key_file;
  /// The same, given inline (PEM text).
  std::string public_key_pem;
  /// A JWK Set as JSON text (`{"keys": [...]}`): RSA, EC (P-256/384/521), OKP (Ed25519) and oct keys.
  std::string jwks;

  /// Tolerance for `exp`, `nbf` and `iat` (default 60 s).
  std::chrono::seconds clock_skew{60};
  /// A token without `exp` is refused (default true).
  bool require_expiration = true;
  /// When set, `exp` minus `iat` (or minus now when there is no `iat`) may not exceed this; such a
  /// token must have `exp`. Off by default.
  std::optional<std::chrono::seconds> max_lifetime;
  /// Claims the token must have with exactly these values (an array claim: one of its elements).
  std::vector<std::pair<std::string, std::string>> required_claims;

  /// Header holding the token (default `Authorization`, where it follows `Bearer `; another header
  /// holds the bare token, a `Bearer ` prefix allowed). "": no header.
  std::string token_header = "Authorization";
  /// Cookie holding the token; "": none.
  std::string token_cookie;
  /// Query parameter holding the token; "": none.
  std::string token_query_parameter;
  /// Forward the token upstream (default true); false removes it from where it was found.
  bool forward_token = true;
  /// Larger tokens are refused before any decoding (default 8 KiB).
  std::size_t max_token_bytes = 8192;
  /// Verified tokens remembered per event loop (default 256; 0: verify every request). A token
  /// that matches a remembered one byte for byte skips the signature and static claim checks; its
  /// exp, nbf and iat are checked again on every request. Tokens over 4 KiB are not remembered.
  std::size_t verified_cache_size = 256;

  /// The current time as seconds since the Unix epoch (tests inject one); empty: the system clock.
  std::function<std::int64_t()> clock;
};

/// Validates `config` (one key source, keys parse and fit their algorithms, names are tokens) and
/// makes the filter (phase Authentication). A request with a valid token continues with its identity
/// set (consumer = `sub`, provider = `name`, claims = the token's claims); one without a token, or
/// with one that fails any check, is answered 401 with `WWW-Authenticate: Bearer` (and
/// `error="invalid_token"` with a description for a bad token; the token itself is never echoed).
/// Errors name the field (`where` = "secret", "jwks.keys[1].n", ...).
Result<FilterPtr> make_jwt(JwtConfig config);

}  // namespace portico::filters
