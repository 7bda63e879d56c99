#include "core/forwarding.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "http/codec.hpp"
#include "http/text.hpp"

namespace portico::detail {

namespace {

/// Fields a client's Connection header may not name: naming them is an attack (RFC 9110 §7.6.1;
/// "hop-by-hop header abuse"), answered with 400.
bool is_forbidden_in_connection(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 4> kForbidden = {"Host", "Content-Length", "Transfer-Encoding",
                                                                 "Authorization"};
  for (auto p : kForbidden)
    if (iequals(p, name)) return true;
  return false;
}

/// Splits a comma-separated list and calls fn(token) for each trimmed non-empty element.
template <class Fn>
void for_each_token(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto tok = trim(list.substr(0, comma));
    if (!tok.empty()) fn(tok);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

std::string_view host_port_of(std::string_view host_header, bool secure) {
  host_header = trim(host_header);
  auto close = host_header.rfind(']');
  auto colon = host_header.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close))
    return host_header.substr(colon + 1);
  return secure ? "443" : "80";
}

bool needs_forwarded_quotes(std::string_view v) {
  for (char c : v)
    if (!(is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '_')) return true;
  return false;
}

std::string forwarded_node(std::string_view address) {
  if (address.find(':') != std::string_view::npos) return "\"[" + std::string(address) + "]\"";
  return std::string(address);
}

}  // namespace

std::string resolve_client_address(const Request& request, const CidrSet& trusted) {
  if (trusted.empty() || !trusted.contains(request.remote_address)) return request.remote_address;
  // Walk X-Forwarded-For right to left; the first hop that is not a trusted proxy is the client.
  std::vector<std::string_view> hops;
  for (const auto& f : request.headers)
    if (iequals(f.name, "X-Forwarded-For")) for_each_token(f.value, [&](std::string_view t) { hops.push_back(t); });
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto addr = IpAddress::parse(*it);
    if (!addr) return request.remote_address;  // garbage in the chain: stop believing it
    if (!trusted.contains(*addr)) return std::string(*it);
  }
  return hops.empty() ? request.remote_address : std::string(hops.front());
}

namespace {

/// The fields a proxy treats specially, recognised by length first so that most names cost one
/// switch and at most a couple of case-insensitive compares.
enum class Field : std::uint8_t {
  Other, HopByHop, Connection, ContentLength, Host, Xff, XfProto, XfHost, XfPort, Forwarded, Via, RealIp
};

Field classify(std::string_view n) noexcept {
  switch (n.size()) {
    case 2: return iequals(n, "TE") ? Field::HopByHop : Field::Other;
    case 3: return iequals(n, "Via") ? Field::Via : Field::Other;
    case 4: return iequals(n, "Host") ? Field::Host : Field::Other;
    case 7: return iequals(n, "Upgrade") || iequals(n, "Trailer") ? Field::HopByHop : Field::Other;
    case 9:
      if (iequals(n, "Forwarded")) return Field::Forwarded;
      return iequals(n, "X-Real-IP") ? Field::RealIp : Field::Other;
    case 10:
      if (iequals(n, "Connection")) return Field::Connection;
      return iequals(n, "Keep-Alive") ? Field::HopByHop : Field::Other;
    case 14: return iequals(n, "Content-Length") ? Field::ContentLength : Field::Other;
    case 15: return iequals(n, "X-Forwarded-For") ? Field::Xff : Field::Other;
    case 16:
      if (iequals(n, "X-Forwarded-Host")) return Field::XfHost;
      if (iequals(n, "X-Forwarded-Port")) return Field::XfPort;
      return iequals(n, "Proxy-Connection") ? Field::HopByHop : Field::Other;
    case 17:
      if (iequals(n, "X-Forwarded-Proto")) return Field::XfProto;
      return iequals(n, "Transfer-Encoding") ? Field::HopByHop : Field::Other;
    case 18: return iequals(n, "Proxy-Authenticate") ? Field::HopByHop : Field::Other;
    default: return Field::Other;
  }
}

bool named_in(const std::vector<std::string>& names, std::string_view n) noexcept {
  for (const auto& x : names)
    if (iequals(x, n)) return true;
  return false;
}

void append_list(std::string& list, std::string_view item) {
  if (!list.empty()) list += ", ";
  list += item;
}

}  // namespace

