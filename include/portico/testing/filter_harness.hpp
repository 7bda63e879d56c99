#pragma once
/// Runs one filter without a gateway: build a request, run the request phase, complete deferred
/// work, run the response phase, and read what the filter did. For filters' unit tests.
///
///   portico::testing::FilterHarness h(my_filter);
///   h.request("GET", "/api/users/7", {{"Authorization", "Bearer x"}}).param("id", "7");
///   auto outcome = h.run_request();          // Next, Respond, Pending or Failed
///   auto res = h.run_response(Response::text(200, "ok"));
///
/// A filter that uses Exchange::services() gets a FakeServices: its timers fire when the test
/// advances the manual clock, its fetches wait until the test answers them.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "portico/error.hpp"
#include "portico/filter.hpp"
#include "portico/http.hpp"
#include "portico/services.hpp"

namespace portico::testing {

/// Services for filter tests, used from the test's thread: a manual clock (timers fire only in
/// advance(), in due order) and an HTTP client that records each fetch and calls its callback
/// when the test answers it. Worker tasks queue until run_worker_tasks().
class FakeServices final : public Services {
 public:
  FakeServices();
  ~FakeServices() override;
  FakeServices(const FakeServices&) = delete;
  FakeServices& operator=(const FakeServices&) = delete;

  bool on_loop() const noexcept override { return true; }
  TimerHandle timer(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void fetch(ClientRequest request, ClientCallback done) override;
  Executor worker() const override;

  /// Moves the manual clock forward by `by`, running every timer due by then (a timer armed by a
  /// callback runs too if it is due); returns how many ran.
  std::size_t advance(std::chrono::milliseconds by);
  /// Time on the manual clock since the FakeServices was made.
  std::chrono::milliseconds now() const noexcept { return now_; }
  /// Timers armed and neither fired nor cancelled.
  std::size_t pending_timers() const noexcept;

  /// Fetches not answered yet, oldest first.
  std::size_t pending_fetches() const noexcept { return fetches_.size(); }
  /// The `index`-th pending fetch's request (0: the oldest).
  const ClientRequest& pending_fetch(std::size_t index = 0) const;
  /// Answers the `index`-th pending fetch: its callback runs now, on this thread, and the fetch
  /// is no longer pending. Returns false if there is no such fetch.
  bool answer(Result<Response> result, std::size_t index = 0);
  /// Every fetch made so far (answered or not), in order.
  const std::vector<ClientRequest>& fetched() const noexcept { return fetched_; }

  /// Runs the worker tasks queued so far (and those they queue); returns how many ran.
  std::size_t run_worker_tasks();

 private:
  struct Timer;
  struct Fetch {
    ClientRequest request;
    ClientCallback done;
  };
  std::chrono::milliseconds now_{0};
  std::uint64_t sequence_ = 0;
  std::vector<std::shared_ptr<Timer>> timers_;
  std::deque<Fetch> fetches_;
  std::vector<ClientRequest> fetched_;
  std::shared_ptr<std::deque<std::function<void()>>> worker_tasks_;
};

/// What a filter's request phase decided.
struct RequestOutcome {
  enum class Kind {
    Next,     ///< continue to the next filter (or the upstream)
    Respond,  ///< answered: `response` holds the answer
    Pending,  ///< deferred, not completed yet
    Failed,   ///< threw, failed its Deferred, dropped it, or returned pending() without defer(): `error`
  };
  Kind kind = Kind::Next;
  std::optional<Response> response;
  std::optional<Error> error;

