// Custom filters in C++: a synchronous API-key check that can answer 401 at once, an
// asynchronous lookup that finishes later from another thread without blocking a loop, a
// response filter, and a request body transform that masks digits as the body streams upstream.
// Run `demo_services`, then:
//   ./custom_filter &  curl -i -H 'X-Api-Key: demo-key' localhost:8081/api/users/7
//   curl -i -H 'X-Api-Key: demo-key' --data 'card=4111111111111111' localhost:8081/api/users
#include <portico/portico.hpp>

#include <cstdio>
#include <set>
#include <thread>

using namespace portico;

/// Config (the key set) is immutable and shared; per-request state goes in the Exchange.
class ApiKeyFilter final : public Filter {
 public:
  explicit ApiKeyFilter(std::set<std::string, std::less<>> keys) : keys_(std::move(keys)) {}
  std::string_view name() const noexcept override { return "api-key"; }
  FilterResult on_request(Exchange& ex) const override {
    auto key = ex.request().headers.get("X-Api-Key");
    if (!key || !keys_.contains(*key)) return FilterResult::respond(Response::problem(401, "missing or unknown API key"));
    ex.set("api-key", std::string(*key));
    return FilterResult::next();
  }

 private:
  std::set<std::string, std::less<>> keys_;
};

/// Looks the caller's plan up "remotely": the loop thread moves on; another thread completes.
class PlanLookupFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "plan-lookup"; }
  FilterResult on_request(Exchange& ex) const override {
    Deferred done = ex.defer();
    std::string key = *ex.get<std::string>("api-key");
    std::thread([done, key] {  // stands in for a Redis or HTTP client callback
      if (key == "blocked-key")
        done.respond(Response::problem(403, "this key's plan is suspended"));
      else
        done.next();
    }).detach();
    return FilterResult::pending();
  }
  void on_response(Exchange& ex, Response& res) const override {
    res.headers.set("X-Plan", ex.get<std::string>("api-key") ? "gold" : "none");
  }
};

/// Rewrites each piece of the request body on its way upstream (no buffering): digits become '#'.
class MaskDigits final : public BodyTransform {
 public:
  Result<void> on_data(std::string& piece, bool) override {
    for (char& c : piece)
      if (c >= '0' && c <= '9') c = '#';
    return {};
  }
};

class MaskDigitsFilter final : public Filter {
 public:
  std::string_view name() const noexcept override { return "mask-digits"; }
  std::unique_ptr<BodyTransform> request_body_transform(Exchange&) const override {
    return std::make_unique<MaskDigits>();
  }
};

int main() {
  Config config;
  config.add(Upstream("users").endpoint("127.0.0.1", 5002))
      .add(Route("user")
               .get("/api/users/{id}")
               .rewrite("/users/{id}")
               .filter(std::make_shared<ApiKeyFilter>(std::set<std::string, std::less<>>{"demo-key", "blocked-key"}))
               .filter(std::make_shared<PlanLookupFilter>())
               .to("users"))
      .add(Route("new-user")
               .post("/api/users")
               .rewrite("/users")
               .filter(std::make_shared<ApiKeyFilter>(std::set<std::string, std::less<>>{"demo-key", "blocked-key"}))
               .filter(std::make_shared<MaskDigitsFilter>())
               .to("users"));
  Gateway gateway;
  if (auto ok = gateway.apply(config); !ok) return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  if (auto ok = gateway.listen({.host = "127.0.0.1", .port = 8081}); !ok)
    return std::fprintf(stderr, "%s\n", ok.error().to_string().c_str()), 1;
  std::printf("custom_filter on http://127.0.0.1:%u\n", gateway.port());
  gateway.run();
}
