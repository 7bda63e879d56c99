#include "support/tls_client.hpp"

#include <openssl/ssl.h>

#include <asio.hpp>
#include <asio/ssl.hpp>

namespace portico::testing {

TlsReply tls_request(std::uint16_t port, const std::string& ca, const std::string& sni, const std::string& request) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(ca);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  static const unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.native_handle(), alpn, sizeof alpn);
  asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  SSL_set_tlsext_host_name(s.native_handle(), sni.c_str());
  TlsReply out;
  std::error_code ec;
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return out;
  s.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return out;
  out.handshake_ok = true;
  if (X509* cert = SSL_get1_peer_certificate(s.native_handle())) {
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    out.peer_cn = cn;
    X509_free(cert);
  }
  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  SSL_get0_alpn_selected(s.native_handle(), &proto, &proto_len);
  out.alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
  asio::write(s, asio::buffer(request), ec);
  char buf[4096];
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    out.response.append(buf, n);
    if (ec) break;
  }
  return out;
}

}  // namespace portico::testing
