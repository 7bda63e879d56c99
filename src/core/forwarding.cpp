#include "core/forwarding.hpp"

#include <array>
#include <random>
#include <vector>

#include "core/text.hpp"

namespace portico::detail {

namespace {

constexpr std::array<std::string_view, 8> kHopByHop = {
    "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade", "Trailer",
    "Proxy-Authenticate"};

/// Fields a client's Connection header may not name: naming them is an attack (RFC 9110 §7.6.1;
/// "hop-by-hop header abuse"), answered with 400.
bool is_forbidden_in_connection(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 4> kForbidden = {"Host", "Content-Length", "Transfer-Encoding",
                                                                 "Authorization"};
  for (auto p : kForbidden)
    if (iequals(p, name)) return true;
  return false;
}

/// Fields the gateway sets itself: a Connection header naming them is ignored for them.
bool is_gateway_set(std::string_view name, std::string_view request_id_header) noexcept {
  static constexpr std::array<std::string_view, 6> kSet = {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                                                           "X-Forwarded-Port", "Forwarded", "Via"};
  for (auto p : kSet)
    if (iequals(p, name)) return true;
  return !request_id_header.empty() && iequals(name, request_id_header);
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

/// Collects the field names listed in every Connection header.
std::vector<std::string> connection_tokens(const Headers& headers) {
  std::vector<std::string> out;
  for (const auto& f : headers)
    if (iequals(f.name, "Connection")) for_each_token(f.value, [&](std::string_view t) { out.emplace_back(t); });
  return out;
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

Result<void> prepare_upstream_headers(Headers& headers, const Request& client, const ForwardSettings& s) {
  auto named = connection_tokens(headers);
  for (const auto& n : named)
    if (is_forbidden_in_connection(n))
      return make_error(Errc::BadRequest, "the Connection header may not name '" + n + "'");
  for (const auto& n : named)
    if (!is_gateway_set(n, s.request_id_header)) headers.remove(n);
  for (auto h : kHopByHop) headers.remove(h);
  headers.remove("Content-Length");

  const bool trusted_peer = s.trusted && s.trusted->contains(client.remote_address);
  auto original_host = client.headers.get("Host");
  std::string host_value = original_host ? std::string(*original_host) : std::string();

  if (!s.preserve_host || host_value.empty()) {
    headers.remove("Host");
    headers.fields().insert(headers.fields().begin(), HeaderField{"Host", std::string(s.upstream_authority)});
  }

  // X-Forwarded-For: append the peer to a trusted chain, otherwise replace it.
  std::string xff;
  if (trusted_peer) {
    for (const auto& f : client.headers)
      if (iequals(f.name, "X-Forwarded-For")) {
        if (!xff.empty()) xff += ", ";
        xff += f.value;
      }
  }
  if (!xff.empty()) xff += ", ";
  xff += client.remote_address;
  headers.set("X-Forwarded-For", std::move(xff));

  const std::string_view proto = client.secure ? "https" : "http";
  if (!trusted_peer || !client.headers.has("X-Forwarded-Proto")) headers.set("X-Forwarded-Proto", std::string(proto));
  if (!trusted_peer || !client.headers.has("X-Forwarded-Host")) {
    if (host_value.empty())
      headers.remove("X-Forwarded-Host");
    else
      headers.set("X-Forwarded-Host", host_value);
  }
  if (!trusted_peer || !client.headers.has("X-Forwarded-Port"))
    headers.set("X-Forwarded-Port", std::string(host_port_of(host_value, client.secure)));

  // Forwarded (RFC 7239): extend a trusted one, otherwise start fresh.
  std::string fwd;
  if (trusted_peer) {
    for (const auto& f : client.headers)
      if (iequals(f.name, "Forwarded")) {
        if (!fwd.empty()) fwd += ", ";
        fwd += f.value;
      }
  }
  if (!fwd.empty()) fwd += ", ";
  fwd += "for=" + forwarded_node(client.remote_address);
  if (!host_value.empty()) {
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
  headers.set("Forwarded", std::move(fwd));

  if (!s.via.empty()) {
    std::string via;
    for (const auto& f : client.headers)
      if (iequals(f.name, "Via")) {
        if (!via.empty()) via += ", ";
        via += f.value;
      }
    if (!via.empty()) via += ", ";
    via += s.via;
    headers.set("Via", std::move(via));
  }

  if (!s.request_id_header.empty() && !s.request_id.empty()) headers.set(s.request_id_header, std::string(s.request_id));
  return {};
}

void clean_upstream_response(Headers& headers) {
  auto named = connection_tokens(headers);
  for (const auto& n : named)
    if (!iequals(n, "Content-Length")) headers.remove(n);
  for (auto h : kHopByHop) headers.remove(h);
}

std::string generate_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[v & 15];
    v >>= 4;
  }
  return out;
}

bool is_acceptable_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace portico::detail
