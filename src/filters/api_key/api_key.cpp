// API keys: the presented key's SHA-256 is compared, in constant time, with every configured key's.

#include "portico/filters/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <memory>

#include "filters/auth/authenticator.hpp"
#include "http/codec.hpp"

namespace portico::filters {

namespace {

using auth::Outcome;
using Digest = std::array<unsigned char, 32>;

constexpr std::size_t kMaxKeyBytes = 4096;

bool sha256(std::string_view in, Digest& out) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // fetched once, not per call
  unsigned int len = 0;
  return md && EVP_Digest(in.data(), in.size(), out.data(), &len, md, nullptr) == 1 && len == out.size();
}

bool from_hex(std::string_view hex, Digest& out) {
  if (hex.size() != 64) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    int h = nib(hex[2 * i]), l = nib(hex[2 * i + 1]);
    if (h < 0 || l < 0) return false;
    out[i] = static_cast<unsigned char>(h * 16 + l);
  }
  return true;
}

struct Entry {
  Digest digest{};
  std::string consumer;
};

class ApiKeyFilter final : public auth::Authenticator {
 public:
  ApiKeyFilter(ApiKeyConfig c, std::vector<Entry> entries)
      : name_(std::move(c.name)), header_(std::move(c.header)), query_(std::move(c.query_parameter)),
        forward_(c.forward_key), entries_(std::move(entries)) {}
  std::string_view name() const noexcept override { return "api_key"; }
  const std::string& provider_name() const noexcept override { return name_; }

  Outcome authenticate(const Exchange& ex) const override {
    const Request& r = ex.request();
    std::optional<std::string> presented;
    Outcome bad;
    bad.kind = Outcome::Kind::Rejected;
    if (!header_.empty()) {
      auto all = r.headers.get_all(header_);
      if (all.size() > 1) return bad.description = "the request carries more than one API key", bad;
      if (all.size() == 1) presented = std::string(all.front());
    }
    if (!query_.empty())
      if (auto q = r.query_param(query_)) {
        auto decoded = auth::percent_decode(*q);
        if (!decoded) return bad.description = "the API key is malformed", bad;
        if (presented && *presented != *decoded)
          return bad.description = "the request carries more than one API key", bad;
        presented = std::move(*decoded);
      }
    if (!presented) return Outcome{};
    if (presented->empty() || presented->size() > kMaxKeyBytes) return bad.description = "the API key is not valid", bad;
    Digest d{};
    if (!sha256(*presented, d)) return bad.description = "the API key is not valid", bad;
    // Every entry is compared, whatever matched: the time does not tell which key (or whether one) matched.
    const Entry* match = nullptr;
    for (const auto& e : entries_) {
      const bool eq = CRYPTO_memcmp(e.digest.data(), d.data(), d.size()) == 0;
      if (eq && !match) match = &e;
    }
    if (!match) return bad.description = "the API key is not valid", bad;
    Outcome o;
    o.kind = Outcome::Kind::Authenticated;
    o.identity.consumer = match->consumer;
    o.identity.provider = name_;
    return o;
  }

  std::string challenge(const Outcome&) const override {
    std::string c = "ApiKey";
    if (!header_.empty()) {
      c += " header=\"";
      c += header_;
      c += '"';
    }
    return c;
  }
  void strip(Request& r) const override {
    if (!forward_ && !header_.empty()) r.headers.remove(header_);
  }
  void strip_upstream(Request& up) const override {
    if (!forward_ && !query_.empty()) auth::strip_query(up.target, query_);
  }

 private:
  std::string name_, header_, query_;
  bool forward_;
  std::vector<Entry> entries_;
};

Error field(std::string message, std::string where) { return make_error(Errc::InvalidConfig, std::move(message), std::move(where)); }

}  // namespace

Result<FilterPtr> make_api_key(ApiKeyConfig c) {
  if (c.name.empty()) return field("the provider needs a name", "name");
  if (!c.header.empty() && (!detail::is_token(c.header) || detail::is_framing_field(c.header)))
    return field("expected a header name, got \"" + c.header + "\"", "header");
  if (!c.query_parameter.empty() && c.query_parameter.find_first_of("&=#? ") != std::string::npos)
    return field("expected a query parameter name, got \"" + c.query_parameter + "\"", "query_parameter");
  if (c.header.empty() && c.query_parameter.empty())
    return field("the key must come from somewhere: a header or a query parameter", "header");
  if (c.keys.empty()) return field("at least one key is required", "keys");
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < c.keys.size(); ++i) {
    const auto& k = c.keys[i];
    const std::string at = "keys[" + std::to_string(i) + "]";
    if (k.key.empty() == k.key_sha256.empty()) return field("give exactly one of key and key_sha256", at);
    if (k.consumer.empty()) return field("a key needs a consumer", at + ".consumer");
    Entry e;
    e.consumer = k.consumer;
    if (!k.key.empty()) {
      if (k.key.size() > kMaxKeyBytes) return field("a key is at most 4096 bytes", at + ".key");
      if (!sha256(k.key, e.digest)) return field("cannot hash the key", at + ".key");
    } else if (!from_hex(k.key_sha256, e.digest)) {
      return field("expected 64 hexadecimal digits (a SHA-256)", at + ".key_sha256");
    }
    for (std::size_t j = 0; j < entries.size(); ++j)
      if (entries[j].digest == e.digest)
        return field("the same key as keys[" + std::to_string(j) + "]", at);
    entries.push_back(std::move(e));
  }
  return FilterPtr(std::make_shared<ApiKeyFilter>(std::move(c), std::move(entries)));
}

}  // namespace portico::filters
