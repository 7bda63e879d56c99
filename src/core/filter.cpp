#include "portico/filter.hpp"

#include "core/completion.hpp"
#include "core/off_loop_services.hpp"

namespace portico {

void Deferred::next() const {
  if (completion_) completion_->next();
}

void Deferred::next(std::function<void(Exchange&)> then) const {
  if (!completion_) return;
  if (then)
    completion_->next_with(std::move(then));
  else
    completion_->next();
}

void Deferred::respond(Response response) const {
  if (completion_) completion_->respond(std::move(response));
}

void Deferred::fail(Error error) const {
  if (completion_) completion_->fail(std::move(error));
}

std::string_view Exchange::param(std::string_view name) const noexcept {
  for (const auto& [k, v] : params_)
    if (k == name) return v;
  return {};
}

Deferred Exchange::defer() {
  if (!make_completion_) return Deferred();
  return detail::ExchangeAccess::make_deferred(make_completion_());
}

Services& Exchange::services() noexcept {
  if (services_) return *services_;
  static detail::OffLoopServices none{[] { return Executor(); }};  // an exchange the engine did not make
  return none;
}

std::string_view to_string(Phase phase) noexcept {
  switch (phase) {
    case Phase::Edge: return "Edge";
    case Phase::Authentication: return "Authentication";
    case Phase::Authorization: return "Authorization";
    case Phase::Limits: return "Limits";
    case Phase::Cache: return "Cache";
    case Phase::Transform: return "Transform";
    case Phase::User: return "User";
    case Phase::Upstream: return "Upstream";
  }
  return "User";
}

Response render_problem(const ErrorInfo& info) {
  return Response::problem(info.status, info.detail, info.request_id);
}

FilterResult Filter::on_request(Exchange&) const { return FilterResult::next(); }
void Filter::on_upstream_request(Exchange&, Request&) const {}
void Filter::on_complete(const Exchange&, const ExchangeRecord&) const {}
void Filter::on_response(Exchange&, Response&) const {}
std::size_t Filter::request_body_limit(const Exchange&) const { return 0; }
std::unique_ptr<BodyTransform> Filter::request_body_transform(Exchange&) const { return nullptr; }
ResponseBody Filter::on_response_head(Exchange&, const Response&) const { return {}; }

namespace {

class LambdaFilter final : public Filter {
 public:
  LambdaFilter(std::string name, std::function<FilterResult(Exchange&)> req,
               std::function<void(Exchange&, Response&)> res, LambdaFilterOptions options)
      : name_(std::move(name)), req_(std::move(req)), res_(std::move(res)), options_(options) {}

  std::string_view name() const noexcept override { return name_; }
  std::size_t request_body_limit(const Exchange&) const override { return options_.request_body_limit; }
  ResponseBody on_response_head(Exchange&, const Response&) const override {
    return ResponseBody::buffer(options_.response_body_limit);
  }
  bool blocking() const noexcept override { return options_.blocking; }
  Phase phase() const noexcept override { return options_.phase; }
  FilterResult on_request(Exchange& ex) const override { return req_ ? req_(ex) : FilterResult::next(); }
  void on_response(Exchange& ex, Response& res) const override {
    if (res_) res_(ex, res);
  }

 private:
  std::string name_;
  std::function<FilterResult(Exchange&)> req_;
  std::function<void(Exchange&, Response&)> res_;
  LambdaFilterOptions options_;
};

}  // namespace

FilterPtr request_filter(std::string name, std::function<FilterResult(Exchange&)> fn, LambdaFilterOptions options) {
  return std::make_shared<LambdaFilter>(std::move(name), std::move(fn), nullptr, options);
}

FilterPtr response_filter(std::string name, std::function<void(Exchange&, Response&)> fn,
                          LambdaFilterOptions options) {
  return std::make_shared<LambdaFilter>(std::move(name), nullptr, std::move(fn), options);
}

FilterPtr make_filter(std::string name, std::function<FilterResult(Exchange&)> on_request,
                      std::function<void(Exchange&, Response&)> on_response, LambdaFilterOptions options) {
  return std::make_shared<LambdaFilter>(std::move(name), std::move(on_request), std::move(on_response), options);
}

FilterRegistry& FilterRegistry::add(std::string name, FilterFactory factory) {
  factories_[std::move(name)] = std::move(factory);
  return *this;
}

FilterRegistry& FilterRegistry::add(std::string name, FilterPtr instance) {
  factories_[std::move(name)] = [instance = std::move(instance)](const config::JsonNode&) -> Result<FilterPtr> {
    return instance;
  };
  return *this;
}

bool FilterRegistry::contains(std::string_view name) const { return factories_.find(name) != factories_.end(); }

Result<FilterPtr> FilterRegistry::create(std::string_view name, const config::JsonNode& config) const {
  auto it = factories_.find(name);
  if (it == factories_.end())
    return make_error(Errc::InvalidConfig, "no filter named '" + std::string(name) + "' is registered");
  try {
    auto made = it->second(config);
    if (made && !*made)
      return make_error(Errc::InvalidConfig, "filter factory '" + std::string(name) + "' returned no filter");
    return made;
  } catch (const std::exception& e) {
    return make_error(Errc::InvalidConfig, "filter factory '" + std::string(name) + "' threw: " + e.what());
  }
}

std::vector<std::string> FilterRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : factories_) out.push_back(k);
  return out;
}

}  // namespace portico
