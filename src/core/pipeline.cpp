#include "core/pipeline.hpp"

#include <algorithm>
#include <atomic>

#include "core/completion.hpp"
#include "core/error_render.hpp"
#include "core/forwarding.hpp"
#include "http/text.hpp"

namespace portico::detail {

namespace {

/// A problem response made by Response::problem without a request id (a filter's answer) gets
/// the exchange's id, so every problem the gateway sends can be found in its logs.
void add_request_id(Response& r, std::string_view request_id) {
  constexpr std::string_view kMade = "{\"type\":\"about:blank\",\"title\":\"";
  if (request_id.empty() || r.body.size() < 2 || r.body.compare(0, kMade.size(), kMade) != 0 ||
      r.body.compare(r.body.size() - 2, 2, "}\n") != 0 || r.body.find("\"request_id\":") != std::string::npos)
    return;
  auto type = r.headers.get("Content-Type");
  if (!type || *type != "application/problem+json") return;
  std::string member = ",\"request_id\":\"";
  append_json_escaped(member, request_id);
  member += '"';
  r.body.insert(r.body.size() - 2, member);
}

}  // namespace

/// The engine's side of a Deferred: posts the filter's decision back to the exchange's context.
class PipelineCompletion final : public Completion {
 public:
  PipelineCompletion(std::shared_ptr<Pipeline> p, std::uint64_t token) : p_(std::move(p)), token_(token) {}
  ~PipelineCompletion() override {
    if (!done_.exchange(true)) {
      auto p = p_.lock();
      if (!p) return;  // the exchange is over (answered, timed out, or its connection is gone)
      auto token = token_;
      p->post([p, token] {
        p->resume(token, std::nullopt,
                  make_error(Errc::FilterThrew, "a deferred filter dropped its Deferred without completing it"));
      });
    }
  }
  void next() override { complete(FilterResult::next(), std::nullopt); }
  void next_with(std::function<void(Exchange&)> then) override {
    complete(FilterResult::next(), std::nullopt, std::move(then));
  }
  void respond(Response r) override { complete(FilterResult::respond(std::move(r)), std::nullopt); }
  void fail(Error e) override { complete(std::nullopt, std::move(e)); }

