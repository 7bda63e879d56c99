// Uses the public API end to end without sockets: a route, a filter and a fake transport.
#include <portico/portico.hpp>

#include <cstdio>

namespace {
class EchoTransport final : public portico::Transport {
 public:
  void send(const portico::Endpoint& ep, portico::Request req, std::chrono::milliseconds,
            std::function<void(portico::Result<portico::Response>)> done) override {
    done(portico::Response::text(200, ep.host + " " + req.method + " " + req.target));
  }
};
}  // namespace

int main() {
  portico::Gateway gateway(std::make_shared<EchoTransport>());
  portico::Config config;
  config.add(portico::Upstream("users").endpoint("users.internal", 8080))
      .add(portico::Route("get-user").get("/api/users/{id}").rewrite("/users/{id}").to("users"));
  if (auto r = gateway.apply(config); !r) {
    std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
    return 1;
  }
  auto res = gateway.handle(portico::Request::make("GET", "/api/users/42"));
  std::printf("%d %s\n", res.status, res.body.c_str());
  return res.status == 200 && res.body == "users.internal GET /users/42" ? 0 : 1;
}
