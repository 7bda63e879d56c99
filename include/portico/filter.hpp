#pragma once
/// Filters: the extension point for the request and response phases, and the per-request Exchange.

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/config/json.hpp"
#include "portico/error.hpp"
#include "portico/http.hpp"
#include "portico/services.hpp"
#include "portico/upstream.hpp"

namespace portico {

class Exchange;

namespace detail {
class Completion;
struct ExchangeAccess;
}  // namespace detail

/// A handle a filter takes from Exchange::defer() to finish its request phase later, from any
/// thread. Call exactly one of next() or respond(); the exchange resumes on its own event loop.
/// If the last copy is destroyed without either, the request fails with a 500 (FilterThrew).
class Deferred {
 public:
  Deferred() = default;
  /// Continues with the next filter (or the upstream).
  void next() const;
  /// Runs `then` on the exchange, on its loop thread, then continues with the next filter: how a
  /// filter that waited (for a key server, a shared counter) records what it learned (an
  /// identity, an attribute). `then` does not run when the exchange is gone or already past this
  /// phase; if it throws, the request fails with a 500 (FilterThrew).
  void next(std::function<void(Exchange&)> then) const;
  /// Short-circuits: this response goes to the client; response filters already entered run.
  void respond(Response response) const;
  /// Fails the request with an engine error (mapped to a status by the one table).
  void fail(Error error) const;
  explicit operator bool() const noexcept { return static_cast<bool>(completion_); }

 private:
  friend struct detail::ExchangeAccess;
  explicit Deferred(std::shared_ptr<detail::Completion> c) : completion_(std::move(c)) {}
  std::shared_ptr<detail::Completion> completion_;
};

/// Who sent a request, as an authentication filter established it (JWT, API key, introspection).
/// Later filters (authorization, rate limits, claims transforms, logs) and host filters read it
/// through Exchange::identity().
struct Identity {
  /// The consumer name: an API key's consumer, a token's subject; "" when the provider gives none.
  std::string consumer;
  /// The name of the authentication provider that established it (`AuthenticationProviderKey`).
  std::string provider;
  /// The verified claims as (type, value) pairs, in token order. An array claim gives one pair per
  /// element (as .NET's ClaimsPrincipal does); numbers and booleans are their JSON text; objects
  /// are their compact JSON text.
  std::vector<std::pair<std::string, std::string>> claims;

  /// The first value of claim `type`, or nullptr.
  const std::string* claim(std::string_view type) const noexcept {
    for (const auto& [t, v] : claims)
      if (t == type) return &v;
    return nullptr;
  }
  /// True if claim `type` has `value` among its values.
  bool has_claim(std::string_view type, std::string_view value) const noexcept {
    for (const auto& [t, v] : claims)
      if (t == type && v == value) return true;
    return false;
  }
};

/// One request's context, owned by the engine for the request's lifetime. Filters read and edit
/// the request through it and keep per-request state in its attributes, never in filter members.
/// Used only from the thread currently running the exchange.
class Exchange {
 public:
  Exchange() = default;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Request& request() noexcept { return request_; }
  const Request& request() const noexcept { return request_; }
  /// The matched route's id ("" before routing).
  std::string_view route_id() const noexcept { return route_id_; }
  /// The value captured for placeholder `{name}` by the route's templates ("" if none).
  std::string_view param(std::string_view name) const noexcept;
  /// Every captured placeholder, in template order.
  const std::vector<std::pair<std::string, std::string>>& params() const noexcept { return params_; }
  /// The request id (from the configured request-id header, or generated).
  std::string_view request_id() const noexcept { return request_id_; }
  /// Replaces the request id (a request-id filter that reads its own header); later log lines,
  /// forwarding headers and error bodies use the new one.
  void set_request_id(std::string id) { request_id_ = std::move(id); }
  /// The client's address: the TCP peer, or the forwarded one when the peer is a trusted proxy.
  std::string_view client_address() const noexcept { return client_address_; }
  /// The engine failure being answered, when on_response sees a gateway-made error response.
  const Error* error() const noexcept { return error_ ? &*error_ : nullptr; }
  /// The upstream endpoint chosen for this request, once the load balancer picked one.
  const Endpoint* endpoint() const noexcept { return endpoint_; }
  /// When the gateway received the request head.
  std::chrono::steady_clock::time_point started() const noexcept { return started_; }
  /// Who sent the request, once an authentication filter established it; nullptr when anonymous.
  const Identity* identity() const noexcept { return identity_ ? &*identity_ : nullptr; }
  /// Records who sent the request (authentication filters; replaces an earlier identity).
  void set_identity(Identity identity) { identity_ = std::move(identity); }
  /// The consumer name ("" when anonymous or the provider gave none).
  std::string_view consumer() const noexcept { return identity_ ? std::string_view(identity_->consumer) : std::string_view(); }

