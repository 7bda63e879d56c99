#pragma once
// Internal: the services of exchanges that run on no event loop (Gateway::handle): the worker
// executor works; timer() and fetch() honestly refuse (Errc::Unsupported).

#include <functional>
#include <utility>

#include "portico/services.hpp"

namespace portico::detail {

class OffLoopServices final : public Services {
 public:
  /// `worker` gives the host's worker executor when asked (read at each call: it may be set later).
  explicit OffLoopServices(std::function<Executor()> worker) : worker_(std::move(worker)) {}
  bool on_loop() const noexcept override { return false; }
  TimerHandle timer(std::chrono::milliseconds, std::function<void()>) override { return {}; }
  /// Answers at once (there is no loop to post to).
  void fetch(ClientRequest request, ClientCallback done) override {
    if (done)
      done(make_error(Errc::Unsupported, "the loop HTTP client is not available to Gateway::handle() exchanges (" +
                                             request.url + ")"));
  }
  Executor worker() const override { return worker_ ? worker_() : Executor(); }

 private:
  std::function<Executor()> worker_;
};

}  // namespace portico::detail
