// Verification keys: HMAC secrets, PEM public keys and certificates, and JWK Sets, each bound to its
// algorithm family (RFC 8725 §3.1: the key decides which algorithms may be used with it).

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "filters/jwt/jose.hpp"

namespace portico::filters::jwt {

void PkeyFree::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }

bool family_allows(KeyFamily family, int ec_bits, JwtAlgorithm a) noexcept {
  switch (family) {
    case KeyFamily::Hmac: return a == JwtAlgorithm::HS256 || a == JwtAlgorithm::HS384 || a == JwtAlgorithm::HS512;
    case KeyFamily::Rsa:
      return a == JwtAlgorithm::RS256 || a == JwtAlgorithm::RS384 || a == JwtAlgorithm::RS512 ||
             a == JwtAlgorithm::PS256 || a == JwtAlgorithm::PS384 || a == JwtAlgorithm::PS512;
    case KeyFamily::Ec:
      return (a == JwtAlgorithm::ES256 && ec_bits == 256) || (a == JwtAlgorithm::ES384 && ec_bits == 384) ||
             (a == JwtAlgorithm::ES512 && ec_bits == 521);
    case KeyFamily::Ed25519: return a == JwtAlgorithm::EdDSA;
  }
  return false;
}

bool Key::accepts(JwtAlgorithm a) const noexcept {
  if (alg && *alg != a) return false;
  return family_allows(family, ec_bits, a);
}

namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr int kMinRsaBits = 2048;

Error bad(std::string message, std::string_view where) {
  return make_error(Errc::InvalidConfig, std::move(message), std::string(where));
}

// Family and curve of a public key; an error for other key types and weak RSA keys.
Result<Key> classify(EVP_PKEY* raw, std::string_view where) {
  Key k;
  k.pkey.reset(raw, PkeyFree{});
  if (EVP_PKEY_is_a(raw, "RSA")) {
    if (EVP_PKEY_get_bits(raw) < kMinRsaBits)
      return bad("an RSA key must have at least 2048 bits, this one has " + std::to_string(EVP_PKEY_get_bits(raw)),
                 where);
    k.family = KeyFamily::Rsa;
    return k;
  }
  if (EVP_PKEY_is_a(raw, "ED25519")) {
    k.family = KeyFamily::Ed25519;
    return k;
  }
  if (EVP_PKEY_is_a(raw, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(raw, group, sizeof group, &len) != 1) return bad("an EC key without a named curve", where);
    std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") k.ec_bits = 256;
    else if (g == "secp384r1" || g == "P-384") k.ec_bits = 384;
    else if (g == "secp521r1" || g == "P-521") k.ec_bits = 521;
    else return bad("EC curve " + std::string(g) + " is not one of P-256, P-384, P-521", where);
    k.family = KeyFamily::Ec;
    return k;
  }
  return bad("expected an RSA, EC (P-256, P-384, P-521) or Ed25519 public key", where);
}

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};

std::string b64(const jwt::Json& jwk, std::string_view field, std::string_view where, Error& err) {
  const Json* v = jwk.get(field);
  std::string out;
  if (!v || !v->is_string()) {
    err = bad("required JWK member is missing", std::string(where) + "." + std::string(field));
    return out;
  }
  if (!base64url_decode(v->text, out) || out.empty())
    err = bad("expected base64url (no padding)", std::string(where) + "." + std::string(field));
  return out;
}

