#pragma once
// Test support: a one-shot HTTPS client that reports the certificate and ALPN it got.

#include <cstdint>
#include <string>

namespace portico::testing {

/// What one TLS exchange showed: the raw response, the server certificate's CN, the ALPN protocol.
struct TlsReply {
  std::string response;
  std::string peer_cn;
  std::string alpn;
  bool handshake_ok = false;
};

/// Connects to 127.0.0.1:`port`, verifies the server against `ca`, sends SNI `sni` and offers ALPN
/// h2 and http/1.1, writes `request` and reads until the server closes (blocking Asio).
TlsReply tls_request(std::uint16_t port, const std::string& ca, const std::string& sni, const std::string& request);

}  // namespace portico::testing
