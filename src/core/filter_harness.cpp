#include "portico/testing/filter_harness.hpp"

#include <condition_variable>
#include <mutex>

#include "core/completion.hpp"

namespace portico::testing {

namespace {

using detail::ExchangeAccess;

/// What a Deferred completion reports, shared with completions that may run on other threads.
struct Shared {
  mutable std::mutex mu;
  std::condition_variable cv;
  RequestOutcome outcome;
  std::uint64_t token = 0;  // the current request phase; a completion for an older one is ignored
};

class HarnessCompletion final : public detail::Completion {
 public:
  HarnessCompletion(std::shared_ptr<Shared> s, std::uint64_t token) : s_(std::move(s)), token_(token) {}
  ~HarnessCompletion() override {
    complete(RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                            make_error(Errc::FilterThrew, "a deferred filter dropped its Deferred without completing it")});
  }
  void next() override { complete(RequestOutcome{}); }
  void respond(Response r) override { complete(RequestOutcome{RequestOutcome::Kind::Respond, std::move(r), std::nullopt}); }
  void fail(Error e) override { complete(RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt, std::move(e)}); }

 private:
  void complete(RequestOutcome o) {
    std::lock_guard lock(s_->mu);
    if (done_ || s_->token != token_) return;
    done_ = true;
    if (!s_->outcome.pending()) return;  // the filter returned a decision and kept the Deferred
    s_->outcome = std::move(o);
    s_->cv.notify_all();
  }
  std::shared_ptr<Shared> s_;
  std::uint64_t token_;
  bool done_ = false;  // guarded by s_->mu
};

}  // namespace

struct FilterHarness::State {
  FilterPtr filter;
  std::unique_ptr<Exchange> exchange = std::make_unique<Exchange>();
  std::string route_id = "route";
  std::optional<Endpoint> endpoint;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  FakeServices services;

  void reset() {
    exchange = std::make_unique<Exchange>();
    ExchangeAccess::services(*exchange) = &services;
    ExchangeAccess::route_id(*exchange) = route_id;
    ExchangeAccess::request_id(*exchange) = "harness-request";
    ExchangeAccess::client_address(*exchange) = "192.0.2.1";
    ExchangeAccess::started(*exchange) = std::chrono::steady_clock::now();
    ExchangeAccess::endpoint(*exchange) = endpoint ? &*endpoint : nullptr;
    std::lock_guard lock(shared->mu);
    ++shared->token;
    shared->outcome = RequestOutcome{};
  }
};

FilterHarness::FilterHarness(FilterPtr filter) : state_(std::make_unique<State>()) {
  state_->filter = std::move(filter);
  state_->reset();
}

FilterHarness::~FilterHarness() = default;

FilterHarness& FilterHarness::request(Request request) {
  state_->reset();
  if (!request.remote_address.empty()) ExchangeAccess::client_address(*state_->exchange) = request.remote_address;
  state_->exchange->request() = std::move(request);
  return *this;
}

FilterHarness& FilterHarness::request(std::string method, std::string target, Headers headers, std::string body) {
  return request(Request::make(std::move(method), std::move(target), std::move(headers), std::move(body)));
}

FilterHarness& FilterHarness::client_address(std::string address) {
  ExchangeAccess::client_address(*state_->exchange) = std::move(address);
  return *this;
}

FilterHarness& FilterHarness::param(std::string name, std::string value) {
  ExchangeAccess::params(*state_->exchange).emplace_back(std::move(name), std::move(value));
  return *this;
}

FilterHarness& FilterHarness::route_id(std::string id) {
  state_->route_id = std::move(id);
  ExchangeAccess::route_id(*state_->exchange) = state_->route_id;
  return *this;
}

FilterHarness& FilterHarness::endpoint(Endpoint endpoint) {
  state_->endpoint = std::move(endpoint);
  ExchangeAccess::endpoint(*state_->exchange) = &*state_->endpoint;
  return *this;
}

FilterHarness& FilterHarness::request_id(std::string id) {
  ExchangeAccess::request_id(*state_->exchange) = std::move(id);
  return *this;
}

Exchange& FilterHarness::exchange() { return *state_->exchange; }

FakeServices& FilterHarness::services() { return state_->services; }

RequestOutcome FilterHarness::run_request() {
  auto shared = state_->shared;
  std::uint64_t token = 0;
  {
    std::lock_guard lock(shared->mu);
    token = ++shared->token;
    shared->outcome = RequestOutcome{RequestOutcome::Kind::Pending, std::nullopt, std::nullopt};
  }
  bool deferred = false;
  ExchangeAccess::completion_factory(*state_->exchange) = [shared, token, &deferred]() {
    deferred = true;
    return std::make_shared<HarnessCompletion>(shared, token);
  };
  RequestOutcome decided;
  try {
    FilterResult r = state_->filter->on_request(*state_->exchange);
    switch (r.kind()) {
      case FilterResult::Kind::Next: decided = RequestOutcome{}; break;
      case FilterResult::Kind::Respond:
        decided = RequestOutcome{RequestOutcome::Kind::Respond, std::move(r.response()), std::nullopt};
        break;
      case FilterResult::Kind::Pending:
        decided = deferred ? RequestOutcome{RequestOutcome::Kind::Pending, std::nullopt, std::nullopt}
                           : RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                                            make_error(Errc::FilterThrew, "returned pending() without calling defer()")};
        break;
    }
  } catch (const std::exception& e) {
    decided = RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                             make_error(Errc::FilterThrew, std::string("filter threw: ") + e.what())};
  } catch (...) {
    decided = RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                             make_error(Errc::FilterThrew, "filter threw a non-exception")};
  }
  // The engine drops the completion factory once the request phase left the filter.
  ExchangeAccess::completion_factory(*state_->exchange) = nullptr;
  // A returned decision wins; a pending one keeps what a Deferred completed meanwhile (or Pending).
  std::lock_guard lock(shared->mu);
  if (!decided.pending()) shared->outcome = std::move(decided);
  return shared->outcome;
}

RequestOutcome FilterHarness::outcome() const {
  std::lock_guard lock(state_->shared->mu);
  return state_->shared->outcome;
}

bool FilterHarness::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->shared->mu);
  return state_->shared->cv.wait_for(lock, timeout, [&] { return !state_->shared->outcome.pending(); });
}

Request FilterHarness::run_upstream_request(Request upstream) {
  state_->filter->on_upstream_request(*state_->exchange, upstream);
  return upstream;
}

Response FilterHarness::run_response(Response response) {
  try {
    state_->filter->on_response(*state_->exchange, response);
  } catch (const std::exception& e) {
    ExchangeAccess::error(*state_->exchange) = make_error(Errc::FilterThrew, e.what());
    response = Response::problem(500, public_detail(Errc::FilterThrew), state_->exchange->request_id());
  } catch (...) {
    ExchangeAccess::error(*state_->exchange) = make_error(Errc::FilterThrew, "non-exception thrown");
    response = Response::problem(500, public_detail(Errc::FilterThrew), state_->exchange->request_id());
  }
  return response;
}

Response FilterHarness::run_error(Error error) {
  Response res = Response::problem(status_for(error.code), public_detail(error.code), state_->exchange->request_id());
  ExchangeAccess::error(*state_->exchange) = std::move(error);
  return run_response(std::move(res));
}

}  // namespace portico::testing