Result<Headers> build_upstream_headers(Headers& source, bool consume, const Request& client,
                                       const ForwardSettings& s) {
  // Fields named by Connection (rare: HTTP/1.1 clients seldom send it).
  std::vector<std::string> named;
  for (const auto& f : source)
    if (classify(f.name) == Field::Connection) for_each_token(f.value, [&](std::string_view t) { named.emplace_back(t); });
  for (const auto& n : named)
    if (is_forbidden_in_connection(n))
      return make_error(Errc::BadRequest, "the Connection header may not name '" + n + "'");

  const bool trusted_peer = s.trusted && s.trusted->contains(client.remote_address);
  std::string host_value;
  std::string xff, fwd, via;
  bool kept_proto = false, kept_host = false, kept_port = false;
  Headers out;
  out.reserve(source.size() + 8);
  if (!s.preserve_host) out.add("Host", std::string(s.upstream_authority));

  for (auto& f : source.fields()) {
    const Field kind = classify(f.name);
    switch (kind) {
      case Field::HopByHop:
      case Field::Connection:
      case Field::ContentLength: continue;
      case Field::Host:
        if (host_value.empty()) host_value = f.value;
        if (!s.preserve_host) continue;
        break;
      case Field::Xff:
        if (trusted_peer) append_list(xff, f.value);
        continue;
      case Field::Forwarded:
        if (trusted_peer) append_list(fwd, f.value);
        continue;
      case Field::Via:
        append_list(via, f.value);
        continue;
      case Field::XfProto:
        if (!trusted_peer) continue;
        kept_proto = true;
        break;
      case Field::XfHost:
        if (!trusted_peer) continue;
        kept_host = true;
        break;
      case Field::XfPort:
        if (!trusted_peer) continue;
        kept_port = true;
        break;
      case Field::RealIp:
        if (!trusted_peer || s.set_real_ip) continue;  // a client's own claim is never believed
        break;
      case Field::Other:
        if (!s.request_id_header.empty() && f.name.size() == s.request_id_header.size() &&
            iequals(f.name, s.request_id_header))
          continue;  // set below
        if (!named.empty() && named_in(named, f.name)) continue;
        break;
    }
    if (consume)
      out.add(std::move(f.name), std::move(f.value));
    else
      out.add(f.name, f.value);
  }
  if (s.preserve_host && host_value.empty()) out.add("Host", std::string(s.upstream_authority));

  // X-Forwarded-For: the peer appended to a trusted chain, otherwise alone.
  append_list(xff, client.remote_address);
  out.add("X-Forwarded-For", std::move(xff));
  const std::string_view proto = client.secure ? "https" : "http";
  if (!kept_proto) out.add("X-Forwarded-Proto", std::string(proto));
  // The client's Host is whatever the client typed: echoing it lets a client poison links the
  // upstream builds from it (password-reset mails), so it is forwarded only when asked.
  const bool echo_host = s.forward_host && !host_value.empty();
  if (!kept_host && echo_host) out.add("X-Forwarded-Host", host_value);
  if (!kept_port && echo_host) out.add("X-Forwarded-Port", std::string(host_port_of(host_value, client.secure)));
  if (s.set_real_ip)
    out.add("X-Real-IP", s.trusted ? resolve_client_address(client, *s.trusted) : client.remote_address);

  // Forwarded (RFC 7239): a trusted one extended, otherwise a fresh one.
  if (!fwd.empty()) fwd += ", ";
  fwd += "for=";
  fwd += forwarded_node(client.remote_address);
  if (echo_host) {
    fwd += ";host=";
    if (needs_forwarded_quotes(host_value)) {
      fwd += '"';
      fwd += host_value;
      fwd += '"';
    } else {
      fwd += host_value;
    }
  }
  fwd += ";proto=";
  fwd += proto;
  out.add("Forwarded", std::move(fwd));

  if (!s.via.empty()) {
    append_list(via, s.via);
    out.add("Via", std::move(via));
  } else if (!via.empty()) {
    out.add("Via", std::move(via));
  }
  if (!s.request_id_header.empty() && !s.request_id.empty())
    out.add(std::string(s.request_id_header), std::string(s.request_id));
  return out;
}

void clean_upstream_response(Headers& headers) {
  auto& fields = headers.fields();
  bool any = false;
  std::vector<std::string> named;
  for (const auto& f : fields) {
    const Field kind = classify(f.name);
    if (kind == Field::HopByHop) any = true;
    if (kind == Field::Connection) {
      any = true;
      for_each_token(f.value, [&](std::string_view t) {
        if (!iequals(t, "Content-Length")) named.emplace_back(t);
      });
    }
  }
  if (!any) return;
  fields.erase(std::remove_if(fields.begin(), fields.end(),
                              [&](const HeaderField& f) {
                                const Field kind = classify(f.name);
                                return kind == Field::HopByHop || kind == Field::Connection ||
                                       (!named.empty() && named_in(named, f.name));
                              }),
               fields.end());
}

void frame_whole_request(Headers& headers, std::string_view method, std::size_t body_size) {
  strip_framing_fields(headers);
  if (body_size > 0 || method_may_have_body(method)) headers.add("Content-Length", std::to_string(body_size));
}

void strip_framing_fields(Headers& headers) {
  auto& fields = headers.fields();
  fields.erase(std::remove_if(fields.begin(), fields.end(), [](const HeaderField& f) { return is_framing_field(f.name); }),
               fields.end());
}

}  // namespace portico::detail
