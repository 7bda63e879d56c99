#include "support/certs.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace portico::testing {

namespace {
void sh(const std::string& cmd) {
  if (std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("command failed: " + cmd);
}
}  // namespace

TestCerts::TestCerts() {
  char tmpl[] = "/tmp/portico-certs-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  sh("cd " + dir_ +
     " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
     "-subj /CN=portico-test-ca -keyout ca.key -out ca.pem");
  sh("cd " + dir_ +
     " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=client "
     "-keyout client.key -out client.csr"
     " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem");
}

void TestCerts::make_server(const std::string& name) {
  if (std::filesystem::exists(server_cert(name))) return;
  sh("cd " + dir_ + " && printf 'subjectAltName=DNS:" + name + ",IP:127.0.0.1\\n' > " + name + ".ext" +
     " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name + " -keyout " +
     name + ".key -out " + name + ".csr && openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key " +
     "-CAcreateserial -days 2 -extfile " + name + ".ext -out " + name + ".pem");
}

TestCerts::~TestCerts() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace portico::testing
