#pragma once
// Internal: OpenSSL contexts. Server side: TLS 1.2+, modern ciphers, ALPN http/1.1, several
// certificates chosen by SNI. Client side: verification on by default (chain + host name),
// custom CA, SNI, optional client certificate, explicit opt-out.

#include <memory>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "portico/error.hpp"
#include "portico/gateway.hpp"
#include "portico/upstream.hpp"

namespace portico::net {

/// A server context set for one listener: the default certificate's context, with SNI switching
/// to the others. Shared read-only by every loop.
class ServerTls {
 public:
  static Result<std::shared_ptr<ServerTls>> create(const std::vector<TlsCertificate>& certs);
  asio::ssl::context& context() noexcept { return *contexts_.front().ctx; }

 private:
  struct Entry {
    std::unique_ptr<asio::ssl::context> ctx;
    std::vector<std::string> names;  // lower-case; "*.example.com" allowed
  };
  static int on_servername(SSL* ssl, int* alert, void* arg);
  std::vector<Entry> contexts_;
};

/// Makes a client context for an upstream's TLS settings.
Result<std::shared_ptr<asio::ssl::context>> make_client_tls(const UpstreamTls& tls);

/// Prepares a client TLS stream: SNI and host-name verification for `host`.
Result<void> prepare_client_ssl(SSL* ssl, const UpstreamTls& tls, const std::string& host);

}  // namespace portico::net