  /// A per-request attribute set by an earlier filter, or nullptr (wrong type is nullptr too).
  template <class T>
  T* get(std::string_view key) noexcept {
    for (auto& [k, v] : attributes_)
      if (k == key) return std::any_cast<T>(&v);
    return nullptr;
  }
  /// Sets (or replaces) a per-request attribute.
  template <class T>
  void set(std::string_view key, T value) {
    for (auto& [k, v] : attributes_)
      if (k == key) { v = std::move(value); return; }
    attributes_.emplace_back(std::string(key), std::any(std::move(value)));
  }

  /// Suspends the request phase: return FilterResult::pending() and complete the Deferred later.
  Deferred defer();

  /// The services of the loop this exchange runs on (timer, HTTP client, worker executor). They
  /// outlive the exchange: their callbacks capture a Deferred (or a weak_ptr), never this Exchange.
  Services& services() noexcept;
  // Bodies (see Filter::request_body_limit and Filter::on_response_head).
  /// True when a filter asked for the whole response body (ResponseBody::buffer) and it was larger
  /// than the largest limit asked: on_response then sees no body, and the body streams unchanged
  /// (Gateway::handle, whose bodies are always whole, keeps the body).
  bool response_body_over_limit() const noexcept { return response_body_over_limit_; }

 private:
  friend struct detail::ExchangeAccess;
  Request request_;
  std::string_view route_id_;  // points into the config snapshot the exchange keeps alive
  std::vector<std::pair<std::string, std::string>> params_;
  std::string request_id_;
  std::string client_address_;
  std::optional<Error> error_;
  const Endpoint* endpoint_ = nullptr;
  std::chrono::steady_clock::time_point started_{};
  std::vector<std::pair<std::string, std::any>> attributes_;
  std::optional<Identity> identity_;
  std::function<std::shared_ptr<detail::Completion>()> make_completion_;
  Services* services_ = nullptr;  // the loop's (or Gateway::handle's); never owned
  bool response_body_over_limit_ = false;
};

/// What a filter's request phase decided.
class FilterResult {
 public:
  enum class Kind { Next, Respond, Pending };
  /// Go on to the next filter (or the upstream).
  static FilterResult next() { return FilterResult(Kind::Next); }
  /// Answer now with `response`; later filters and the upstream are skipped.
  static FilterResult respond(Response response) {
    FilterResult r(Kind::Respond);
    r.response_ = std::move(response);
    return r;
  }
  /// The filter called Exchange::defer() and will complete the Deferred later.
  static FilterResult pending() { return FilterResult(Kind::Pending); }

  Kind kind() const noexcept { return kind_; }
  std::optional<Response>& response() noexcept { return response_; }

