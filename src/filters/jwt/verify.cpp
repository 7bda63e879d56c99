// Signature verification with OpenSSL 3's EVP interface, for the 13 JWS algorithms.

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <array>

#include "filters/jwt/jose.hpp"

namespace portico::filters::jwt {

namespace {

struct Names {
  JwtAlgorithm alg;
  std::string_view name;
};
constexpr Names kNames[] = {
    {JwtAlgorithm::HS256, "HS256"}, {JwtAlgorithm::HS384, "HS384"}, {JwtAlgorithm::HS512, "HS512"},
    {JwtAlgorithm::RS256, "RS256"}, {JwtAlgorithm::RS384, "RS384"}, {JwtAlgorithm::RS512, "RS512"},
    {JwtAlgorithm::PS256, "PS256"}, {JwtAlgorithm::PS384, "PS384"}, {JwtAlgorithm::PS512, "PS512"},
    {JwtAlgorithm::ES256, "ES256"}, {JwtAlgorithm::ES384, "ES384"}, {JwtAlgorithm::ES512, "ES512"},
    {JwtAlgorithm::EdDSA, "EdDSA"},
};

// The digests, fetched once (an implicit fetch per verification costs a lock and a lookup).
const EVP_MD* digest(int bits) {
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static const EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  return bits == 256 ? sha256 : bits == 384 ? sha384 : sha512;
}

int hash_bits(JwtAlgorithm a) {
  switch (a) {
    case JwtAlgorithm::HS256: case JwtAlgorithm::RS256: case JwtAlgorithm::PS256: case JwtAlgorithm::ES256: return 256;
    case JwtAlgorithm::HS384: case JwtAlgorithm::RS384: case JwtAlgorithm::PS384: case JwtAlgorithm::ES384: return 384;
    default: return 512;
  }
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

bool hmac_ok(const Key& key, int bits, std::string_view input, std::string_view sig) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (!HMAC(digest(bits), key.secret.data(), static_cast<int>(key.secret.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &len))
    return false;
  if (sig.size() != len) return false;
  return CRYPTO_memcmp(mac.data(), sig.data(), len) == 0;
}

// JOSE's ECDSA signature is r||s, each the curve's size (RFC 7518 §3.4); OpenSSL verifies DER.
bool ecdsa_der(std::string_view sig, int ec_bits, std::string& der) {
  const std::size_t half = ec_bits == 256 ? 32 : ec_bits == 384 ? 48 : 66;
  if (sig.size() != 2 * half) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* s = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(half), nullptr);
  BIGNUM* ss = BN_bin2bn(p + half, static_cast<int>(half), nullptr);
  if (!s || !r || !ss || ECDSA_SIG_set0(s, r, ss) != 1) {
    BN_free(r);
    BN_free(ss);
    ECDSA_SIG_free(s);
    return false;
  }
  unsigned char* out = nullptr;
  const int n = i2d_ECDSA_SIG(s, &out);
  ECDSA_SIG_free(s);
  if (n <= 0) return false;
  der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return true;
}

}  // namespace

bool verify_signature(const Key& key, JwtAlgorithm alg, std::string_view input, std::string_view sig) {
  if (!key.accepts(alg)) return false;
  const int bits = hash_bits(alg);
  if (key.family == KeyFamily::Hmac) return hmac_ok(key, bits, input, sig);

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = key.family == KeyFamily::Ed25519 ? nullptr : digest(bits);
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.pkey.get()) != 1) return false;
  std::string der;
  std::string_view check = sig;
  switch (alg) {
    case JwtAlgorithm::PS256:
    case JwtAlgorithm::PS384:
    case JwtAlgorithm::PS512:
      // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
      if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
          EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
        return false;
      break;
    case JwtAlgorithm::RS256:
    case JwtAlgorithm::RS384:
    case JwtAlgorithm::RS512:
      if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return false;
      break;
    case JwtAlgorithm::ES256:
    case JwtAlgorithm::ES384:
    case JwtAlgorithm::ES512:
      if (!ecdsa_der(sig, key.ec_bits, der)) return false;
      check = der;
      break;
    default: break;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(check.data()), check.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

}  // namespace portico::filters::jwt

namespace portico::filters {

std::optional<JwtAlgorithm> jwt_algorithm(std::string_view name) noexcept {
  for (const auto& n : jwt::kNames)
    if (n.name == name) return n.alg;
  return std::nullopt;
}

std::string_view to_string(JwtAlgorithm alg) noexcept {
  for (const auto& n : jwt::kNames)
    if (n.alg == alg) return n.name;
  return "?";
}

}  // namespace portico::filters
