// Ocelot's UpstreamHeaderTransform / DownstreamHeaderTransform → HeaderTransformConfig.

#include "filters/header_transform/template.hpp"
#include "portico/filters/header_transform.hpp"

namespace portico::filters {

namespace {

// One member of a transform object; `path` names it in errors (an inherited member keeps its
// GlobalConfiguration path).
Result<void> header_edit(const std::string& name, const std::string& value, bool response_side,
                         const std::string& path, std::vector<HeaderEdit>& out) {
  if (!detail::is_header_name(name))
    return make_error(Errc::InvalidConfig, "expected a header name (an HTTP token)", path);
  if (detail::is_framing_field(name))
    return make_error(Errc::InvalidConfig, "\"" + name + "\" frames the message; only the gateway sets it", path);
  HeaderEdit e;
  e.name = name;
  if (value.empty()) {
    e.kind = HeaderEdit::Kind::Remove;
  } else if (auto comma = value.find(','); comma != std::string::npos) {
    // As Ocelot: Split(",") → [0] is the text to find, [1] (leading spaces trimmed) the replacement.
    e.kind = HeaderEdit::Kind::Replace;
    e.find = value.substr(0, comma);
    std::string_view rest = std::string_view(value).substr(comma + 1);
    rest = rest.substr(0, rest.find(','));
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    e.replace = std::string(rest);
    if (e.find.empty()) return make_error(Errc::InvalidConfig, "the text to find (before the comma) is empty", path);
  } else {
    e.kind = response_side ? HeaderEdit::Kind::SetIfAbsent : HeaderEdit::Kind::Set;
    e.value = value;
  }
  for (const std::string* text : {&e.value, &e.find, &e.replace}) {
    auto t = detail::ValueTemplate::parse(*text);
    if (!t) return make_error(Errc::InvalidConfig, t.error().message, path);
  }
  out.push_back(std::move(e));
  return {};
}

Result<void> read_side(const config::JsonNode& node, bool response_side, std::vector<HeaderEdit>& out) {
  if (!node.present()) return {};
  if (!node.is_object())
    return make_error(Errc::InvalidConfig, "expected an object of strings, got " + node.describe(), node.path());
  for (const auto& [name, child] : node.children()) {
    auto value = child.as_string();
    if (!value) return std::move(value).error();
    if (auto ok = header_edit(name, *value, response_side, child.path(), out); !ok) return ok;
  }
  return {};
}

}  // namespace

Result<HeaderTransformConfig> ocelot_header_transform(const config::JsonNode& upstream,
                                                      const config::JsonNode& downstream, std::string base_url) {
  HeaderTransformConfig c;
  c.base_url = std::move(base_url);
  if (auto r = read_side(upstream, false, c.request); !r) return std::move(r).error();
  if (auto r = read_side(downstream, true, c.response); !r) return std::move(r).error();
  return c;
}

}  // namespace portico::filters
