#pragma once
// Internal: the engine's side of a Deferred, and privileged access to Exchange members.

#include <atomic>
#include <functional>
#include <memory>

#include "portico/filter.hpp"

namespace portico::detail {

/// Completes a deferred request phase. Implemented by the pipeline; the first call wins and
/// later ones are ignored. Called from any thread.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void next() = 0;
  /// next(), running `then(exchange)` on the exchange's thread first (if it is still waiting).
  virtual void next_with(std::function<void(Exchange&)> then) = 0;
  virtual void respond(Response response) = 0;
  virtual void fail(Error error) = 0;
};

/// Friend of Exchange and Deferred: lets the engine fill an exchange.
struct ExchangeAccess {
  static std::string_view& route_id(Exchange& e) { return e.route_id_; }
  static std::vector<std::pair<std::string, std::string>>& params(Exchange& e) { return e.params_; }
  static std::string& request_id(Exchange& e) { return e.request_id_; }
  static std::string& client_address(Exchange& e) { return e.client_address_; }
  static std::optional<Error>& error(Exchange& e) { return e.error_; }
  static const Endpoint*& endpoint(Exchange& e) { return e.endpoint_; }
  static std::chrono::steady_clock::time_point& started(Exchange& e) { return e.started_; }
  static std::function<std::shared_ptr<Completion>()>& completion_factory(Exchange& e) {
    return e.make_completion_;
  }
  static Services*& services(Exchange& e) { return e.services_; }
  static bool& response_body_over_limit(Exchange& e) { return e.response_body_over_limit_; }
  static Deferred make_deferred(std::shared_ptr<Completion> c) { return Deferred(std::move(c)); }
};

}  // namespace portico::detail
