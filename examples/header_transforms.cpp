// Built-in filters from C++: header transforms on both sides (placeholders, a removal, a redirect's
// Location pointed back at the gateway) and a request id returned to the client.
// Run `demo_services` first (users on :5002), then:
//   ./header_transforms 8080 &  curl -i -H 'X-Correlation-Id: abc-123' localhost:8080/t/acme/users/42
#include <portico/filters/header_transform.hpp>
#include <portico/filters/request_id.hpp>
#include <portico/portico.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  using namespace portico;
  using filters::HeaderEdit;
  const long port = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 8080;
  if (port < 1 || port > 65535) return std::fprintf(stderr, "usage: %s [port]\n", argv[0]), 2;

  filters::HeaderTransformConfig headers;
  headers.request = {
      {.kind = HeaderEdit::Kind::Set, .name = "X-Forwarded-For", .value = "{RemoteIpAddress}"},
      {.kind = HeaderEdit::Kind::Set, .name = "X-Tenant", .value = "{tenant}"},  // the route's placeholder
      {.kind = HeaderEdit::Kind::Remove, .name = "Cookie"},
  };
  headers.response = {
      // A redirect to the upstream's own address goes back through the gateway ({BaseUrl} is empty
      // here, so it is the scheme and Host the client used).
      {.kind = HeaderEdit::Kind::Replace, .name = "Location", .find = "{DownstreamBaseUrl}", .replace = "{BaseUrl}"},
      {.kind = HeaderEdit::Kind::Remove, .name = "Server"},
      {.kind = HeaderEdit::Kind::Set, .name = "X-Served-For", .value = "tenant {tenant}"},
  };
  auto transform = filters::make_header_transform(std::move(headers));
  if (!transform) return std::fprintf(stderr, "%s\n", transform.error().to_string().c_str()), 1;
  auto request_id = filters::make_request_id({.header = "X-Correlation-Id"});
  if (!request_id) return std::fprintf(stderr, "%s\n", request_id.error().to_string().c_str()), 1;

  Config config;
  config.add(Upstream("users").endpoint("127.0.0.1", 5002))
      .add(Route("tenant-user").get("/t/{tenant}/users/{id}").rewrite("/users/{id}").filter(*transform).to("users"))
      .use(*request_id);  // every route; phases put it first on the request and last on the response

  Gateway gateway;
  if (auto ok = gateway.apply(config); !ok) return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  if (auto ok = gateway.listen({.host = "127.0.0.1", .port = static_cast<std::uint16_t>(port)}); !ok)
    return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  std::printf("header_transforms on http://127.0.0.1:%u\n", gateway.port());
  gateway.run();
}
