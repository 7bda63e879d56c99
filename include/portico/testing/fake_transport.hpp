#pragma once
/// A Transport for tests and hosts: records what the gateway sends upstream and answers with a
/// scripted function, without sockets. `Gateway gw(std::make_shared<portico::testing::FakeTransport>(...))`.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "portico/gateway.hpp"

namespace portico::testing {

/// One upstream call the gateway made.
struct SentRequest {
  Endpoint endpoint;
  Request request;
  std::chrono::milliseconds timeout{0};
};

/// Answers each upstream call with `respond(endpoint, request)`; thread-safe.
class FakeTransport final : public Transport {
 public:
  using Respond = std::function<Result<Response>(const Endpoint&, const Request&)>;

  /// Default: 200 with body "<host>:<port> <METHOD> <target>".
  FakeTransport()
      : respond_([](const Endpoint& e, const Request& r) -> Result<Response> {
          return Response::text(200, e.host + ":" + std::to_string(e.port) + " " + r.method + " " + r.target);
        }) {}
  explicit FakeTransport(Respond respond) : respond_(std::move(respond)) {}

  void send(const Endpoint& endpoint, Request request, std::chrono::milliseconds timeout,
            std::function<void(Result<Response>)> done) override {
    Result<Response> result = respond_(endpoint, request);
    {
      std::lock_guard lock(mu_);
      sent_.push_back(SentRequest{endpoint, std::move(request), timeout});
    }
    done(std::move(result));
  }

  /// A copy of every call so far, in order.
  std::vector<SentRequest> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  Respond respond_;
  mutable std::mutex mu_;
  std::vector<SentRequest> sent_;
};

}  // namespace portico::testing