  bool next() const noexcept { return kind == Kind::Next; }
  bool responded() const noexcept { return kind == Kind::Respond; }
  bool pending() const noexcept { return kind == Kind::Pending; }
  bool failed() const noexcept { return kind == Kind::Failed; }
};

/// What came out of a response phase whose body was given in pieces (run_response_stream).
struct StreamedResponse {
  Response response;                ///< the head as on_response left it; body: all that came out
  std::vector<std::string> pieces;  ///< what was sent per input piece, then for the end of the stream
  bool buffered = false;     ///< the filter asked for the body whole and on_response saw it whole
  bool over_limit = false;   ///< it asked, but the body was over its limit: it streamed unchanged
  bool transformed = false;  ///< the filter attached a BodyTransform
  /// The transform failed (the engine then closes the client connection after what came out), or
  /// a phase threw before the head was sent (`response` is then the engine's 500 problem).
  std::optional<Error> error;
};

/// What came out of a request body sent through the filter's request body transform
/// (run_request_body).
struct StreamedRequestBody {
  std::string body;                 ///< all that went upstream
  std::vector<std::string> pieces;  ///< what went upstream per input piece, then for the end
  bool transformed = false;         ///< the filter attached a BodyTransform (request_body_transform)
  /// The transform failed or threw: the engine closes the upstream connection before the body's
  /// end and answers 500 (`body` holds what came out before).
  std::optional<Error> error;
};

/// One filter and one exchange. Use from one thread; a Deferred the filter took may be completed
/// from any thread (wait() blocks until it is). Blocking filters run on the calling thread.
class FilterHarness {
 public:
  explicit FilterHarness(FilterPtr filter);
  ~FilterHarness();
  FilterHarness(const FilterHarness&) = delete;
  FilterHarness& operator=(const FilterHarness&) = delete;

  /// Starts a new exchange with `request` (earlier attributes, params and outcome are dropped).
  FilterHarness& request(Request request);
  /// Same, built with Request::make (normalized path, raw query).
  FilterHarness& request(std::string method, std::string target, Headers headers = {}, std::string body = {});
  /// The client address the exchange reports (default: the request's remote address, else 192.0.2.1).
  FilterHarness& client_address(std::string address);
  /// Adds a captured route placeholder (`{id}` → param("id")).
  FilterHarness& param(std::string name, std::string value);
  FilterHarness& route_id(std::string id);
  /// The upstream endpoint the exchange reports as chosen (exchange.endpoint()).
  FilterHarness& endpoint(Endpoint endpoint);
  FilterHarness& request_id(std::string id);
  /// Sets a per-request attribute, as an earlier filter would have.
  template <class T>
  FilterHarness& attribute(std::string_view key, T value) {
    exchange().set(key, std::move(value));
    return *this;
  }

  /// Sets who sent the request, as an earlier authentication filter would have.
  FilterHarness& identity(Identity identity) {
    exchange().set_identity(std::move(identity));
    return *this;
  }

  /// Runs the filter's on_request. A throw becomes Failed (FilterThrew), as in the engine.
  RequestOutcome run_request();
  /// The latest outcome; a Deferred completed since run_request() is reflected here.
  RequestOutcome outcome() const;
  /// Waits until a Pending request phase completes, at most `timeout`; true if it did.
  bool wait(std::chrono::milliseconds timeout);

  /// Runs Filter::request_body_transform (as the engine does once on_request continued) and sends
  /// the request body, given in `pieces`, through the transform it attached: each piece, then the
  /// end of the stream (an empty piece). With no transform the pieces come out unchanged.
  StreamedRequestBody run_request_body(std::vector<std::string> pieces);
  /// Runs on_upstream_request on `upstream` (the request as the engine would send it) and returns it.
  Request run_upstream_request(Request upstream);
  /// Runs the response phase on `response` as the engine does for a body that is already whole
  /// (on_response_head, the attached transform over the whole body, then on_response) and returns it
  /// as the filter left it. A throw or a failing transform gives the engine's 500 problem response.
  Response run_response(Response response);
  /// Runs the response phase as the engine does for an upstream response whose body arrives in
  /// `pieces` after `head`: on_response_head; then the body whole if the filter asked for it within
  /// its limit; otherwise on_response on the head and every piece through the attached transform.
  StreamedResponse run_response_stream(Response head, std::vector<std::string> pieces);
  /// Runs on_response on the gateway-made answer to `error` (exchange().error() is set).
  Response run_error(Error error);

  /// The exchange the filter sees (request, params, attributes, ids).
  Exchange& exchange();
  /// The fake services the exchange gives the filter (kept across request()).
  FakeServices& services();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace portico::testing
