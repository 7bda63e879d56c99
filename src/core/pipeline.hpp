#pragma once
// Internal: one request's trip through the gateway — route, request filters (sync, deferred or on
// the worker executor), load balancing, the upstream attempt, response filters — independent of
// how bytes arrive. The socket engine and Gateway::handle each subclass it with their transport.
//
// Threading: every method runs on the exchange's own serial context (its event loop, or a strand
// for Gateway::handle); post() is the only entry from other threads.

#include <functional>
#include <memory>
#include <optional>

#include "core/gateway_shared.hpp"
#include "core/snapshot.hpp"
#include "portico/filter.hpp"

namespace portico::detail {

class Pipeline : public std::enable_shared_from_this<Pipeline> {
 public:
  Pipeline(std::shared_ptr<const Snapshot> snapshot, std::shared_ptr<GatewayShared> shared);
  virtual ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Takes the request and finds its route. False: no route (call run() anyway: it answers 404).
  bool route(Request request);
  /// The matched route, or nullptr.
  const CompiledRoute* compiled() const noexcept { return route_; }
  Exchange& exchange() noexcept { return exchange_; }
  const Snapshot& snapshot() const noexcept { return *snapshot_; }
  GatewayShared& gateway_shared() const noexcept { return *shared_; }

  /// Runs the exchange to its end: deliver() is called exactly once.
  void run();
  /// Answers with an engine error (mapped by the one table), running the response filters entered.
  void fail(Error error);
  /// True when the route has completion observers (timestamps are taken only then).
  bool observing() const noexcept { return route_ && !route_->observers.empty(); }
  /// The record the observers will get; the transport fills in its timings and byte counts.
  ExchangeRecord& record() noexcept { return record_; }
  /// Ends the exchange for the observers: fills outcome, status and done, then calls each
  /// observer once (exceptions are logged). Later calls do nothing. Serial context.
  void complete(bool client_aborted, bool body_broke);
  /// True when a filter of the route may still defer: only then is a filter deadline armed (routes
  /// without filters never take the timer).
  bool has_filters() const noexcept { return route_ && !route_->filters.empty(); }
  /// When the request phase must be over: the route's timeout or ServerOptions::filter_timeout
  /// (the shorter), counted from the request head. Valid after route().
  std::chrono::steady_clock::time_point filter_deadline() const noexcept;
  /// The transport's timer saw filter_deadline() pass: if a deferred or blocking filter is still
  /// running, the exchange fails with FilterTimeout (504) and its late completion is ignored.
  /// Returns true if it did.
  bool filter_deadline_passed();

 protected:
  /// Sends one attempt upstream; the subclass must call upstream_done() exactly once, on the serial context.
  virtual void send_upstream(const Endpoint& endpoint, const UpstreamRuntime& upstream, Request request,
                             std::chrono::milliseconds timeout) = 0;
  /// The final response (after response filters), on the serial context.
  virtual void deliver(Response response) = 0;
  /// Runs `fn` on this exchange's serial context; callable from any thread.
  virtual void post(std::function<void()> fn) = 0;

  /// Gives the exchange's filters these services (Exchange::services()); the default is the
  /// gateway's off-loop services. `services` outlives the exchange.
  void set_services(Services* services) noexcept;

  /// The upstream's answer (or the failure) for the attempt started by send_upstream().
  void upstream_done(Result<Response> result);

  std::shared_ptr<GatewayShared> shared_;

 private:
  friend class PipelineCompletion;
  void run_filters(std::size_t index);
  void on_filter_result(std::size_t index, FilterResult result);
  void resume(std::uint64_t token, std::optional<FilterResult> result, std::optional<Error> error);
  void go_upstream();
  /// Runs the response filters and delivers. A problem answered by the gateway or a filter (not
  /// `from_upstream`) that lacks a request id gets it.
  void finish(Response response, bool from_upstream = false);
  Response error_response(const Error& error);

  std::shared_ptr<const Snapshot> snapshot_;
  const CompiledRoute* route_ = nullptr;
  Exchange exchange_;
  RouteMatch match_;
  std::size_t entered_ = 0;         // filters whose on_request ran
  std::uint64_t defer_token_ = 0;   // increments with every defer(); a completion must match it
  std::uint64_t waiting_token_ = 0; // the token run_filters is suspended on (0: not suspended)
  std::optional<std::size_t> picked_;
  std::string upstream_target_;  // computed at routing, from the captures
  bool delivered_ = false;
  bool completed_ = false;
  int delivered_status_ = 0;
  ExchangeRecord record_;
  bool blocking_running_ = false;  // a blocking filter's on_request is running on the worker
};

}  // namespace portico::detail