Result<Key> rsa_jwk(const Json& jwk, std::string_view where) {
  Error err;
  std::string n = b64(jwk, "n", where, err);
  if (!err.message.empty()) return err;
  std::string e = b64(jwk, "e", where, err);
  if (!err.message.empty()) return err;
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  bool ok = bn_n && bn_e && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
            (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  BN_free(bn_n);
  BN_free(bn_e);
  if (!ok || !pkey) {
    EVP_PKEY_free(pkey);
    return bad("not a valid RSA public key", std::string(where) + ".n");
  }
  return classify(pkey, std::string(where) + ".n");
}

Result<Key> ec_jwk(const Json& jwk, std::string_view where) {
  const Json* crv = jwk.get("crv");
  std::string crv_where = std::string(where) + ".crv";
  if (!crv || !crv->is_string()) return bad("required JWK member is missing", crv_where);
  const char* group = nullptr;
  std::size_t size = 0;
  if (crv->text == "P-256") group = "prime256v1", size = 32;
  else if (crv->text == "P-384") group = "secp384r1", size = 48;
  else if (crv->text == "P-521") group = "secp521r1", size = 66;
  else return bad("expected P-256, P-384 or P-521, got \"" + crv->text + "\"", crv_where);
  Error err;
  std::string x = b64(jwk, "x", where, err);
  if (!err.message.empty()) return err;
  std::string y = b64(jwk, "y", where, err);
  if (!err.message.empty()) return err;
  // RFC 7518 wants full-length coordinates; some libraries drop leading zero bytes: pad them back.
  if (x.size() > size || y.size() > size)
    return bad("x and y must be " + std::to_string(size) + " bytes each for " + crv->text, std::string(where) + ".x");
  x.insert(0, size - x.size(), '\0');
  y.insert(0, size - y.size(), '\0');
  std::string point = "\x04";
  point += x;
  point += y;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (ok && pkey) {  // the point must be on the curve
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    ok = check && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
  }
  if (!ok || !pkey) {
    EVP_PKEY_free(pkey);
    return bad("not a valid EC public key (the point is not on " + crv->text + ")", std::string(where) + ".x");
  }
  return classify(pkey, std::string(where) + ".x");
}

Result<Key> okp_jwk(const Json& jwk, std::string_view where) {
  const Json* crv = jwk.get("crv");
  std::string crv_where = std::string(where) + ".crv";
  if (!crv || !crv->is_string()) return bad("required JWK member is missing", crv_where);
  if (crv->text != "Ed25519") return bad("expected Ed25519, got \"" + crv->text + "\"", crv_where);
  Error err;
  std::string x = b64(jwk, "x", where, err);
  if (!err.message.empty()) return err;
  if (x.size() != 32) return bad("an Ed25519 key is 32 bytes", std::string(where) + ".x");
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                               reinterpret_cast<const unsigned char*>(x.data()), x.size());
  if (!pkey) return bad("not a valid Ed25519 public key", std::string(where) + ".x");
  return classify(pkey, std::string(where) + ".x");
}

}  // namespace

Result<Key> key_from_secret(std::string secret) {
  if (secret.size() < kMinSecretBytes)
    return bad("an HMAC secret must be at least 32 bytes, got " + std::to_string(secret.size()), "secret");
  Key k;
  k.family = KeyFamily::Hmac;
  k.secret = std::move(secret);
  return k;
}

Result<Key> key_from_pem(std::string_view pem, std::string_view where) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return bad("out of memory", where);
  if (EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) return classify(pkey, where);
  bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    EVP_PKEY* pkey = X509_get_pubkey(cert);
    X509_free(cert);
    if (pkey) return classify(pkey, where);
  }
  return bad("expected a PEM public key (BEGIN PUBLIC KEY) or certificate (BEGIN CERTIFICATE)", where);
}

Result<std::vector<Key>> keys_from_jwks(std::string_view text, std::string_view where) {
  std::string why;
  auto doc = parse_json(text, why, JsonLimits{.max_depth = 8, .max_members = 1024});
  if (!doc) return bad("not valid JSON: " + why, where);
  const Json* keys = doc->is_object() ? doc->get("keys") : nullptr;
  if (!keys || !keys->is_array()) return bad("expected a JWK Set: an object with a \"keys\" array", where);
  std::vector<Key> out;
  for (std::size_t i = 0; i < keys->items.size(); ++i) {
    const Json& jwk = keys->items[i];
    const std::string at = std::string(where) + ".keys[" + std::to_string(i) + "]";
    if (!jwk.is_object()) return bad("expected a JWK (an object)", at);
    if (const Json* use = jwk.get("use"); use && use->is_string() && use->text != "sig") continue;
    const Json* kty = jwk.get("kty");
    if (!kty || !kty->is_string()) return bad("required JWK member is missing", at + ".kty");
    Result<Key> k = make_error(Errc::InvalidConfig, "", "");
    if (kty->text == "RSA") {
      k = rsa_jwk(jwk, at);
    } else if (kty->text == "EC") {
      k = ec_jwk(jwk, at);
    } else if (kty->text == "OKP") {
      k = okp_jwk(jwk, at);
    } else if (kty->text == "oct") {
      Error err;
      std::string secret = b64(jwk, "k", at, err);
      if (!err.message.empty()) return err;
      k = key_from_secret(std::move(secret));
      if (!k) return bad(k.error().message, at + ".k");
    } else {
      return bad("expected kty RSA, EC, OKP or oct, got \"" + kty->text + "\"", at + ".kty");
    }
    if (!k) return std::move(k).error();
    if (const Json* kid = jwk.get("kid")) {
      if (!kid->is_string()) return bad("expected a string", at + ".kid");
      k->kid = kid->text;
    }
    if (const Json* alg = jwk.get("alg")) {
      auto a = alg->is_string() ? jwt_algorithm(alg->text) : std::nullopt;
      if (!a) return bad("expected a JWS algorithm Portico verifies", at + ".alg");
      if (!family_allows(k->family, k->ec_bits, *a))
        return bad("alg " + alg->text + " does not fit the key's type", at + ".alg");
      k->alg = *a;
    }
    out.push_back(std::move(*k));
  }
  if (out.empty()) return bad("the JWK Set has no signature key", where);
  return out;
}

}  // namespace portico::filters::jwt