 private:
  void complete(std::optional<FilterResult> result, std::optional<Error> error,
                std::function<void(Exchange&)> then = {}) {
    if (done_.exchange(true)) return;
    auto p = p_.lock();
    if (!p) return;
    auto token = token_;
    p->post([p, token, result = std::move(result), error = std::move(error), then = std::move(then)]() mutable {
      p->resume(token, std::move(result), std::move(error), std::move(then));
    });
  }
  std::weak_ptr<Pipeline> p_;  // a Deferred never keeps an exchange (or its connection) alive
  std::uint64_t token_;
  std::atomic<bool> done_{false};
};

void GatewayShared::log(LogLevel level, std::string_view message) const {
  std::shared_ptr<LogSink> sink;
  {
    std::lock_guard lock(mu_);
    sink = sink_;
  }
  if (sink && *sink) {
    (*sink)(level, message);
    return;
  }
  if (level >= LogLevel::Warn) {
    std::string line = level == LogLevel::Warn ? "portico warn: " : "portico error: ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

Pipeline::Pipeline(std::shared_ptr<const Snapshot> snapshot, std::shared_ptr<GatewayShared> shared)
    : shared_(std::move(shared)), snapshot_(std::move(snapshot)) {
  ExchangeAccess::services(exchange_) = &shared_->off_loop;  // a loop's exchange replaces it with its loop's
}

Pipeline::~Pipeline() = default;

void Pipeline::set_services(Services* services) noexcept { ExchangeAccess::services(exchange_) = services; }

bool Pipeline::route(Request request) {
  using A = ExchangeAccess;
  exchange_.request() = std::move(request);
  const auto& opts = snapshot_->options;
  A::started(exchange_) = std::chrono::steady_clock::now();
  const Request& req = exchange_.request();
  if (!opts.request_id_header.empty()) {
    auto given = req.headers.get(opts.request_id_header);
    A::request_id(exchange_) = given && is_acceptable_request_id(*given) ? std::string(*given) : generate_request_id();
  } else {
    A::request_id(exchange_) = generate_request_id();
  }
  A::client_address(exchange_) = resolve_client_address(req, snapshot_->trusted_proxies);
  if (!snapshot_->router.match(req, match_)) return false;
  route_ = &snapshot_->compiled[match_.index];
  A::route_id(exchange_) = route_->route->id();
  auto& params = A::params(exchange_);
  params.clear();
  params.reserve(match_.captures.size());
  for (std::size_t i = 0; i < match_.captures.size(); ++i)
    params.emplace_back(std::string(match_.captures[i].name), std::string(match_.captures[i].value));
  // The upstream target comes from the captures as matched; compute it while they are valid.
  upstream_target_ = snapshot_->router.downstream_target(match_, req);
  match_.captures.clear();
  if (observing()) {
    record_.received = exchange_.started();
    record_.routed = std::chrono::steady_clock::now();
  }
  return true;
}

void Pipeline::run() {
  if (!route_) {
    fail(make_error(Errc::NoRoute, "no route for " + exchange_.request().method + " " + exchange_.request().path));
    return;
  }
  // Only `this` is captured (it fits std::function's inline storage: no allocation per request);
  // a filter calls defer() from on_request, while the exchange is alive.
  ExchangeAccess::completion_factory(exchange_) = [this]() -> std::shared_ptr<Completion> {
    auto self = weak_from_this().lock();
    if (!self) return nullptr;
    return std::make_shared<PipelineCompletion>(std::move(self), ++defer_token_);
  };
  run_filters(0);
}

void Pipeline::run_filters(std::size_t index) {
  const auto& filters = route_->filters;
  while (index < filters.size() && !delivered_) {
    const Filter& f = *filters[index];
    entered_ = index + 1;
    if (f.blocking()) {
      if (Executor worker = shared_->worker()) {
        auto self = shared_from_this();
        auto token = ++defer_token_;
        waiting_token_ = token;
        blocking_running_ = true;
        worker.post([self, token, index] {
          std::optional<FilterResult> result;
          std::optional<Error> error;
          try {
            result = self->route_->filters[index]->on_request(self->exchange_);
          } catch (const std::exception& e) {
            error = make_error(Errc::FilterThrew, std::string("filter threw: ") + e.what());
          } catch (...) {
            error = make_error(Errc::FilterThrew, "filter threw a non-exception");
          }
          if (result && result->kind() == FilterResult::Kind::Pending)
            error = make_error(Errc::FilterThrew, "a blocking filter may not defer");
          self->post([self, token, result = std::move(result), error = std::move(error)]() mutable {
            self->resume(token, std::move(result), std::move(error));
          });
        });
        return;
      }
    }
    const auto token_before = defer_token_;
    std::optional<FilterResult> result;
    try {
      result = f.on_request(exchange_);
    } catch (const std::exception& e) {
      fail(make_error(Errc::FilterThrew, "filter '" + std::string(f.name()) + "' threw: " + e.what()));
      return;
    } catch (...) {
      fail(make_error(Errc::FilterThrew, "filter '" + std::string(f.name()) + "' threw a non-exception"));
      return;
    }
    switch (result->kind()) {
      case FilterResult::Kind::Next:
        ++index;
        continue;
      case FilterResult::Kind::Respond:
        record_.answered_by = f.name();
        finish(std::move(*result->response()));
        return;
      case FilterResult::Kind::Pending:
        if (defer_token_ == token_before) {
          fail(make_error(Errc::FilterThrew,
                          "filter '" + std::string(f.name()) + "' returned pending() without calling defer()"));
          return;
        }
        waiting_token_ = defer_token_;
        return;
    }
  }
  if (!delivered_) go_upstream();
}

std::chrono::steady_clock::time_point Pipeline::filter_deadline() const noexcept {
  auto budget = snapshot_->options.filter_timeout;
  if (route_ && route_->total_timeout.count() > 0) budget = std::min(budget, route_->total_timeout);
  return exchange_.started() + budget;
}

bool Pipeline::filter_deadline_passed() {
  // A blocking filter is not cut short: it is using the exchange on the worker thread right now.
  if (delivered_ || waiting_token_ == 0 || blocking_running_) return false;
  waiting_token_ = 0;  // a completion that arrives later finds no matching token
  std::string who = route_ && entered_ > 0 && entered_ <= route_->filters.size()
                        ? std::string(route_->filters[entered_ - 1]->name())
                        : std::string("?");
  fail(make_error(Errc::FilterTimeout, "filter '" + who + "' did not complete by the filter deadline"));
  return true;
}

void Pipeline::resume(std::uint64_t token, std::optional<FilterResult> result, std::optional<Error> error,
                      std::function<void(Exchange&)> then) {
  if (delivered_ || token != waiting_token_) return;
  waiting_token_ = 0;
  if (error) {
    fail(std::move(*error));
    return;
  }
  switch (result->kind()) {
    case FilterResult::Kind::Next:
      if (then) {
        try {
          then(exchange_);
        } catch (const std::exception& e) {
          fail(make_error(Errc::FilterThrew, std::string("a deferred filter's continuation threw: ") + e.what()));
          return;
        } catch (...) {
          fail(make_error(Errc::FilterThrew, "a deferred filter's continuation threw a non-exception"));
          return;
        }
      }
      run_filters(entered_);
      return;
    case FilterResult::Kind::Respond:
      if (entered_ > 0 && entered_ <= route_->filters.size()) record_.answered_by = route_->filters[entered_ - 1]->name();
      finish(std::move(*result->response()));
      return;
    case FilterResult::Kind::Pending:
      fail(make_error(Errc::FilterThrew, "a deferred filter completed with pending()"));
      return;
  }
}

void Pipeline::go_upstream() {
  UpstreamRuntime& up = *route_->upstream;
  auto pick = up.balancer->pick(PickInput{exchange_.request(), exchange_.client_address()});
  if (!pick || *pick >= up.endpoints.size()) {
    fail(make_error(Errc::NoHealthyEndpoint, "upstream '" + up.name + "' has no available endpoint"));
    return;
  }
  picked_ = *pick;
  const Endpoint& ep = up.endpoints[*pick];
  ExchangeAccess::endpoint(exchange_) = &ep;

  // A route without filters has nobody left to read the client's request: move its fields and
  // body instead of copying them.
  const bool consume = route_->filters.empty();
  Request& client = exchange_.request();
  Request out;
  out.method = route_->route->downstream_method_override().empty() ? client.method
                                                                     : route_->route->downstream_method_override();
  out.target = std::move(upstream_target_);
  out.version = 11;
  out.remote_address = client.remote_address;
  out.remote_port = client.remote_port;
  out.secure = client.secure;
  const auto& opts = snapshot_->options;
  std::string authority;
  const bool default_port = (ep.scheme == "http" && ep.port == 80) || (ep.scheme == "https" && ep.port == 443);
  if (!default_port) authority = ep.authority();
  else if (ep.host.find(':') != std::string::npos) authority = "[" + ep.host + "]";
  else authority = ep.host;
  ForwardSettings fs;
  fs.trusted = &snapshot_->trusted_proxies;
  fs.upstream_authority = authority;
  fs.preserve_host = route_->route->preserves_host();
  // A route that matches on hosts only sees a Host it was configured for.
  fs.forward_host = opts.forward_client_host || route_->route->forwards_client_host() || !route_->route->hosts().empty();
  fs.set_real_ip = opts.set_x_real_ip;
  fs.request_id_header = opts.request_id_header;
  fs.request_id = exchange_.request_id();
  fs.via = opts.via;
  auto headers = build_upstream_headers(client.headers, consume, client, fs);
  if (!headers) {
    up.balancer->release(*picked_);
    picked_.reset();
    fail(std::move(headers).error());
    return;
  }
  out.headers = std::move(*headers);
  if (consume)
    out.body = std::move(client.body);
  else
    out.body = client.body;
  for (const auto& f : route_->filters) {
    try {
      f->on_upstream_request(exchange_, out);
    } catch (const std::exception& e) {
      up.balancer->release(*picked_);
      picked_.reset();
      fail(make_error(Errc::FilterThrew, "filter '" + std::string(f->name()) + "' threw: " + e.what()));
      return;
    } catch (...) {
      up.balancer->release(*picked_);
      picked_.reset();
      fail(make_error(Errc::FilterThrew, "filter '" + std::string(f->name()) + "' threw a non-exception"));
      return;
    }
  }
  // The engine alone frames the upstream request: whatever a filter set as Content-Length,
  // Transfer-Encoding or a hop-by-hop field goes (two framings would be a smuggling vector).
  // Skipped only when every filter of the route promised it cannot set them.
  if (route_->strip_upstream_framing) strip_framing_fields(out.headers);
  if (!route_->filters.empty()) {
    if (auto decided = decide_request_body(out); !decided) {
      up.balancer->release(*picked_);
      picked_.reset();
      fail(std::move(decided).error());
      return;
    }
  }

  auto timeout = up.response_timeout;
  if (route_->total_timeout.count() > 0) {
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                       exchange_.started());
    auto left = route_->total_timeout - spent;
    if (left.count() <= 0) {
      up.balancer->release(*picked_);
      picked_.reset();
      fail(make_error(Errc::UpstreamTimeout, "route timeout spent before the upstream was called"));
      return;
    }
    timeout = std::min(timeout, left);
  }
  send_upstream(ep, up, std::move(out), timeout);
}

void Pipeline::upstream_done(Result<Response> result, bool body_whole) {
  if (picked_) {
    route_->upstream->balancer->release(*picked_);
    picked_.reset();
  }
  if (!result) {
    fail(std::move(result).error());
    return;
  }
  Response res = std::move(*result);
  if (!response_decided_) clean_upstream_response(res.headers);  // decide_response_body cleaned it already
  finish(std::move(res), true, body_whole);
}

void Pipeline::fail(Error error) {
  if (delivered_) return;
  const auto level = status_for(error.code) >= 500 ? LogLevel::Warn : LogLevel::Debug;
  if (level == LogLevel::Warn || error.code != Errc::NoRoute) {
    std::string line = "request ";
    line += exchange_.request_id();
    line += " (";
    line += exchange_.route_id().empty() ? std::string_view("no route") : exchange_.route_id();
    line += "): ";
    line += to_string(error.code);
    line += ": ";
    line += error.message;
    shared_->log(level, line);
  }
  Response res = error_response(error);
  ExchangeAccess::error(exchange_) = std::move(error);
  finish(std::move(res));
}

Response Pipeline::error_response(const Error& error) {
  ErrorInfo info{status_for(error.code), error.code, public_detail(error.code), exchange_.request_id(),
                 exchange_.route_id()};
  return render_error(route_ ? &route_->route->error_renderer_fn() : nullptr, snapshot_->error_renderer, info);
}

void Pipeline::finish(Response response, bool from_upstream, bool body_whole) {
  if (delivered_) return;
  delivered_ = true;
  waiting_token_ = 0;
  streams_upstream_body_ = from_upstream && !body_whole;
  if (route_) {
    if (!response_decided_) {  // a body already whole: a filter's or the gateway's answer, Gateway::handle
      response_decided_ = true;
      auto limit = collect_response_decisions(response);
      if (!limit)
        filter_failed(response, {}, limit.error().message);
      else if (*limit > 0 && response.body.size() > *limit)
        set_response_over_limit();
    }
    const auto& filters = route_->filters;
    std::size_t next_transform = 0;  // response_transforms_ run in response order, as the filters do
    for (std::size_t i = std::min(entered_, filters.size()); i-- > 0;) {
      if (body_whole) {
        for (; next_transform < response_transforms_.size() && response_transforms_[next_transform].first == i;
             ++next_transform) {
          if (auto r = run_transform(*response_transforms_[next_transform].second, response.body, true); !r) {
            filter_failed(response, filters[i]->name(), r.error().message);
            break;
          }
        }
      }
      try {
        filters[i]->on_response(exchange_, response);
      } catch (const std::exception& e) {
        filter_failed(response, filters[i]->name(), std::string("threw in on_response: ") + e.what());
      } catch (...) {
        filter_failed(response, filters[i]->name(), "threw a non-exception in on_response");
      }
    }
    if (body_whole) response_transforms_.clear();
  }
  if (!from_upstream) add_request_id(response, exchange_.request_id());
  shared_->requests_served.fetch_add(1, std::memory_order_relaxed);
  delivered_status_ = response.status;
  deliver(std::move(response));
}

void Pipeline::filter_failed(Response& response, std::string_view filter, std::string_view what) {
  std::string message = filter.empty() ? std::string(what) : "filter '" + std::string(filter) + "' " + std::string(what);
  shared_->log(LogLevel::Warn, "request " + std::string(exchange_.request_id()) + ": " + message);
  ExchangeAccess::error(exchange_) = make_error(Errc::FilterThrew, std::move(message));
  response = error_response(*exchange_.error());
  // The problem replaces the upstream's response: its body is neither streamed nor transformed.
  streams_upstream_body_ = false;
  response_transforms_.clear();
}

Result<std::size_t> Pipeline::request_body_limit() const {
  if (!route_ || route_->filters.empty()) return std::size_t{0};
  std::size_t limit = 0;
  for (const auto& f : route_->filters) {
    try {
      limit = std::max(limit, f->request_body_limit(exchange_));
    } catch (const std::exception& e) {
      return make_error(Errc::FilterThrew,
                        "filter '" + std::string(f->name()) + "' threw in request_body_limit: " + e.what());
    } catch (...) {
      return make_error(Errc::FilterThrew, "filter '" + std::string(f->name()) + "' threw in request_body_limit");
    }
  }
  return static_cast<std::size_t>(std::min<std::uint64_t>(limit, snapshot_->options.max_body_bytes));
}

Result<std::size_t> Pipeline::decide_response_body(Response& head) {
  response_decided_ = true;
  clean_upstream_response(head.headers);  // filters decide on what the client would see (upstream_done then skips it)
  if (!route_ || entered_ == 0) return std::size_t{0};
  return collect_response_decisions(head);
}

Result<std::size_t> Pipeline::collect_response_decisions(const Response& head) {
  std::size_t limit = 0;
  const auto& filters = route_->filters;
  for (std::size_t i = std::min(entered_, filters.size()); i-- > 0;) {
    ResponseBody asked;
    try {
      asked = filters[i]->on_response_head(exchange_, head);
    } catch (const std::exception& e) {
      response_transforms_.clear();
      return make_error(Errc::FilterThrew,
                        "filter '" + std::string(filters[i]->name()) + "' threw in on_response_head: " + e.what());
    } catch (...) {
      response_transforms_.clear();
      return make_error(Errc::FilterThrew, "filter '" + std::string(filters[i]->name()) + "' threw in on_response_head");
    }
    limit = std::max(limit, asked.buffer_limit);
    if (asked.transform) response_transforms_.emplace_back(i, std::move(asked.transform));
  }
  return static_cast<std::size_t>(std::min<std::uint64_t>(limit, snapshot_->options.max_body_bytes));
}

void Pipeline::set_response_over_limit() noexcept { ExchangeAccess::response_body_over_limit(exchange_) = true; }

Result<void> Pipeline::run_transform(BodyTransform& t, std::string& piece, bool end_of_stream) {
  try {
    auto r = t.on_data(piece, end_of_stream);
    if (!r) return make_error(Errc::FilterThrew, "failed its body transform: " + r.error().message);
    return {};
  } catch (const std::exception& e) {
    return make_error(Errc::FilterThrew, std::string("threw in its body transform: ") + e.what());
  } catch (...) {
    return make_error(Errc::FilterThrew, "threw a non-exception in its body transform");
  }
}

Result<void> Pipeline::run_transforms(Transforms& transforms, std::string& piece, bool end_of_stream) {
  for (auto& [index, transform] : transforms) {
    if (piece.empty() && !end_of_stream) break;  // dropped: later transforms have nothing to see
    if (auto r = run_transform(*transform, piece, end_of_stream); !r) {
      std::string message = "filter '" + std::string(route_->filters[index]->name()) + "' " + r.error().message;
      shared_->log(LogLevel::Warn, "request " + std::string(exchange_.request_id()) + ": " + message);
      ExchangeAccess::error(exchange_) = make_error(Errc::FilterThrew, message);  // for the observers
      return make_error(Errc::FilterThrew, std::move(message));
    }
  }
  return {};
}

Result<void> Pipeline::transform_response_piece(std::string& piece, bool end_of_stream) {
  return run_transforms(response_transforms_, piece, end_of_stream);
}

Result<void> Pipeline::transform_request_piece(std::string& piece, bool end_of_stream) {
  return run_transforms(request_transforms_, piece, end_of_stream);
}

Result<void> Pipeline::decide_request_body(Request& upstream_request) {
  const auto& filters = route_->filters;
  for (std::size_t i = 0; i < filters.size(); ++i) {
    std::unique_ptr<BodyTransform> t;
    try {
      t = filters[i]->request_body_transform(exchange_);
    } catch (const std::exception& e) {
      request_transforms_.clear();
      return make_error(Errc::FilterThrew,
                        "filter '" + std::string(filters[i]->name()) + "' threw in request_body_transform: " + e.what());
    } catch (...) {
      request_transforms_.clear();
      return make_error(Errc::FilterThrew,
                        "filter '" + std::string(filters[i]->name()) + "' threw in request_body_transform");
    }
    if (t) request_transforms_.emplace_back(i, std::move(t));
  }
  if (request_transforms_.empty() || request_body_streams()) return {};
  // The whole body (or none) goes through every transform at once; the transport frames the result.
  auto done = run_transforms(request_transforms_, upstream_request.body, true);
  request_transforms_.clear();
  return done;
}

void Pipeline::complete(bool client_aborted, bool body_broke) {
  if (completed_ || !observing()) return;
  completed_ = true;
  ExchangeRecord& r = record_;
  r.status = delivered_status_;
  r.done = std::chrono::steady_clock::now();
  if (client_aborted) {
    r.outcome = ExchangeRecord::Outcome::ClientAborted;
  } else if (exchange_.error() || body_broke) {
    r.outcome = ExchangeRecord::Outcome::Failed;
    r.error = exchange_.error() ? exchange_.error()->code : Errc::UpstreamReset;
  } else if (!r.answered_by.empty()) {
    r.outcome = ExchangeRecord::Outcome::ShortCircuited;
  } else {
    r.outcome = ExchangeRecord::Outcome::Served;
  }
  for (const Filter* f : route_->observers) {
    try {
      f->on_complete(exchange_, r);
    } catch (const std::exception& e) {
      shared_->log(LogLevel::Warn, "filter '" + std::string(f->name()) + "' threw in on_complete: " + e.what());
    } catch (...) {
      shared_->log(LogLevel::Warn, "filter '" + std::string(f->name()) + "' threw in on_complete");
    }
  }
}

}  // namespace portico::detail
