#include "core/client_url.hpp"

#include "http/chars.hpp"
#include "http/text.hpp"

namespace portico::detail {

namespace {

Error bad(std::string_view url, std::string_view why) {
  return make_error(Errc::InvalidArgument, "invalid client URL '" + std::string(url) + "': " + std::string(why),
                    "ClientRequest::url");
}

bool valid_name(std::string_view host) {
  for (char c : host)
    if (!chars::has(c, chars::kHostLabel) && c != '.') return false;
  return true;
}

bool valid_ipv6(std::string_view host) {
  for (char c : host)
    if (!is_hex(c) && c != ':' && c != '.') return false;
  return host.find(':') != std::string_view::npos;
}

}  // namespace

Result<ClientUrl> parse_client_url(std::string_view url) {
  ClientUrl out;
  std::string_view rest;
  if (istarts_with(url, "https://")) {
    out.endpoint.scheme = "https";
    out.endpoint.port = 443;
    rest = url.substr(8);
  } else if (istarts_with(url, "http://")) {
    out.endpoint.scheme = "http";
    out.endpoint.port = 80;
    rest = url.substr(7);
  } else {
    return bad(url, "the scheme must be http:// or https://");
  }
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  if (!chars::all_of(rest, chars::kQuery)) return bad(url, "only visible ASCII is allowed");
  const auto end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad(url, "user info is not supported");
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad(url, "unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    if (!valid_ipv6(host)) return bad(url, "invalid IPv6 host");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad(url, "unexpected text after the [IPv6] host");
    if (!after.empty()) port = after.substr(1);
    if (after.size() == 1) return bad(url, "empty port");
  } else {
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return bad(url, "empty port");
    }
    if (!valid_name(host)) return bad(url, "invalid host name");
  }
  if (host.empty()) return bad(url, "no host");
  if (!port.empty()) {
    auto n = parse_decimal(port);
    if (!n || *n == 0 || *n > 65535) return bad(url, "the port must be 1-65535");
    out.endpoint.port = static_cast<std::uint16_t>(*n);
  }
  out.endpoint.host = std::string(host);
  out.host = std::string(authority);
  if (target.empty() || target.front() == '?') out.target.push_back('/');  // "http://h?q" asks for "/?q"
  out.target.append(target);
  return out;
}

}  // namespace portico::detail
