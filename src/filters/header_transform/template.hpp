#pragma once
// Internal: header value templates with placeholders ({RemoteIpAddress}, {UpstreamHost}, {BaseUrl},
// {DownstreamBaseUrl}, {RequestId}, {route placeholder}), compiled once, rendered per request.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/codec.hpp"
#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters::detail {

using portico::detail::is_field_value;

inline bool is_header_name(std::string_view s) noexcept { return portico::detail::is_token(s); }

/// Fields only the engine may set (framing, hop-by-hop): a transform that set them could give the
/// upstream two framings (request smuggling), so they are refused.
using portico::detail::is_framing_field;

/// What placeholders are resolved from.
struct PlaceholderContext {
  Exchange& exchange;
  std::string_view base_url;  // configured, without a trailing slash; empty: from the request
};

class ValueTemplate {
 public:
  /// Splits `text` into literals and placeholders; `{` without a matching `}` is an error. Text in
  /// braces that is not a placeholder name (`{"a":1}`) stays literal.
  static Result<ValueTemplate> parse(std::string_view text);
  /// The value for one request, or nullopt when a placeholder has no value there.
  std::optional<std::string> render(const PlaceholderContext& ctx) const;
  /// Appends the value for one request to `out` (no temporary: a header's own string is reused);
  /// false when a placeholder has no value there (`out` then holds a partial value).
  bool render_to(const PlaceholderContext& ctx, std::string& out) const;
  /// True when the whole template is one placeholder (Ocelot's find-by-placeholder form).
  bool is_single_placeholder() const noexcept { return parts_.size() == 1 && parts_[0].kind != Kind::Literal; }

 private:
  enum class Kind { Literal, RemoteIpAddress, UpstreamHost, BaseUrl, DownstreamBaseUrl, RequestId, Param };
  struct Part {
    Kind kind;
    std::string text;  // the literal, or the route placeholder's name
  };
  std::vector<Part> parts_;
  bool has_params_ = false;
};

}  // namespace portico::filters::detail
