#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "http/cidr.hpp"
#include "http/text.hpp"

namespace portico::net {

namespace {

constexpr const char* kCiphers12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_error() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  // Accept only http/1.1; a client offering only h2 gets no ALPN (and speaks HTTP/1.1 or leaves).
  for (unsigned int i = 0; i < inlen;) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == 8 && std::memcmp(in + i + 1, "http/1.1", 8) == 0) {
      *out = in + i + 1;
      *outlen = 8;
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

void harden(asio::ssl::context& ctx) {
  SSL_CTX* c = ctx.native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(c, kCiphers12);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
}

bool name_matches(std::string_view pattern, std::string_view host) {
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    auto suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && iequals(host.substr(host.size() - suffix.size()), suffix) &&
           host.substr(0, host.size() - suffix.size()).find('.') == std::string_view::npos;
  }
  return iequals(pattern, host);
}

}  // namespace

Result<std::shared_ptr<ServerTls>> ServerTls::create(const std::vector<TlsCertificate>& certs) {
  auto out = std::make_shared<ServerTls>();
  for (std::size_t i = 0; i < certs.size(); ++i) {
    const auto& c = certs[i];
    std::string where = "listen.tls[" + std::to_string(i) + "]";
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    harden(*ctx);
    SSL_CTX* native = ctx->native_handle();
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(native, c.cert_file.c_str()) != 1)
      return make_error(Errc::Io, "cannot load certificate '" + c.cert_file + "': " + openssl_error(), where + ".cert_file");
    if (SSL_CTX_use_PrivateKey_file(native, c.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return make_error(Errc::Io, "cannot load key '" + c.key_file + "': " + openssl_error(), where + ".key_file");
    if (SSL_CTX_check_private_key(native) != 1)
      return make_error(Errc::InvalidConfig, "the key does not match the certificate", where);
    SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
    Entry e;
    e.ctx = std::move(ctx);
    for (const auto& n : c.server_names) e.names.push_back(portico::detail::to_lower(n));
    out->contexts_.push_back(std::move(e));
  }
  if (out->contexts_.empty()) return make_error(Errc::InvalidConfig, "no certificate given", "listen.tls");
  if (out->contexts_.size() > 1) {
    SSL_CTX* first = out->contexts_.front().ctx->native_handle();
    SSL_CTX_set_tlsext_servername_callback(first, &ServerTls::on_servername);
    SSL_CTX_set_tlsext_servername_arg(first, out.get());
  }
  return out;
}

int ServerTls::on_servername(SSL* ssl, int*, void* arg) {
  auto* self = static_cast<ServerTls*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;
  std::string_view host(name);
  for (auto& e : self->contexts_)
    for (const auto& n : e.names)
      if (name_matches(n, host)) {
        if (e.ctx->native_handle() != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, e.ctx->native_handle());
        return SSL_TLSEXT_ERR_OK;
      }
  return SSL_TLSEXT_ERR_OK;  // unknown name: the default certificate
}

Result<std::shared_ptr<asio::ssl::context>> make_client_tls(const UpstreamTls& tls) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  ERR_clear_error();
  if (tls.verify) {
    if (!tls.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(c, tls.ca_file.c_str(), nullptr) != 1)
        return make_error(Errc::Io, "cannot load CA file '" + tls.ca_file + "': " + openssl_error(), "tls.ca_file");
    } else if (SSL_CTX_set_default_verify_paths(c) != 1) {
      return make_error(Errc::Io, "cannot load the system CA store: " + openssl_error(), "tls");
    }
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  if (!tls.client_cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(c, tls.client_cert_file.c_str()) != 1)
      return make_error(Errc::Io, "cannot load client certificate: " + openssl_error(), "tls.client_cert_file");
    if (SSL_CTX_use_PrivateKey_file(c, tls.client_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return make_error(Errc::Io, "cannot load client key: " + openssl_error(), "tls.client_key_file");
  }
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(c, kAlpn, sizeof kAlpn);
  return ctx;
}

Result<void> prepare_client_ssl(SSL* ssl, const UpstreamTls& tls, const std::string& host) {
  const std::string& name = tls.server_name.empty() ? host : tls.server_name;
  const bool is_ip = portico::detail::IpAddress::parse(name).has_value();
  if (!is_ip) SSL_set_tlsext_host_name(ssl, name.c_str());
  if (tls.verify) {
    if (is_ip) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1)
        return make_error(Errc::ConnectFailed, "cannot set the IP to verify");
    } else {
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (SSL_set1_host(ssl, name.c_str()) != 1) return make_error(Errc::ConnectFailed, "cannot set the host to verify");
    }
  }
  return {};
}

}  // namespace portico::net
