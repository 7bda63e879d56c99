#include "portico/filters/request_id.hpp"

#include "core/request_id.hpp"
#include "http/codec.hpp"

namespace portico::filters {

namespace {

class RequestIdFilter final : public Filter {
 public:
  explicit RequestIdFilter(RequestIdConfig c) : c_(std::move(c)) {}
  std::string_view name() const noexcept override { return "request_id"; }
  Phase phase() const noexcept override { return Phase::Edge; }
  bool may_set_framing_fields() const noexcept override { return false; }  // the name is checked at make

  FilterResult on_request(Exchange& ex) const override {
    auto given = ex.request().headers.get(c_.header);
    if (given && detail::is_acceptable_request_id(*given) && *given != ex.request_id())
      ex.set_request_id(std::string(*given));
    return FilterResult::next();
  }
  void on_upstream_request(Exchange& ex, Request& upstream) const override {
    upstream.headers.set(c_.header, std::string(ex.request_id()));
  }
  void on_response(Exchange& ex, Response& response) const override {
    if (c_.return_on_response && !ex.request_id().empty()) response.headers.set(c_.header, std::string(ex.request_id()));
  }

 private:
  RequestIdConfig c_;
};

}  // namespace

Result<FilterPtr> make_request_id(RequestIdConfig config) {
  if (!detail::is_token(config.header))
    return make_error(Errc::InvalidConfig, "expected a header name (an HTTP token), got \"" + config.header + "\"",
                      "header");
  if (detail::is_framing_field(config.header))
    return make_error(Errc::InvalidConfig, "\"" + config.header + "\" frames the message; only the gateway sets it",
                      "header");
  return FilterPtr(std::make_shared<RequestIdFilter>(std::move(config)));
}

}  // namespace portico::filters
