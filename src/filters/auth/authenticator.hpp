#pragma once
// Internal to the authentication filters: what JWT and API-key providers share, so one route can try
// several of them in order (make_authentication), and the 401/403 answers they all give.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/filter.hpp"
#include "portico/filters/authorization.hpp"

namespace portico::filters::auth {

/// What one provider made of a request.
struct Outcome {
  enum class Kind { Authenticated, NoCredentials, Rejected };
  Kind kind = Kind::NoCredentials;
  Identity identity;        // Authenticated
  std::string description;  // Rejected: why, for error_description (never the credential itself)
};

/// A provider: a filter of phase Authentication that can also be asked without answering.
class Authenticator : public Filter {
 public:
  Phase phase() const noexcept override { return Phase::Authentication; }
  bool may_set_framing_fields() const noexcept override { return false; }
  /// Looks for the provider's credential and checks it; on the loop thread, never blocks.
  virtual Outcome authenticate(const Exchange& exchange) const = 0;
  /// The WWW-Authenticate challenge for `outcome` (NoCredentials or Rejected).
  virtual std::string challenge(const Outcome& outcome) const = 0;
  /// Removes the provider's credential from the client's request (header, cookie) unless it is
  /// forwarded; called once a request is authenticated.
  virtual void strip(Request& request) const = 0;
  /// Removes the provider's query parameter from the upstream target unless it is forwarded.
  virtual void strip_upstream(Request& upstream) const = 0;
  /// Identity::provider of what it authenticates.
  virtual const std::string& provider_name() const noexcept = 0;

  FilterResult on_request(Exchange& exchange) const override;
  void on_upstream_request(Exchange& exchange, Request& upstream) const override;
};

/// Answers 401 with one WWW-Authenticate field per challenge and a problem body (`detail`).
Response unauthorized(const Exchange& exchange, const std::vector<std::string>& challenges, std::string_view detail);
/// Answers 403 (an optional challenge, e.g. insufficient_scope).
Response forbidden(const Exchange& exchange, std::string_view challenge, std::string_view detail);

/// `Bearer`, or with `error="invalid_token"` and `description` when there is one.
std::string bearer_challenge(std::string_view description);
/// Removes cookie `name` from the Cookie fields of `headers` (a field left empty is removed).
void strip_cookie(Headers& headers, std::string_view name);
/// Removes every `name` parameter from the query of `target`.
void strip_query(std::string& target, std::string_view name);
/// Percent-decodes a query value ('+' is a space); nullopt for a bad escape.
std::optional<std::string> percent_decode(std::string_view raw);

/// Checks `config` against `identity`: "" when it passes, else why (scope or claim).
std::string authorization_failure(const AuthorizationConfig& config, const Identity& identity, bool& scope_failed);
/// True when `config` checks anything.
bool asks_anything(const AuthorizationConfig& config) noexcept;

}  // namespace portico::filters::auth
