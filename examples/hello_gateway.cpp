// A gateway composed in code: two upstreams, three routes, a filter, two event loops.
// Run `demo_services` first (products on :5001, users on :5002), then:
//   ./hello_gateway &  curl -i localhost:8080/api/users/42
#include <portico/portico.hpp>

#include <cstdio>
#include <thread>

int main() {
  using namespace portico;
  Config config;
  config.add(Upstream("products").endpoint("127.0.0.1", 5001))
      .add(Upstream("users").endpoint("127.0.0.1", 5002).load_balancing(LoadBalancing::LeastConnections))
      .add(Route("products").get("/api/products/{everything}").rewrite("/products/{everything}").to("products"))
      .add(Route("user").get("/api/users/{id}").rewrite("/users/{id}").to("users"))
      .add(Route("create-user").post("/api/users").rewrite("/users").to("users"))
      .use(response_filter("powered-by", [](Exchange& ex, Response& res) {
        res.headers.set("X-Powered-By", "portico");
        res.headers.set("X-Request-Id", std::string(ex.request_id()));
      }));

  Gateway gateway;
  if (auto ok = gateway.apply(config); !ok) return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  if (auto ok = gateway.listen({.host = "127.0.0.1", .port = 8080}); !ok)
    return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  std::printf("hello_gateway on http://127.0.0.1:%u\n", gateway.port());
  std::thread second([&] { gateway.run(); });  // two loops: this thread and one more
  gateway.run();
  second.join();
}