 private:
  explicit FilterResult(Kind k) : kind_(k) {}
  Kind kind_;
  std::optional<Response> response_;
};

/// Where a filter runs. The request phase runs the phases in this order, the response phase in
/// reverse, whatever the order in which filters were added; inside one phase global filters come
/// first, then the route's, each in the order given. Built-in filters have fixed phases; host
/// filters run in `User` unless they say otherwise.
enum class Phase : std::uint8_t {
  Edge,            ///< IP rules, CORS preflight, request id
  Authentication,  ///< JWT, API keys, token introspection
  Authorization,   ///< claims, scopes, ACLs
  Limits,          ///< rate limits, concurrency limits, quotas
  Cache,           ///< cache lookup and store, request collapsing
  Transform,       ///< header and body transforms
  User,            ///< host filters (the default)
  Upstream,        ///< last before the upstream: aggregation, protocol translation
};

/// The phase's name as documented ("Edge", "Authentication", …).
std::string_view to_string(Phase phase) noexcept;

/// What happened to one exchange, given to completion observers once it is over.
struct ExchangeRecord {
  enum class Outcome {
    Served,          ///< the upstream's response was delivered
    ShortCircuited,  ///< a filter answered (`answered_by`)
    Failed,          ///< the gateway answered with an error (`error`), or the upstream body broke mid-response
    ClientAborted,   ///< the client went away before the response was written
  };
  using TimePoint = std::chrono::steady_clock::time_point;
  Outcome outcome = Outcome::Served;
  int status = 0;
  std::optional<Errc> error;       ///< the failure, for Failed
  std::string_view answered_by;    ///< the filter that answered, for ShortCircuited
  std::uint64_t bytes_in = 0;      ///< request head and body bytes read from the client
  std::uint64_t bytes_out = 0;     ///< response bytes written to the client
  TimePoint received{};            ///< the request head arrived
  TimePoint routed{};              ///< routing and the request-id choice were done
  TimePoint upstream_connected{};  ///< an upstream connection was ready (pooled or new); {} if none
  TimePoint upstream_first_byte{}; ///< the upstream's response head was parsed; {} if none
  TimePoint done{};                ///< the last byte was written, or the exchange failed
};

// ---- Bodies: per-request decisions and streamed transforms ----

/// Rewrites one message body as it streams, piece by piece: compression, JSON rewriting, counting.
/// Made per response by Filter::on_response_head, or per request by Filter::request_body_transform,
/// and owned by the engine for that body only, so it may keep state in its members. Called on the
/// exchange's loop thread; must not block.
class BodyTransform {
 public:
  virtual ~BodyTransform() = default;
  /// Called with each piece of the body in order, then once with `end_of_stream` true (`piece` then
  /// holds the last bytes, often none). May change, replace or clear `piece` (what it leaves is
  /// sent on) and may append at the end. An error (or a throw) aborts the response (see Filter).
  virtual Result<void> on_data(std::string& piece, bool end_of_stream) = 0;
};

/// What a filter asks for the body of one response, decided from its head (Filter::on_response_head).
/// The default (`stream()`) asks nothing: the body streams past the filter untouched.
struct ResponseBody {
  /// Non-zero: on_response wants Response::body whole, within this many bytes (the engine reads
  /// within the largest limit asked by the route's filters, and never more than max_body_bytes).
  std::size_t buffer_limit = 0;
  /// Non-null: the body passes through this transform before it is sent.
  std::unique_ptr<BodyTransform> transform;

  /// Nothing asked: the body streams.
  static ResponseBody stream() { return {}; }
  /// The whole body, within `limit` bytes, before on_response runs.
  static ResponseBody buffer(std::size_t limit) { return ResponseBody{limit, nullptr}; }
  /// The body goes through `transform` (the response is then re-framed: no Content-Length).
  static ResponseBody through(std::unique_ptr<BodyTransform> transform) {
    return ResponseBody{0, std::move(transform)};
  }
};

/// A request/response filter. One instance is shared by every request of the routes it is on and
/// called concurrently from all event loops, so its methods are const: keep per-request state in
/// the Exchange. Exceptions thrown here become a 500 for that request; they never reach the host.
class Filter {
 public:
  virtual ~Filter() = default;
  /// A short name for logs and metrics.
  virtual std::string_view name() const noexcept { return "filter"; }
  /// True if on_request blocks (disk, a synchronous client): it then runs on the worker executor.
  virtual bool blocking() const noexcept { return false; }
  /// Where the filter runs in the chain (see Phase); read once, when a config is applied.
  virtual Phase phase() const noexcept { return Phase::User; }
  /// Request phase, in order: global filters, then the route's. Continue, answer, or defer.
  virtual FilterResult on_request(Exchange& exchange) const;
  /// Last edits of the request about to go upstream (target and headers, after the engine added
  /// its forwarding headers), in request order, once every on_request continued. Header
  /// transforms use it; most filters edit exchange.request() in on_request instead.
  virtual void on_upstream_request(Exchange& exchange, Request& upstream_request) const;
  /// False only if this filter can never set a framing or hop-by-hop field (Content-Length,
  /// Transfer-Encoding, Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection) on the
  /// upstream request. The engine removes such fields after on_upstream_request so that it alone
  /// frames the request; when every filter of a route returns false it skips that pass.
  virtual bool may_set_framing_fields() const noexcept { return true; }
  /// True if on_complete should be called; read once, when a config is applied. Routes whose
  /// filters observe nothing take no timestamps and make no calls (observing costs nothing unused).
  virtual bool observes_completion() const noexcept { return false; }
  /// Once per exchange after the last byte was written or the exchange failed, on the loop thread,
  /// for every observing filter of the route (whether or not its on_request ran). Must not block.
  virtual void on_complete(const Exchange& exchange, const ExchangeRecord& record) const;
  /// Response phase, in reverse order, for every filter whose on_request ran; also sees
  /// gateway-made error responses (exchange.error()). The response's head is written after it, so
  /// header edits apply to streamed bodies too; Response::body is whole only when it was buffered.
  virtual void on_response(Exchange& exchange, Response& response) const;

