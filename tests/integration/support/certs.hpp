#pragma once
// Test support: a throwaway CA, server and client certificates made with the openssl tool in a
// temporary directory (removed on destruction).

#include <string>

namespace portico::testing {

class TestCerts {
 public:
  TestCerts();
  ~TestCerts();
  const std::string& dir() const { return dir_; }
  std::string ca_cert() const { return dir_ + "/ca.pem"; }
  /// A server certificate for `name` (DNS SAN, plus IP 127.0.0.1), signed by the CA.
  std::string server_cert(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string server_key(const std::string& name) const { return dir_ + "/" + name + ".key"; }
  /// Makes (once) the certificate and key for `name`.
  void make_server(const std::string& name);
  std::string client_cert() const { return dir_ + "/client.pem"; }
  std::string client_key() const { return dir_ + "/client.key"; }

 private:
  std::string dir_;
};

}  // namespace portico::testing
