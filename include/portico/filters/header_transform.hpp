#pragma once
/// Header transforms: set, add, remove and find-and-replace header fields on the request sent
/// upstream and on the response sent to the client, with placeholders. Ocelot's
/// `UpstreamHeaderTransform` / `DownstreamHeaderTransform` load into this filter.

#include <string>
#include <vector>

#include "portico/config/json.hpp"
#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

/// One edit of one header. `value`, `find` and `replace` may hold placeholders, resolved per
/// request: `{RemoteIpAddress}` (the client address), `{UpstreamHost}` (the client's Host header),
/// `{BaseUrl}` (the gateway's base URL), `{DownstreamBaseUrl}` (`scheme://host[:port]/` of the
/// upstream endpoint, ports 80/443 left out), `{RequestId}`, and `{name}` for a route placeholder.
/// An edit whose placeholder has no value for a request is skipped for that request.
struct HeaderEdit {
  enum class Kind {
    Set,          ///< replace every field of the name with one (added if absent)
    Append,       ///< add one more field of the name
    SetIfAbsent,  ///< add the field only if the name is not present
    Remove,       ///< remove every field of the name
    Replace,      ///< in the first field of the name, replace every `find` with `replace`
  };
  Kind kind = Kind::Set;
  std::string name;
  std::string value;    ///< Set, Append, SetIfAbsent
  std::string find;     ///< Replace
  std::string replace;  ///< Replace
};

/// The filter's settings: edits run in order on each side.
struct HeaderTransformConfig {
  std::vector<HeaderEdit> request;   ///< on the request sent upstream, after the forwarding headers
  std::vector<HeaderEdit> response;  ///< on the response to the client (streamed responses too)
  /// `{BaseUrl}`. Empty: the request's own `scheme://Host` (so redirects point back at the gateway).
  std::string base_url;
};

/// Validates `config` (header names are tokens, no CR/LF/NUL in values, placeholders closed) and
/// makes the filter (phase Transform). Errors name the edit: `request[2].name`.
Result<FilterPtr> make_header_transform(HeaderTransformConfig config);

/// Reads Ocelot's header transform objects (`{"Name": "value"}`; a value with a comma is
/// `"find, replace"`; an empty value removes the header) into edits. `upstream` and `downstream`
/// may be absent. Request side: a plain value sets the header (replacing the client's). Response
/// side: a plain value is added unless the upstream sent that header (Ocelot's responder keeps the
/// first field of a name).
Result<HeaderTransformConfig> ocelot_header_transform(const config::JsonNode& upstream,
                                                      const config::JsonNode& downstream, std::string base_url);

}  // namespace portico::filters