  // Bodies. Both decisions are per request; a filter that asks nothing costs its route nothing.
  /// Decided from the request head after routing, before any on_request runs: non-zero asks for
  /// Request::body whole within this many bytes (the largest limit asked wins, capped by
  /// ServerOptions::max_body_bytes; over it the client gets 413). 0 (the default): the body streams.
  virtual std::size_t request_body_limit(const Exchange& exchange) const;
  /// Decided once every on_request continued, in request order, before the upstream request is
  /// sent: non-null passes the request body through this transform on its way upstream. A whole
  /// body (buffered, or none) is transformed at once and framed with Content-Length; a streamed one
  /// piece by piece and re-framed chunked. A transform that fails before the upstream request was
  /// sent answers 500; mid-stream, the upstream connection is closed before the body's end (the
  /// upstream never sees a complete request) and the client gets 500 with its connection closed.
  /// nullptr (the default): the body goes upstream untouched.
  virtual std::unique_ptr<BodyTransform> request_body_transform(Exchange& exchange) const;
  /// Decided from a response's head (status and headers) before its body is read, in response
  /// order, for every filter whose on_request ran: buffer the body whole, attach a transform, or
  /// neither (the default). Responses made by the gateway or a filter already have their body whole.
  virtual ResponseBody on_response_head(Exchange& exchange, const Response& head) const;
};

using FilterPtr = std::shared_ptr<const Filter>;

/// What a gateway-made error response is about (a failure the gateway answers itself).
struct ErrorInfo {
  int status = 500;             ///< from the one table (status_for); the response keeps it
  Errc code = Errc::Internal;   ///< the failure
  std::string_view detail;      ///< the public text (public_detail, or the edge's reason)
  std::string_view request_id;  ///< the request's id ("" when none is known)
  std::string_view route_id;    ///< the matched route ("" before routing)
};

/// Renders gateway-made error responses: their headers (Content-Type) and body. The status stays
/// the table's; framing (Content-Length, Connection) is the engine's. Called on a loop thread, so it
/// must not block; a renderer that throws gets the default problem+json response instead.
using ErrorRenderer = std::function<Response(const ErrorInfo&)>;

/// The default renderer: `application/problem+json` with title, status, detail and request_id.
Response render_problem(const ErrorInfo& info);

/// Options for filters made from lambdas.
struct LambdaFilterOptions {
  /// Non-zero: every request's body whole, within this many bytes (Filter::request_body_limit).
  std::size_t request_body_limit = 0;
  /// Non-zero: every response's body whole, within this many bytes (ResponseBody::buffer).
  std::size_t response_body_limit = 0;
  bool blocking = false;
  Phase phase = Phase::User;
};

/// A filter from a lambda for the request phase.
FilterPtr request_filter(std::string name, std::function<FilterResult(Exchange&)> fn,
                         LambdaFilterOptions options = {});
/// A filter from a lambda for the response phase.
FilterPtr response_filter(std::string name, std::function<void(Exchange&, Response&)> fn,
                          LambdaFilterOptions options = {});
/// A filter from two lambdas.
FilterPtr make_filter(std::string name, std::function<FilterResult(Exchange&)> on_request,
                      std::function<void(Exchange&, Response&)> on_response, LambdaFilterOptions options = {});

/// Makes a filter from its configuration node (config → factory → instance): reads and validates it
/// once, returns one immutable instance, errors carrying the node's JSON paths. The node may be
/// absent (no settings given). From ocelot.json's `DelegatingHandlers` it is the route's `Metadata`.
using FilterFactory = std::function<Result<FilterPtr>(const config::JsonNode& config)>;

/// Named filter factories, registered explicitly by the host; ocelot.json refers to them by name
/// (`DelegatingHandlers`). Not thread-safe to modify; read-only while configs load.
class FilterRegistry {
 public:
  /// Registers a factory under `name` (replaces an earlier one).
  FilterRegistry& add(std::string name, FilterFactory factory);
  /// Registers a shared instance under `name`.
  FilterRegistry& add(std::string name, FilterPtr instance);
  bool contains(std::string_view name) const;
  /// Makes the filter named `name`; Errc::InvalidConfig if unknown or the factory refuses.
  Result<FilterPtr> create(std::string_view name, const config::JsonNode& config = {}) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, FilterFactory, std::less<>> factories_;
};

}  // namespace portico
