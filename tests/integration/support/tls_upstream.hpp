#pragma once
// Test support: an HTTPS upstream on cpp-httplib with a certificate from TestCerts, answering
// every GET with "secure <path>"; optionally demanding a client certificate signed by the CA.

#include <httplib.h>

#include <cstdint>
#include <string>
#include <thread>

#include "support/certs.hpp"

namespace portico::testing {

class TlsUpstream {
 public:
  TlsUpstream(const TestCerts& certs, const std::string& name, bool require_client_cert = false)
      : server_(certs.server_cert(name).c_str(), certs.server_key(name).c_str(),
                require_client_cert ? certs.ca_cert().c_str() : nullptr) {
    server_.Get("/.*", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("secure " + req.path, "text/plain");
    });
    port_ = static_cast<std::uint16_t>(server_.bind_to_any_port("127.0.0.1"));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TlsUpstream() {
    server_.stop();
    thread_.join();
  }
  TlsUpstream(const TlsUpstream&) = delete;
  TlsUpstream& operator=(const TlsUpstream&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  httplib::SSLServer server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace portico::testing
