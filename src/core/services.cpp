// Services' defaults and RedisEndpoint::parse.

#include <charconv>
#include <string>

#include "http/text.hpp"
#include "portico/services.hpp"

namespace portico {

namespace {

Error bad_url(std::string why, std::string_view url) {
  std::string m = "expected redis://[[username]:password@]host[:port][/db]: ";
  m += why;
  m += " in \"";
  // never echo a password: cut the user info
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    m += "redis://…";
    m += url.substr(at);
  } else {
    m += url;
  }
  m += '"';
  return Error{Errc::InvalidConfig, std::move(m), {}};
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = detail::hex_value(in[i + 1]), lo = detail::hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

Result<RedisEndpoint> RedisEndpoint::parse(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind("rediss://", 0) == 0)
    return make_error(Errc::Unsupported, "rediss:// (Redis over TLS) is not available in this build; use redis://", "");
  if (url.rfind(kScheme, 0) != 0) return bad_url("the scheme must be redis://", url);
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint ep;
  // user info: up to the last '@' before the path
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = authority.size() < rest.size() ? rest.substr(authority.size()) : std::string_view();
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view info = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    std::string_view user = info, pass;
    if (auto colon = info.find(':'); colon != std::string_view::npos) {
      user = info.substr(0, colon);
      pass = info.substr(colon + 1);
    } else {  // redis://secret@host: the one value is the password (as redis-cli and most clients read it)
      pass = info;
      user = {};
    }
    if (!percent_decode(user, ep.username) || !percent_decode(pass, ep.password))
      return bad_url("a bad percent escape in the user info", url);
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("an unclosed [ in the host", url);
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url("expected :port after the bracketed host", url);
      port = after.substr(1);
      if (port.empty()) return bad_url("an empty port", url);
    }
    for (char c : host)
      if (!(detail::is_hex(c) || c == ':' || c == '.')) return bad_url("a bad IPv6 address", url);
  } else {
    if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return bad_url("an empty port", url);
    }
    for (char c : host)
      if (!host_char(c)) return bad_url("a bad character in the host", url);
  }
  if (host.empty()) return bad_url("no host", url);
  ep.host = std::string(host);
  if (!port.empty()) {
    unsigned v = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), v);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || v == 0 || v > 65535)
      return bad_url("the port must be 1..65535", url);
    ep.port = static_cast<std::uint16_t>(v);
  }
  if (!path.empty() && path != "/") {
    std::string_view db = path.substr(1);
    int v = 0;
    auto r = std::from_chars(db.data(), db.data() + db.size(), v);
    if (r.ec != std::errc() || r.ptr != db.data() + db.size() || v < 0 || v > 1000000)
      return bad_url("the path must be a database number", url);
    ep.db = v;
  }
  ep.display = "redis://";
  if (!ep.username.empty() || !ep.password.empty()) {
    ep.display += ep.username;
    ep.display += ":***@";
  }
  ep.display += std::string_view(authority);
  ep.display += '/';
  ep.display += std::to_string(ep.db);
  ep.id = ep.display;
  ep.id += '\x1f';
  ep.id += ep.password;  // two passwords for one server: two connections
  return ep;
}

void Services::redis(const RedisEndpoint& endpoint, std::span<const std::string_view>, std::chrono::milliseconds,
                     RedisCallback done) {
  if (!done) return;
  std::string m = "no Redis client off an event loop (";
  m += endpoint.display;
  m += ')';
  done(make_error(Errc::Unsupported, std::move(m)));
}

}  // namespace portico
