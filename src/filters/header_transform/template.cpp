#include "filters/header_transform/template.hpp"

namespace portico::filters::detail {

namespace {

bool is_placeholder_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  return true;
}

std::string downstream_base_url(const Endpoint& ep) {
  std::string out = ep.scheme;
  out += "://";
  const bool default_port = ep.port == 80 || ep.port == 443;  // as Ocelot: either port, whatever the scheme
  if (default_port)
    out += ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  else
    out += ep.authority();
  out += '/';
  return out;
}

}  // namespace

Result<ValueTemplate> ValueTemplate::parse(std::string_view text) {
  if (!is_field_value(text))
    return make_error(Errc::InvalidConfig, "the value has a character a header cannot carry (CR, LF, NUL or a control)");
  ValueTemplate t;
  auto literal = [&](std::string_view s) {
    if (s.empty()) return;
    if (!t.parts_.empty() && t.parts_.back().kind == Kind::Literal)
      t.parts_.back().text += s;
    else
      t.parts_.push_back(Part{Kind::Literal, std::string(s)});
  };
  while (!text.empty()) {
    auto open = text.find('{');
    if (open == std::string_view::npos) {
      literal(text);
      break;
    }
    literal(text.substr(0, open));
    auto close = text.find('}', open);
    if (close == std::string_view::npos)
      return make_error(Errc::InvalidConfig, "a placeholder is not closed: '{' without '}'");
    auto name = text.substr(open + 1, close - open - 1);
    if (!is_placeholder_name(name)) {
      literal(text.substr(open, close - open + 1));
    } else if (name == "RemoteIpAddress") {
      t.parts_.push_back(Part{Kind::RemoteIpAddress, {}});
    } else if (name == "UpstreamHost") {
      t.parts_.push_back(Part{Kind::UpstreamHost, {}});
    } else if (name == "BaseUrl") {
      t.parts_.push_back(Part{Kind::BaseUrl, {}});
    } else if (name == "DownstreamBaseUrl") {
      t.parts_.push_back(Part{Kind::DownstreamBaseUrl, {}});
    } else if (name == "RequestId") {
      t.parts_.push_back(Part{Kind::RequestId, {}});
    } else {
      t.parts_.push_back(Part{Kind::Param, std::string(name)});
      t.has_params_ = true;
    }
    text.remove_prefix(close + 1);
  }
  return t;
}

std::optional<std::string> ValueTemplate::render(const PlaceholderContext& ctx) const {
  std::string out;
  if (!render_to(ctx, out)) return std::nullopt;
  return out;
}

bool ValueTemplate::render_to(const PlaceholderContext& ctx, std::string& out) const {
  const std::size_t start = out.size();
  Exchange& ex = ctx.exchange;
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Kind::Literal: out += p.text; break;
      case Kind::RemoteIpAddress: out += ex.client_address(); break;
      case Kind::RequestId: out += ex.request_id(); break;
      case Kind::UpstreamHost: {
        auto host = ex.request().headers.get("Host");
        if (!host) return false;
        out += *host;
        break;
      }
      case Kind::BaseUrl: {
        if (!ctx.base_url.empty()) {
          out += ctx.base_url;
          break;
        }
        auto host = ex.request().headers.get("Host");
        if (!host) return false;
        out += ex.request().secure ? "https://" : "http://";
        out += *host;
        break;
      }
      case Kind::DownstreamBaseUrl: {
        const Endpoint* ep = ex.endpoint();
        if (!ep) return false;
        out += downstream_base_url(*ep);
        break;
      }
      case Kind::Param: {
        bool found = false;
        for (const auto& [k, v] : ex.params()) {
          if (k == p.text) {
            out += v;
            found = true;
            break;
          }
        }
        if (!found) return false;
        break;
      }
    }
  }
  // Literals were checked at load, and every other value comes from the parsed request (checked
  // by the codec) or the config; route captures are checked again because a rewrite may decode.
  // never put CR/LF into a header
  return !has_params_ || is_field_value(std::string_view(out).substr(start));
}

}  // namespace portico::filters::detail
