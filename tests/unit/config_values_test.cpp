#include <catch2/catch.hpp>

#include "config/ocelot_values.hpp"

using namespace portico::detail;

TEST_CASE("IPv4 addresses are dotted quads without leading zeros", "[config][values]") {
  for (auto ok : {"0.0.0.0", "10.0.0.1", "255.255.255.255", "192.168.1.7"}) {
    INFO(ok);
    CHECK(is_ipv4_address(ok));
  }
  for (auto bad :
       {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", "a.b.c.d", "1.2.3.-4", "1234.1.1.1"}) {
    INFO(bad);
    CHECK_FALSE(is_ipv4_address(bad));
  }
}

TEST_CASE("IPv6 addresses follow RFC 4291 text forms", "[config][values]") {
  for (auto ok : {"::", "::1", "fd00::", "fd00::12", "2001:db8:0:0:0:0:0:1", "2001:DB8::8:800:200C:417A",
                  "::ffff:10.0.0.1", "1::", "1:2:3:4:5:6:7::"}) {
    INFO(ok);
    CHECK(is_ipv6_address(ok));
  }
  for (auto bad : {"", ":", ":::", "1:2", "1::2::3", "12345::", "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7:8:9",
                   "::1:2:3:4:5:6:7:8", "g::1", "1:", ":1", "::1.2.3"}) {
    INFO(bad);
    CHECK_FALSE(is_ipv6_address(bad));
  }
}

TEST_CASE("CIDR ranges are checked and single addresses become /32 or /128", "[config][values]") {
  CHECK(normalize_cidr("10.0.0.0/8") == std::optional<std::string>("10.0.0.0/8"));
  CHECK(normalize_cidr("10.0.0.1") == std::optional<std::string>("10.0.0.1/32"));
  CHECK(normalize_cidr("0.0.0.0/0") == std::optional<std::string>("0.0.0.0/0"));
  CHECK(normalize_cidr("fd00::/8") == std::optional<std::string>("fd00::/8"));
  CHECK(normalize_cidr("::1") == std::optional<std::string>("::1/128"));
  CHECK(normalize_cidr("::/0") == std::optional<std::string>("::/0"));
  for (auto bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0/8", "/8",
                   "localhost", "10.0.0.0/8/9", "fd00::/x"}) {
    INFO(bad);
    CHECK_FALSE(normalize_cidr(bad).has_value());
  }
}

TEST_CASE("upstream hosts are names or IP literals, brackets removed", "[config][values]") {
  CHECK(normalize_upstream_host("orders.internal") == std::optional<std::string>("orders.internal"));
  CHECK(normalize_upstream_host("my_service-1") == std::optional<std::string>("my_service-1"));
  CHECK(normalize_upstream_host("[fd00::12]") == std::optional<std::string>("fd00::12"));
  CHECK(normalize_upstream_host("::1") == std::optional<std::string>("::1"));
  for (auto bad : {"", "http://x", "x:80", "a b", "x/y", "[x]", "[::1]:80", "user@host"}) {
    INFO(bad);
    CHECK_FALSE(normalize_upstream_host(bad).has_value());
  }
}

TEST_CASE("HTTP tokens", "[config][values]") {
  CHECK(is_http_token("X-Request-Id"));
  CHECK(is_http_token("GET"));
  CHECK_FALSE(is_http_token(""));
  CHECK_FALSE(is_http_token("X Id"));
  CHECK_FALSE(is_http_token("X:Id"));
}
