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
#include <utility>
#include <vector>

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

  // Bodies: the per-request decisions of the route's filters (docs/design/filters.md "Bodies").
  /// The largest Filter::request_body_limit of the route's filters for this request, capped by
  /// max_body_bytes; 0 when none asks (always 0 on a route without filters), or the failure of a
  /// filter that threw. After route().
  Result<std::size_t> request_body_limit() const;
  /// Runs on_response_head of the filters whose on_request ran on an upstream response head
  /// (cleaned of hop-by-hop fields first), collecting their transforms. Returns the largest buffer
  /// limit asked (capped by max_body_bytes; 0: none), or the failure of a filter that threw.
  /// Costs one branch on a route without filters.
  Result<std::size_t> decide_response_body(Response& head);
  /// True when transforms are attached to the response body still to stream (after deliver()).
  bool has_response_transforms() const noexcept { return !response_transforms_.empty(); }
  /// Passes one piece of the streamed response body through the attached transforms, in response
  /// order. An error: a transform failed or threw (logged here); the response must be aborted.
  Result<void> transform_response_piece(std::string& piece, bool end_of_stream);
  /// The body was larger than every buffer limit asked: the filters see the flag, the body streams.
  void set_response_over_limit() noexcept;
  /// True when transforms are attached to the request body still to stream upstream (after
  /// send_upstream was called with request_body_streams() true): the transport must re-frame it
  /// chunked and pass each piece through transform_request_piece.
  bool has_request_transforms() const noexcept { return !request_transforms_.empty(); }
  /// Passes one piece of the streamed request body through the attached transforms, in request
  /// order. An error: a transform failed or threw (logged here); the upstream request must be aborted.
  Result<void> transform_request_piece(std::string& piece, bool end_of_stream);

 protected:
  /// Sends one attempt upstream; the subclass must call upstream_done() exactly once, on the serial context.
  virtual void send_upstream(const Endpoint& endpoint, const UpstreamRuntime& upstream, Request request,
                             std::chrono::milliseconds timeout) = 0;
  /// The final response (after response filters), on the serial context.
  virtual void deliver(Response response) = 0;
  /// Runs `fn` on this exchange's serial context; callable from any thread.
  virtual void post(std::function<void()> fn) = 0;

  /// True when the request body is still on the wire when the upstream request is sent (it will
  /// stream); false when Request::body is the whole body (the default: Gateway::handle).
  virtual bool request_body_streams() const { return false; }

  /// Gives the exchange's filters these services (Exchange::services()); the default is the
  /// gateway's off-loop services. `services` outlives the exchange.
  void set_services(Services* services) noexcept;

  /// The upstream's answer (or the failure) for the attempt started by send_upstream().
  /// `body_whole`: Response::body is the whole body (false: it streams after delivery).
  void upstream_done(Result<Response> result, bool body_whole = true);
  /// True when the delivered response is the upstream's whose body still streams from the
  /// upstream connection (false after a filter or the gateway replaced it).
  bool streams_upstream_body() const noexcept { return streams_upstream_body_; }

  std::shared_ptr<GatewayShared> shared_;

 private:
  friend class PipelineCompletion;
  void run_filters(std::size_t index);
  void on_filter_result(std::size_t index, FilterResult result);
  void resume(std::uint64_t token, std::optional<FilterResult> result, std::optional<Error> error,
              std::function<void(Exchange&)> then = {});
  void go_upstream();
  /// Runs the response filters and delivers. A problem answered by the gateway or a filter (not
  /// `from_upstream`) that lacks a request id gets it. `body_whole`: transforms apply to
  /// Response::body here (otherwise they stay attached for the transport's stream).
  void finish(Response response, bool from_upstream = false, bool body_whole = true);
  Response error_response(const Error& error);
  /// Replaces `response` with the problem for a failed filter (the response phase goes on with it).
  void filter_failed(Response& response, std::string_view filter, std::string_view what);
  /// on_response_head of the entered filters (decide_response_body without the cleaning).
  Result<std::size_t> collect_response_decisions(const Response& head);
  /// One transform's turn on a piece; an error for a failure or a throw.
  Result<void> run_transform(BodyTransform& t, std::string& piece, bool end_of_stream);
  using Transforms = std::vector<std::pair<std::size_t, std::unique_ptr<BodyTransform>>>;
  /// Passes a piece through `transforms` in their order; the error names the filter (and is logged).
  Result<void> run_transforms(Transforms& transforms, std::string& piece, bool end_of_stream);
  /// Filter::request_body_transform of every filter, in request order, into request_transforms_;
  /// a whole body goes through them at once. An error: a filter threw or its transform failed.
  Result<void> decide_request_body(Request& upstream_request);

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
  // Response body decisions: made once per exchange (decide_response_body, or finish for a body
  // that is already whole). Transforms in response order, each with its filter's index.
  bool response_decided_ = false;
  bool streams_upstream_body_ = false;
  Transforms response_transforms_;
  Transforms request_transforms_;  // in request order; only while the request body streams
};

}  // namespace portico::detail
