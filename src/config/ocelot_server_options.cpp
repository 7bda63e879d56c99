// GlobalConfiguration.ServerOptions → ServerOptions (the engine's limits, pool and edge settings)
// and the listener's certificates.

#include <simdjson.h>

#include <chrono>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "config/ocelot_sections.hpp"
#include "config/ocelot_values.hpp"
#include "http/text.hpp"
#include "portico/http.hpp"

namespace portico::config::sections {

namespace {

void certificates(simdjson::dom::array list, const std::string& where, std::vector<Warning>& warnings,
                  std::vector<TlsCertificate>& out);

// A string key naming one of `names` (case-insensitive) sets `out`; any other value is an error
// listing the names.
template <class E>
void choice(JsonObject& o, std::string_view key, std::initializer_list<std::pair<std::string_view, E>> names,
                   E& out) {
  auto v = o.string(key);
  if (!v) return;
  std::string expected;  // "A", "B" or "C"
  std::size_t i = 0;
  for (const auto& [name, value] : names) {
    if (iequals(*v, name)) {
      out = value;
      return;
    }
    if (i > 0) expected += i + 1 == names.size() ? " or " : ", ";
    expected += json_quote(name);
    ++i;
  }
  fail(o.path_of(key), "expected " + expected + ", got " + json_quote(*v));
}

}  // namespace

void server_options(JsonObject& s, ServerOptions& o, std::vector<TlsCertificate>& certificates_out) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  auto size = [&](std::string_view key, std::int64_t hi, auto& field) {
    if (auto v = s.integer(key, 1, hi)) field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
  };
  auto millis = [&](std::string_view key, std::chrono::milliseconds& field) {
    if (auto v = s.integer(key, 1, kDayMs)) field = std::chrono::milliseconds(*v);
  };
  size("MaxRequestLineBytes", kMiB, o.max_request_line_bytes);
  size("MaxHeaderBytes", 16 * kMiB, o.max_header_bytes);
  size("MaxHeaderCount", 10000, o.max_header_count);
  size("MaxHeaderLineBytes", 16 * kMiB, o.max_header_line_bytes);
  if (auto v = s.integer("RequestBufferBytes", 0, 1024 * kMiB)) o.request_buffer_bytes = static_cast<std::size_t>(*v);
  size("MaxBodyBytes", 1024 * 1024 * kMiB, o.max_body_bytes);
  millis("RequestHeadTimeoutMs", o.request_head_timeout);
  millis("RequestBodyTimeoutMs", o.request_body_timeout);
  millis("KeepAliveIdleTimeoutMs", o.keep_alive_idle_timeout);
  millis("IdleParkAfterMs", o.idle_park_after);
  millis("UpstreamConnectTimeoutMs", o.upstream_connect_timeout);
  millis("UpstreamTimeoutMs", o.upstream_timeout);
  millis("DrainTimeoutMs", o.drain_timeout);
  size("MaxConnections", 1000000, o.max_connections);
  size("MaxInFlightPerLoop", 1000000, o.max_in_flight_per_loop);
  size("MaxUpstreamHeaderBytes", 16 * kMiB, o.max_upstream_header_bytes);
  auto count = [&](std::string_view key, auto& field) {  // 0 allowed: "none" or "no limit"
    if (auto v = s.integer(key, 0, 1000000)) field = static_cast<std::size_t>(*v);
  };
  count("UpstreamMaxIdlePerEndpoint", o.upstream_max_idle_per_endpoint);
  millis("UpstreamIdleTimeoutMs", o.upstream_idle_timeout);
  count("UpstreamMaxRequestsPerConnection", o.upstream_max_requests_per_connection);
  count("UpstreamMaxConnectionsPerEndpoint", o.upstream_max_connections_per_endpoint);
  if (auto v = s.boolean("ForwardClientHost")) o.forward_client_host = *v;
  if (auto v = s.boolean("SetXRealIp")) o.set_x_real_ip = *v;
  if (auto list = s.strings("TrustedProxies")) {
    o.trusted_proxies.clear();
    for (std::size_t k = 0; k < list->size(); ++k) {
      auto cidr = detail::normalize_cidr((*list)[k]);
      if (!cidr) {
        fail(detail::index_path(s.path_of("TrustedProxies"), k),
             "expected a CIDR range such as \"10.0.0.0/8\" or \"fd00::/8\" (or one address), got " +
                 json_quote((*list)[k]));
      }
      o.trusted_proxies.push_back(std::move(*cidr));
    }
  }
  choice(s, "EncodedSlashes", {{"Reject", EncodedSlashes::Reject}, {"Keep", EncodedSlashes::Keep}}, o.encoded_slashes);
  choice(s, "UnderscoresInHeaders",
         {{"Drop", UnderscoreHeaders::Drop}, {"Reject", UnderscoreHeaders::Reject}, {"Pass", UnderscoreHeaders::Pass}},
         o.underscores_in_headers);
  if (auto v = s.boolean("AllowTrace")) o.allow_trace = *v;
  choice(s, "RejectedLogLevel",
         {{"Debug", LogLevel::Debug}, {"Info", LogLevel::Info}, {"Warn", LogLevel::Warn}, {"Error", LogLevel::Error}},
         o.rejected_log_level);
  if (auto v = s.integer("RejectedLogPerSecond", 0, 1000000)) o.rejected_log_per_second = static_cast<std::size_t>(*v);
  if (auto v = s.string("Via")) {
    for (char c : *v)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        fail(s.path_of("Via"), "must not contain control characters");
    o.via = *v;
  }
  if (auto list = s.array("Certificates")) certificates(*list, s.path_of("Certificates"), s.warnings(), certificates_out);
  s.finish();
}

namespace {

// ServerOptions.Certificates: [{CertFile, KeyFile, ServerNames}]. The files are read when the
// gateway listens (the loader stays pure).
void certificates(simdjson::dom::array list, const std::string& where, std::vector<Warning>& warnings,
                  std::vector<TlsCertificate>& out) {
  std::size_t k = 0;
  for (simdjson::dom::element e : list) {
    JsonObject c = JsonObject::from(e, detail::index_path(where, k++), warnings);
    TlsCertificate cert;
    auto file = [&](std::string_view key, std::string_view what) {
      auto v = c.string(key);
      if (!v || v->empty()) fail(c.path_of(key), "required: the path of the " + std::string(what));
      return *v;
    };
    cert.cert_file = file("CertFile", "PEM certificate chain");
    cert.key_file = file("KeyFile", "PEM private key");
    auto names = c.strings("ServerNames").value_or(std::vector<std::string>{});
    for (std::size_t n = 0; n < names.size(); ++n) {
      std::string_view name = names[n];
      std::string_view host = name.substr(0, 2) == "*." ? name.substr(2) : name;
      if (host.find(':') != std::string_view::npos || host.find('[') != std::string_view::npos ||
          !detail::normalize_upstream_host(host))
        fail(detail::index_path(c.path_of("ServerNames"), n),
             "expected a host name such as \"api.example.com\" or \"*.example.com\", got " + json_quote(names[n]));
    }
    cert.server_names = std::move(names);
    c.finish();
    out.push_back(std::move(cert));
  }
}

}  // namespace

}  // namespace portico::config::sections
