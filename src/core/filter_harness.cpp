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
  HarnessCompletion(std::shared_ptr<Shared> s, std::uint64_t token, Exchange* exchange)
      : s_(std::move(s)), token_(token), exchange_(exchange) {}
  ~HarnessCompletion() override {
    complete(RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                            make_error(Errc::FilterThrew, "a deferred filter dropped its Deferred without completing it")});
  }
  void next() override { complete(RequestOutcome{}); }
  // `then` runs under the harness's lock, on the completing thread: the test reads the exchange
  // once the outcome says Next.
  void next_with(std::function<void(Exchange&)> then) override { complete(RequestOutcome{}, std::move(then)); }
  void respond(Response r) override { complete(RequestOutcome{RequestOutcome::Kind::Respond, std::move(r), std::nullopt}); }
  void fail(Error e) override { complete(RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt, std::move(e)}); }

 private:
  void complete(RequestOutcome o, std::function<void(Exchange&)> then = {}) {
    std::lock_guard lock(s_->mu);
    if (done_ || s_->token != token_) return;
    done_ = true;
    if (!s_->outcome.pending()) return;  // the filter returned a decision and kept the Deferred
    if (then) {
      try {
        then(*exchange_);
      } catch (const std::exception& e) {
        o = RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                           make_error(Errc::FilterThrew, std::string("a deferred filter's continuation threw: ") + e.what())};
      } catch (...) {
        o = RequestOutcome{RequestOutcome::Kind::Failed, std::nullopt,
                           make_error(Errc::FilterThrew, "a deferred filter's continuation threw a non-exception")};
      }
    }
    s_->outcome = std::move(o);
    s_->cv.notify_all();
  }
  std::shared_ptr<Shared> s_;
  std::uint64_t token_;
  Exchange* exchange_;  // the harness's exchange of this token (read only while the token is current)
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
  ExchangeAccess::completion_factory(*state_->exchange) = [shared, token, &deferred, ex = state_->exchange.get()]() {
    deferred = true;
    return std::make_shared<HarnessCompletion>(shared, token, ex);
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

namespace {

/// Runs one phase call the way the engine does: a throw becomes an error (FilterThrew).
template <class Fn>
std::optional<Error> guarded(Fn&& fn, std::string_view phase) {
  try {
    fn();
    return std::nullopt;
  } catch (const std::exception& e) {
    return make_error(Errc::FilterThrew, std::string(phase) + " threw: " + e.what());
  } catch (...) {
    return make_error(Errc::FilterThrew, std::string(phase) + " threw a non-exception");
  }
}

/// A transform's turn, as Pipeline::run_transform: a failure or a throw is an error.
std::optional<Error> transform(BodyTransform& t, std::string& piece, bool end_of_stream) {
  std::optional<Error> failed;
  auto threw = guarded(
      [&] {
        if (auto r = t.on_data(piece, end_of_stream); !r) failed = std::move(r).error();
      },
      "the body transform");
  return threw ? threw : failed;
}

}  // namespace

StreamedResponse FilterHarness::run_response_stream(Response head, std::vector<std::string> pieces) {
  Exchange& ex = *state_->exchange;
  StreamedResponse out;
  auto fail = [&](Error e) {
    ExchangeAccess::error(ex) = e;
    out.response = Response::problem(500, public_detail(Errc::FilterThrew), ex.request_id());
    out.error = std::move(e);
    return std::move(out);
  };
  ResponseBody asked;
  if (auto e = guarded([&] { asked = state_->filter->on_response_head(ex, head); }, "on_response_head"))
    return fail(std::move(*e));
  out.transformed = static_cast<bool>(asked.transform);
  std::string prefix;  // what a buffering filter got before the body went over its limit
  std::size_t next = 0;
  if (asked.buffer_limit > 0) {
    for (; next < pieces.size() && prefix.size() <= asked.buffer_limit; ++next) prefix += pieces[next];
    out.buffered = prefix.size() <= asked.buffer_limit;
    out.over_limit = !out.buffered;
    ExchangeAccess::response_body_over_limit(ex) = out.over_limit;
  }
  if (out.buffered) {  // as the engine: the transform over the whole body, then on_response
    head.body = std::move(prefix);
    if (asked.transform)
      if (auto e = transform(*asked.transform, head.body, true)) return fail(std::move(*e));
    if (auto e = guarded([&] { state_->filter->on_response(ex, head); }, "on_response")) return fail(std::move(*e));
    out.pieces.push_back(head.body);
    out.response = std::move(head);
    return out;
  }
  head.body.clear();
  if (auto e = guarded([&] { state_->filter->on_response(ex, head); }, "on_response")) return fail(std::move(*e));
  out.response = std::move(head);
  out.response.body.clear();
  // The body streams: what a buffering filter already took first, then the rest, then the end.
  std::vector<std::string> rest;
  if (!prefix.empty()) rest.push_back(std::move(prefix));
  for (; next < pieces.size(); ++next) rest.push_back(std::move(pieces[next]));
  for (std::size_t i = 0; i <= rest.size(); ++i) {
    const bool end = i == rest.size();
    std::string piece = end ? std::string() : std::move(rest[i]);
    if (asked.transform) {
      if (auto e = transform(*asked.transform, piece, end)) {
        out.error = std::move(*e);
        return out;  // the engine closes the connection after what came out
      }
    }
    out.response.body += piece;
    out.pieces.push_back(std::move(piece));
  }
  return out;
}

StreamedRequestBody FilterHarness::run_request_body(std::vector<std::string> pieces) {
  Exchange& ex = *state_->exchange;
  StreamedRequestBody out;
  std::unique_ptr<BodyTransform> t;
  if (auto e = guarded([&] { t = state_->filter->request_body_transform(ex); }, "request_body_transform")) {
    out.error = std::move(e);
    return out;
  }
  out.transformed = static_cast<bool>(t);
  for (std::size_t i = 0; i <= pieces.size(); ++i) {
    const bool end = i == pieces.size();
    std::string piece = end ? std::string() : std::move(pieces[i]);
    if (t) {
      if (auto e = transform(*t, piece, end)) {
        out.error = std::move(*e);
        return out;
      }
    }
    out.body += piece;
    out.pieces.push_back(std::move(piece));
  }
  return out;
}

Response FilterHarness::run_response(Response response) {
  Exchange& ex = *state_->exchange;
  auto problem = [&](Error e) {
    ExchangeAccess::error(ex) = std::move(e);
    return Response::problem(500, public_detail(Errc::FilterThrew), ex.request_id());
  };
  ResponseBody asked;
  if (auto e = guarded([&] { asked = state_->filter->on_response_head(ex, response); }, "on_response_head"))
    return problem(std::move(*e));
  if (asked.buffer_limit > 0 && response.body.size() > asked.buffer_limit)
    ExchangeAccess::response_body_over_limit(ex) = true;
  if (asked.transform)
    if (auto e = transform(*asked.transform, response.body, true)) return problem(std::move(*e));
  if (auto e = guarded([&] { state_->filter->on_response(ex, response); }, "on_response")) return problem(std::move(*e));
  return response;
}

Response FilterHarness::run_error(Error error) {
  Response res = Response::problem(status_for(error.code), public_detail(error.code), state_->exchange->request_id());
  ExchangeAccess::error(*state_->exchange) = std::move(error);
  return run_response(std::move(res));
}

}  // namespace portico::testing
