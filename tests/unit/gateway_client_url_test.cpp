// The loop HTTP client's URL parser (ClientRequest::url).
#include <catch2/catch.hpp>

#include "core/client_url.hpp"

using portico::Errc;
using portico::detail::parse_client_url;

TEST_CASE("client URL: scheme, host, port, target and Host field", "[gateway][client]") {
  auto u = parse_client_url("http://127.0.0.1:8080/keys?kid=1#frag");
  REQUIRE(u);
  CHECK(u->endpoint.scheme == "http");
  CHECK(u->endpoint.host == "127.0.0.1");
  CHECK(u->endpoint.port == 8080);
  CHECK(u->target == "/keys?kid=1");
  CHECK(u->host == "127.0.0.1:8080");

  auto s = parse_client_url("HTTPS://idp.example.com");
  REQUIRE(s);
  CHECK(s->endpoint.scheme == "https");
  CHECK(s->endpoint.port == 443);
  CHECK(s->target == "/");
  CHECK(s->host == "idp.example.com");

  auto q = parse_client_url("http://h?x=1");
  REQUIRE(q);
  CHECK(q->target == "/?x=1");

  auto v6 = parse_client_url("http://[::1]:9000/p");
  REQUIRE(v6);
  CHECK(v6->endpoint.host == "::1");
  CHECK(v6->endpoint.port == 9000);
  CHECK(v6->host == "[::1]:9000");
}

TEST_CASE("client URL: what is refused", "[gateway][client]") {
  for (const char* bad : {"ftp://h/", "h/path", "http://", "http://user@h/", "http://h:0/", "http://h:65536/",
                          "http://h:/", "http://[::1/", "http://[zz]/", "http://h h/", "http://h/\x01", "http://a%2f/"}) {
    INFO(bad);
    auto u = parse_client_url(bad);
    REQUIRE_FALSE(u);
    CHECK(u.error().code == Errc::InvalidArgument);
  }
}
