// ocelot.json → Config. Pipeline (style-anchors §3.5): relaxed JSON → strict JSON (json_relaxed),
// simdjson DOM, typed reads with JSON paths (json_reader), then the same Route/Upstream builders and
// router validation the C++ API uses. The key reference is docs/config/ocelot.md.

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <type_traits>
#include <unordered_map>

#include "config/json_document.hpp"
#include "config/json_reader.hpp"
#include "config/json_relaxed.hpp"
#include "config/ocelot_section_table.hpp"
#include "config/ocelot_sections.hpp"
#include "config/ocelot_values.hpp"
#include "core/json_tree.hpp"
#include "core/router.hpp"
#include "http/text.hpp"
#include "portico/config/ocelot.hpp"

namespace portico::config {

namespace {

namespace dom = simdjson::dom;
using detail::fail;
using detail::JsonObject;

using namespace sections;

// Answers 501 to protocol-upgrade requests on routes whose DownstreamScheme is ws/wss, until
// WebSocket proxying exists: forwarded as plain HTTP (Upgrade is hop-by-hop), they would fail
// upstream in a confusing way. Requests without Upgrade pass.
class UpgradeRefusal final : public Filter {
 public:
  std::string_view name() const noexcept override { return "websocket-unsupported"; }
  Phase phase() const noexcept override { return Phase::Edge; }
  FilterResult on_request(Exchange& exchange) const override {
    if (!exchange.request().headers.has("Upgrade")) return FilterResult::next();
    return FilterResult::respond(Response::problem(
        501, "WebSocket proxying is not implemented yet; this route cannot upgrade the connection",
        exchange.request_id()));
  }
};

// The hint appended to an unknown key's warning by JsonObject::finish.
constexpr std::string_view kMethodKeyHint = "(did you mean UpstreamHttpMethod?)";

// What a LoadBalancerOptions section asks for.
struct LoadBalancerSpec {
  LoadBalancing policy = LoadBalancing::First;
  StickySessions sticky;
  HashKey hash;
};

class Loader {
 public:
  Loader(const FilterRegistry& filters, SectionTable table) : filters_(filters), table_(std::move(table)) {}

  OcelotConfig run(dom::element root_value) {
    dom::object root_object;
    if (root_value.get_object().get(root_object) != simdjson::SUCCESS)
      fail("", "the top level must be a JSON object, got " + detail::describe(root_value));
    JsonObject root(root_object, "", warnings());

    if (auto g = root.object("GlobalConfiguration")) global(*g);

    if (root.has("Routes") && root.has("ReRoutes"))
      fail("ReRoutes", "both Routes and ReRoutes are given; ReRoutes is the legacy name of Routes: keep one");
    routes_key_ = root.has("ReRoutes") ? "ReRoutes" : "Routes";
    if (auto routes = root.array(routes_key_)) {
      std::size_t i = 0;
      for (dom::element r : *routes) route(r, i++);
    }
    check_duplicate_routes();

    if (auto aggregates = root.array("Aggregates")) {
      std::size_t i = 0;
      for (dom::element a : *aggregates) aggregate(a, i++);
    }
    if (auto dynamic = root.array("DynamicRoutes"); dynamic && dynamic->size() > 0) {
      warn(root.path_of("DynamicRoutes"),
           "dynamic routing needs service discovery, which is not supported; these routes are not served");
    }
    const bool swagger_endpoints = root.has("SwaggerEndPoints");
    if (swagger_endpoints || swagger_keys_ > 0) {
      std::string keys = swagger_endpoints ? "SwaggerEndPoints" : "";
      if (swagger_keys_ > 0) {
        if (!keys.empty()) keys += " and ";
        keys += "SwaggerKey on " + std::to_string(swagger_keys_) + (swagger_keys_ == 1 ? " route" : " routes");
      }
      out_.notes.push_back(Warning{"", "MMLib.SwaggerForOcelot keys recognised (" + keys +
                                           "): Portico does not serve Swagger documents; they are ignored"});
    }
    root.finish();
    return std::move(out_);
  }

 private:
  std::vector<Warning>& warnings() { return out_.warnings; }
  void warn(std::string where, std::string message) {
    out_.warnings.push_back(Warning{std::move(where), std::move(message)});
  }

  // ---- GlobalConfiguration -------------------------------------------------------------------

  void global(JsonObject& g) {
    auto& extras = out_.global;
    auto& options = out_.config.server_options();
    if (auto v = g.string("BaseUrl")) {
      if (!v->empty() && !detail::istarts_with(*v, "http://") && !detail::istarts_with(*v, "https://"))
        fail(g.path_of("BaseUrl"), "expected an absolute http:// or https:// URL, got " + json_quote(*v));
      out_.base_url = *v;
    }
    if (auto v = g.string("RequestIdKey"); v && !v->empty()) {
      check_token(*v, g.path_of("RequestIdKey"), "a header name");
      options.request_id_header = *v;  // the engine's header; the request-id section adds the filter
    }
    if (auto v = g.string("DownstreamScheme"); v && !v->empty()) {
      default_scheme_ = scheme(*v, g.path_of("DownstreamScheme"), &default_websocket_);
      if (default_websocket_)
        warn_websocket(g.path_of("DownstreamScheme"), default_scheme_,
                       "the routes without a DownstreamScheme of their own");
    }
    if (auto lb = g.object("LoadBalancerOptions")) {
      auto spec = load_balancer(*lb);
      if (spec) default_lb_ = *spec;
    }
    if (auto v = g.integer("Timeout", 0, kDaySeconds); v && *v > 0) global_timeout_ = std::chrono::seconds(*v);
    if (auto s = g.object("ServerOptions")) server_options(*s, options, out_.certificates);

    if (auto o = g.object("HttpHandlerOptions")) extras.http_handler_options = http_handler(*o);
    if (auto o = g.object("QoSOptions")) extras.qos_options = qos(*o, true);
    if (auto o = g.object("CacheOptions")) {
      extras.cache_options = cache(*o, true);
      warn(o->path(), "caching is not implemented yet; the key is ignored");
    }
    if (auto o = g.object("ServiceDiscoveryProvider")) {
      extras.service_discovery_provider = service_discovery(*o);
      warn(o->path(), "service discovery is not supported; the key is ignored");
    }
    if (auto o = g.object("MetadataOptions")) {
      o->members();  // .NET-only helpers for reading Metadata; nothing to check
      warn(o->path(), "MetadataOptions configures Ocelot's .NET metadata getters; the key is ignored");
    }
    http_version(g, extras.downstream_http_version, extras.downstream_http_version_policy);
    table_.read_global(g);
    g.finish();
  }

  // ---- sections shared by routes and GlobalConfiguration ---------------------------------------

  // "http"/"https" for the upstream; `websocket` (if given) tells whether ws/wss was asked for.
  std::string scheme(const std::string& value, const std::string& where, bool* websocket = nullptr) {
    bool ws = iequals(value, "ws") || iequals(value, "wss");
    if (websocket) *websocket = ws;
    if (iequals(value, "http") || iequals(value, "ws")) return "http";
    if (iequals(value, "https") || iequals(value, "wss")) return "https";
    fail(where, "expected one of http, https, ws, wss, got " + json_quote(value));
  }

  void warn_websocket(const std::string& where, const std::string& scheme_name, std::string_view which) {
    warn(where, "WebSocket proxying is not implemented yet: on " + std::string(which) +
                    ", requests asking for a protocol upgrade (Upgrade: websocket) are answered 501; "
                    "other requests are proxied over " + scheme_name);
  }

  // A method list entry: an HTTP token, warned when it is no registered method (a typo such as "GTE").
  void check_method(const std::string& method, const std::string& where, std::string_view consequence) {
    check_token(method, where, "an HTTP method");
    if (detail::is_known_http_method(method)) return;
    std::string hint;
    if (auto close = detail::closest_http_method(method); !close.empty())
      hint = " (did you mean " + std::string(close) + "?)";
    warn(where, json_quote(method) + " is not a known HTTP method" + hint + "; " + std::string(consequence));
  }

  // nullopt when Type is empty (the section falls back to the global default).
  std::optional<LoadBalancerSpec> load_balancer(JsonObject& lb) {
    auto type = lb.string("Type").value_or("");
    auto key = lb.string("Key");
    auto expiry = lb.integer("Expiry", 0, kMaxStickyExpiryMs);
    auto key_path = lb.path_of("Key");
    auto expiry_path = lb.path_of("Expiry");
    lb.finish();
    LoadBalancerSpec spec;
    bool uses_key = false;
    bool uses_expiry = false;
    if (type.empty()) {
      if (key || expiry) warn(lb.path(), "Type is empty, so Key and Expiry are ignored");
      return std::nullopt;
    }
    if (iequals(type, "NoLoadBalancer")) {
      spec.policy = LoadBalancing::First;
    } else if (iequals(type, "RoundRobin")) {
      spec.policy = LoadBalancing::RoundRobin;
    } else if (iequals(type, "LeastConnection")) {
      spec.policy = LoadBalancing::LeastConnections;
    } else if (iequals(type, "Random")) {
      spec.policy = LoadBalancing::Random;
    } else if (iequals(type, "CookieStickySessions")) {
      spec.policy = LoadBalancing::CookieSticky;
      uses_key = uses_expiry = true;
      if (!key || key->empty()) fail(key_path, "required for CookieStickySessions: the name of the session cookie");
      check_token(*key, key_path, "a cookie name");
      if (!expiry || *expiry == 0)
        fail(expiry_path, "required for CookieStickySessions: the session's idle expiry in milliseconds (1.." +
                              std::to_string(kMaxStickyExpiryMs) + ")");
      spec.sticky = StickySessions{*key, std::chrono::milliseconds(*expiry)};
    } else if (iequals(type, "ConsistentHash")) {
      spec.policy = LoadBalancing::ConsistentHash;
      uses_key = true;
      if (!key || key->empty())
        fail(key_path, "required for ConsistentHash: \"header:<name>\", \"cookie:<name>\" or \"ip\"");
      spec.hash = hash_key(*key, key_path);
    } else {
      fail(lb.path_of("Type"), "unknown load balancer " + json_quote(type) +
                                   "; expected one of NoLoadBalancer, RoundRobin, LeastConnection, "
                                   "CookieStickySessions, Random, ConsistentHash");
    }
    if (key && !uses_key) warn(key_path, "not used by the " + type + " load balancer; ignored");
    if (expiry && !uses_expiry) warn(expiry_path, "not used by the " + type + " load balancer; ignored");
    return spec;
  }

  HashKey hash_key(const std::string& key, const std::string& where) {
    auto bad = [&]() -> HashKey {
      fail(where, "expected \"header:<name>\", \"cookie:<name>\" or \"ip\", got " + json_quote(key));
    };
    if (iequals(key, "ip")) return HashKey{HashKey::Source::ClientAddress, {}};
    auto colon = key.find(':');
    if (colon == std::string::npos) return bad();
    std::string_view source = std::string_view(key).substr(0, colon);
    std::string name = key.substr(colon + 1);
    if (!detail::is_http_token(name)) return bad();
    if (iequals(source, "header")) return HashKey{HashKey::Source::Header, name};
    if (iequals(source, "cookie")) return HashKey{HashKey::Source::Cookie, name};
    return bad();
  }

  struct RouteFacts {  // what the cross-route checks need
    std::string key;      // the Key as given ("" if none)
    std::string path;     // "Routes[i]"
    bool request_id_key;  // a non-empty RequestIdKey of its own
  };

  void route(dom::element item, std::size_t i) {
    const std::string rp = detail::index_path(routes_key_, i);
    JsonObject r = JsonObject::from(item, rp, warnings());
    OcelotRouteExtras extras;

    // Identity.
    std::string key = r.string("Key").value_or("");
    std::string id = key.empty() ? "route-" + std::to_string(i) : key;
    if (auto seen = route_index_.find(id); seen != route_index_.end()) {
      const std::string& other = facts_[seen->second].path;
      if (key.empty()) fail(rp, "its default id " + json_quote(id) + " is the Key of " + other + "; rename that Key");
      fail(r.path_of("Key"), "duplicate Key " + json_quote(key) + " (also the id of " + other + ")");
    }
    extras.route_id = id;
    Route route(id);

    // Matching.
    auto upstream_template = r.string("UpstreamPathTemplate");
    if (!upstream_template) fail(r.path_of("UpstreamPathTemplate"), "required key is missing");
    check_ocelot_template(*upstream_template, r.path_of("UpstreamPathTemplate"));
    route.path(*upstream_template);
    const bool has_methods = r.has("UpstreamHttpMethod");
    if (auto methods = r.strings("UpstreamHttpMethod")) {
      for (std::size_t k = 0; k < methods->size(); ++k) {
        check_method((*methods)[k], detail::index_path(r.path_of("UpstreamHttpMethod"), k),
                     "no client sends it, so this entry matches no request");
        route.method((*methods)[k]);
      }
    }
    if (auto host = r.string("UpstreamHost"); host && !host->empty()) route.host(*host);
    if (auto templates = r.string_map("UpstreamHeaderTemplates")) {
      for (auto& [name, value] : *templates) {
        check_token(name, r.path_of("UpstreamHeaderTemplates") + "." + name, "a header name");
        route.header_template(name, value);
      }
    }
    if (auto p = r.integer("Priority", kIntMin, kIntMax)) route.priority(static_cast<int>(*p));
    auto cs = read_aliased(r, "ReRouteIsCaseSensitive", "RouteIsCaseSensitive",
                           [&](std::string_view k) { return r.boolean(k); });
    if (cs) route.case_sensitive(*cs);

    // Where it goes.
    auto downstream_template = r.string("DownstreamPathTemplate");
    if (!downstream_template) fail(r.path_of("DownstreamPathTemplate"), "required key is missing");
    check_ocelot_template(*downstream_template, r.path_of("DownstreamPathTemplate"));
    route.rewrite(*downstream_template);
    if (auto m = r.string("DownstreamHttpMethod"); m && !m->empty()) {
      check_method(*m, r.path_of("DownstreamHttpMethod"), "it is sent upstream as written");
      route.downstream_method(*m);
    }
    bool websocket = false;
    route.to(upstream(r, id, websocket));
    if (websocket) route.filter(std::make_shared<UpgradeRefusal>());

    // Timeouts: QoS timeout (route, then global) > route Timeout > global Timeout.
    std::optional<std::chrono::milliseconds> timeout;
    if (auto t = r.integer("Timeout", 0, kDaySeconds); t && *t > 0) timeout = std::chrono::seconds(*t);
    if (!timeout) timeout = global_timeout_;
    if (auto o = r.object("QoSOptions")) extras.qos_options = qos(*o, false);
    std::optional<std::int64_t> qos_timeout;
    if (extras.qos_options && extras.qos_options->timeout_ms) qos_timeout = extras.qos_options->timeout_ms;
    const auto& gq = out_.global.qos_options;
    if (!qos_timeout && gq && gq->timeout_ms && applies(gq->route_keys, key)) qos_timeout = gq->timeout_ms;
    if (qos_timeout && *qos_timeout > 0) timeout = std::chrono::milliseconds(*qos_timeout);
    if (timeout) route.timeout(*timeout);

    route_extras(r, extras);

    // The template syntax and placeholder rules are the router's: build this route alone.
    auto built = detail::Router::build(std::vector<Route>{route});
    if (!built) fail(built.error().code, router_where(built.error().where, rp, id), built.error().message);

    // Filters last, so no factory runs for a route that is refused.
    // Metadata first: the DelegatingHandlers factories receive it as their config node.
    const bool has_metadata = r.has("Metadata");
    if (auto m = r.string_map("Metadata")) extras.metadata = std::move(*m);
    if (auto handlers = r.strings("DelegatingHandlers")) {
      auto metadata = detail::string_object_document(extras.metadata);
      const auto node = has_metadata ? metadata.root(r.path_of("Metadata")) : config::JsonNode();
      for (std::size_t k = 0; k < handlers->size(); ++k) {
        auto made = filters_.create((*handlers)[k], node);
        if (!made) {
          auto where = made.error().where.empty() ? detail::index_path(r.path_of("DelegatingHandlers"), k)
                                                  : made.error().where;
          fail(made.error().code, where, made.error().message);
        }
        route.filter(std::move(*made));
      }
    }

    if (r.has("SwaggerKey")) ++swagger_keys_;  // MMLib.SwaggerForOcelot: noted once per file in run()

    // The section table: built-in and host filters from the route's keys and GlobalConfiguration's.
    table_.apply(r, {.id = id, .key = key, .upstream_path_template = *upstream_template, .base_url = out_.base_url},
                 route);
    const bool own_request_id = r.string("RequestIdKey").value_or("") != "";
    const std::size_t warned = out_.warnings.size();
    r.finish();
    // A misspelt method list leaves the route open to every method: say so next to the hint.
    if (!has_methods) {
      for (std::size_t w = warned; w < out_.warnings.size(); ++w) {
        auto& message = out_.warnings[w].message;
        if (message.size() >= kMethodKeyHint.size() &&
            message.compare(message.size() - kMethodKeyHint.size(), kMethodKeyHint.size(), kMethodKeyHint) == 0)
          message += "; without UpstreamHttpMethod this route matches every method";
      }
    }

    route_index_.emplace(id, facts_.size());
    facts_.push_back(RouteFacts{key, rp, own_request_id});
    out_.route_extras.push_back(std::move(extras));
    out_.config.add(std::move(route));
  }

  // The route's inline upstream; `websocket`: its DownstreamScheme (own or global) is ws/wss.
  Upstream upstream(JsonObject& r, const std::string& id, bool& websocket) {
    Upstream up(id);
    std::string scheme_name = default_scheme_;
    websocket = default_websocket_;
    if (auto s = r.string("DownstreamScheme"); s && !s->empty()) {
      scheme_name = scheme(*s, r.path_of("DownstreamScheme"), &websocket);
      if (websocket) warn_websocket(r.path_of("DownstreamScheme"), scheme_name, "this route");
    }
    up.scheme(scheme_name);

    if (auto name = r.string("ServiceName"); name && !name->empty())
      fail(Errc::Unsupported, r.path_of("ServiceName"),
           "service discovery is not supported; list the upstream servers in DownstreamHostAndPorts");
    if (r.has("ServiceNamespace"))
      warn(r.path_of("ServiceNamespace"), "service discovery is not supported; the key is ignored");

    auto hosts = r.array("DownstreamHostAndPorts");
    auto hosts_path = r.path_of("DownstreamHostAndPorts");
    if (!hosts || hosts->size() == 0)
      fail(hosts_path, "required: at least one {\"Host\", \"Port\"} (service discovery is not supported)");
    std::size_t k = 0;
    for (dom::element e : *hosts) {
      JsonObject hp = JsonObject::from(e, detail::index_path(hosts_path, k++), warnings());
      auto host = hp.string("Host");
      if (!host) fail(hp.path_of("Host"), "required key is missing");
      auto normalized = detail::normalize_upstream_host(*host);
      if (!normalized) {
        std::string hint = host->find("://") != std::string::npos ? " (without a scheme: that is DownstreamScheme)"
                           : host->find(':') != std::string::npos ? " (without a port: that is Port)"
                                                                  : "";
        fail(hp.path_of("Host"), "expected a host name or an IP address" + hint + ", got " + json_quote(*host));
      }
      auto port = hp.integer("Port", 1, 65535);
      if (!port) fail(hp.path_of("Port"), "required key is missing");
      hp.finish();
      up.endpoint(Endpoint{std::move(*normalized), static_cast<std::uint16_t>(*port), 1, scheme_name});
    }

    std::optional<LoadBalancerSpec> lb;
    if (auto o = r.object("LoadBalancerOptions")) lb = load_balancer(*o);
    if (!lb) lb = default_lb_;
    LoadBalancerSpec spec = lb.value_or(LoadBalancerSpec{});
    switch (spec.policy) {
      case LoadBalancing::CookieSticky:
        up.sticky_sessions(spec.sticky);
        break;
      case LoadBalancing::ConsistentHash:
        up.consistent_hash(spec.hash);
        break;
      default:
        up.load_balancing(spec.policy);
        break;
    }

    if (r.boolean("DangerousAcceptAnyServerCertificateValidator").value_or(false)) {
      UpstreamTls tls;
      tls.verify = false;
      up.tls(tls);
      warn(r.path_of("DangerousAcceptAnyServerCertificateValidator"),
           "insecure: upstream TLS certificates and host names are not verified for this route");
    }
    return up;
  }

  // The keys that later features implement: typed now; refused when they would protect something.
  void route_extras(JsonObject& r, OcelotRouteExtras& x) {
    if (r.has("FileCacheOptions") && r.has("CacheOptions"))
      fail(r.path_of("CacheOptions"),
           "both FileCacheOptions and CacheOptions are given; they are two names of one setting: keep one");
    for (std::string_view name : {"FileCacheOptions", "CacheOptions"}) {
      if (auto o = r.object(name)) {
        x.cache_options = cache(*o, false);
        warn(o->path(), "caching is not implemented yet; the key is ignored");
      }
    }
    // Claims transformation: without authentication there are no claims; ignoring these would forward
    // whatever the client sent under those names, so they are refused like the protections above.
    struct ClaimsKey {
      std::string_view name;
      StringPairs OcelotRouteExtras::*field;
    };
    static constexpr ClaimsKey kClaims[] = {
        {"ChangeDownstreamPathTemplate", &OcelotRouteExtras::change_downstream_path_template},
    };
    for (const auto& c : kClaims) {
      if (auto m = r.string_map(c.name)) {
        x.*c.field = std::move(*m);
        if (!(x.*c.field).empty())
          fail(Errc::Unsupported, r.path_of(c.name),
               "claims transformation is not implemented yet (it needs authentication); refusing to serve this "
               "route without the values it must set");
        warn(r.path_of(c.name), "claims transformation is not implemented yet; the empty key is ignored");
      }
    }
    if (auto o = r.object("HttpHandlerOptions")) x.http_handler_options = http_handler(*o);
    http_version(r, x.downstream_http_version, x.downstream_http_version_policy);
  }

  // Maps the router's `where` ("routes[0].path", "routes[0].host[0]", ...) onto ocelot.json's keys.
  static std::string router_where(std::string_view where, const std::string& rp, const std::string& id) {
    std::string_view rest;
    if (detail::istarts_with(where, "routes[0]"))
      rest = where.substr(9);
    else if (where.substr(0, id.size()) == id)
      rest = where.substr(id.size());
    else
      return rp;
    auto field = [&](std::string_view name) { return detail::istarts_with(rest, name); };
    if (rest.empty()) return rp;
    if (field(".path")) return rp + ".UpstreamPathTemplate";
    if (field(".rewrite")) return rp + ".DownstreamPathTemplate";
    if (field(".host")) return rp + ".UpstreamHost";
    if (field(".method")) {  // ".methods[k]" / ".method[k]"
      auto open = rest.find('[');
      return rp + ".UpstreamHttpMethod" + (open == std::string_view::npos ? "" : std::string(rest.substr(open)));
    }
    if (field(".header_templates[")) {
      auto name = rest.substr(std::string_view(".header_templates[").size());
      if (!name.empty() && name.back() == ']') name.remove_suffix(1);
      return rp + ".UpstreamHeaderTemplates." + std::string(name);
    }
    if (field(".priority")) return rp + ".Priority";
    return rp;
  }

  static bool applies(const std::vector<std::string>& route_keys, const std::string& key) {
    return route_keys.empty() || (!key.empty() && contains(route_keys, key));
  }

  // Ocelot's IsNotDuplicateIn: same template, host and header templates, and overlapping methods
  // (an empty method list overlaps everything). Routes are grouped by the first three first.
  void check_duplicate_routes() {
    const auto& routes = out_.config.routes();
    std::unordered_map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t j = 0; j < routes.size(); ++j) {
      const Route& b = routes[j];
      auto& group = groups[match_signature(b)];
      for (std::size_t i : group) {
        const Route& a = routes[i];
        bool overlap = a.method_list().empty() || b.method_list().empty();
        for (const auto& m : a.method_list()) overlap = overlap || contains(b.method_list(), m);
        if (!overlap) continue;
        fail(facts_[j].path, "duplicates " + facts_[i].path + ": same UpstreamPathTemplate " +
                                 json_quote(b.path_template()) +
                                 ", UpstreamHost and UpstreamHeaderTemplates, and overlapping UpstreamHttpMethod");
      }
      group.push_back(j);
    }
  }

  // Template, hosts and header templates (names lower-cased, sorted) as one string.
  static std::string match_signature(const Route& r) {
    std::string sig = r.path_template();
    for (const auto& h : r.hosts()) {
      sig += '\0';
      sig += h;
    }
    std::vector<std::string> headers;
    for (const auto& [name, value] : r.header_templates()) headers.push_back(detail::to_lower(name) + '\0' + value);
    std::sort(headers.begin(), headers.end());
    sig += '\1';
    for (const auto& h : headers) {
      sig += h;
      sig += '\1';
    }
    return sig;
  }

  // ---- Aggregates -----------------------------------------------------------------------------

  void aggregate(dom::element item, std::size_t i) {
    const std::string ap = detail::index_path("Aggregates", i);
    JsonObject a = JsonObject::from(item, ap, warnings());
    OcelotAggregate agg;
    auto t = a.string("UpstreamPathTemplate");
    if (!t) fail(a.path_of("UpstreamPathTemplate"), "required key is missing");
    check_ocelot_template(*t, a.path_of("UpstreamPathTemplate"));
    agg.upstream_path_template = *t;
    agg.upstream_host = a.string("UpstreamHost").value_or("");
    agg.route_is_case_sensitive =
        read_aliased(a, "ReRouteIsCaseSensitive", "RouteIsCaseSensitive", [&](std::string_view k) {
          return a.boolean(k);
        }).value_or(false);
    if (auto p = a.integer("Priority", kIntMin, kIntMax)) agg.priority = static_cast<int>(*p);
    agg.upstream_http_method = a.strings("UpstreamHttpMethod").value_or(std::vector<std::string>{});
    for (std::size_t k = 0; k < agg.upstream_http_method.size(); ++k)
      check_method(agg.upstream_http_method[k], detail::index_path(a.path_of("UpstreamHttpMethod"), k),
                   "no client sends it, so this entry matches no request");
    if (auto m = a.string_map("UpstreamHeaderTemplates")) agg.upstream_header_templates = std::move(*m);

    if (a.has("RouteKeys") && a.has("ReRouteKeys"))
      fail(a.path_of("ReRouteKeys"),
           "both RouteKeys and ReRouteKeys are given; ReRouteKeys is the legacy name of RouteKeys: keep one");
    std::string keys_name = a.has("ReRouteKeys") ? "ReRouteKeys" : "RouteKeys";
    agg.route_keys = a.strings(keys_name).value_or(std::vector<std::string>{});
    if (agg.route_keys.empty()) fail(a.path_of(keys_name), "required: the Keys of the routes to aggregate");
    for (std::size_t k = 0; k < agg.route_keys.size(); ++k)
      check_route_key(agg.route_keys[k], detail::index_path(a.path_of(keys_name), k));

    if (auto list = a.array("RouteKeysConfig")) {
      std::size_t k = 0;
      for (dom::element e : *list) {
        JsonObject c = JsonObject::from(e, detail::index_path(a.path_of("RouteKeysConfig"), k++), warnings());
        OcelotAggregateRouteConfig rc;
        rc.route_key = c.string("RouteKey").value_or("");
        if (!contains(agg.route_keys, rc.route_key))
          fail(c.path_of("RouteKey"),
               "expected one of this aggregate's " + keys_name + ", got " + json_quote(rc.route_key));
        rc.json_path = c.string("JsonPath").value_or("");
        rc.parameter = c.string("Parameter").value_or("");
        c.finish();
        agg.route_keys_config.push_back(std::move(rc));
      }
    }
    agg.aggregator = a.string("Aggregator").value_or("");
    a.finish();
    warn(ap, "request aggregation is not implemented yet; this aggregate is not served (its routes are)");
    out_.aggregates.push_back(std::move(agg));
  }

  void check_route_key(const std::string& key, const std::string& where) {
    auto it = route_index_.find(key);
    if (it == route_index_.end() || facts_[it->second].key != key)  // a default id is not a Key
      fail(where, "no route has the Key " + json_quote(key));
    const std::size_t i = it->second;
    if (facts_[i].request_id_key)
      fail(where, "route " + json_quote(key) + " (" + facts_[i].path +
                      ") has a RequestIdKey, which aggregated routes must not have");
  }

  const FilterRegistry& filters_;
  SectionTable table_;
  OcelotConfig out_;
  std::string routes_key_ = "Routes";
  std::vector<RouteFacts> facts_;
  std::unordered_map<std::string, std::size_t> route_index_;  // route id → index
  std::string default_scheme_ = "http";
  bool default_websocket_ = false;  // GlobalConfiguration.DownstreamScheme is ws/wss
  std::size_t swagger_keys_ = 0;    // routes with an MMLib.SwaggerForOcelot SwaggerKey
  std::optional<LoadBalancerSpec> default_lb_;
  std::optional<std::chrono::milliseconds> global_timeout_;
};

}  // namespace

Result<OcelotConfig> load_ocelot(std::string_view json, const OcelotLoadOptions& options) {
  if (json.size() > kMaxOcelotJsonBytes)
    return make_error(Errc::InvalidConfig,
                      "ocelot.json is larger than " + std::to_string(kMaxOcelotJsonBytes / (1024 * 1024)) + " MiB");
  auto table = SectionTable::make(options.sections);
  if (!table) return std::move(table).error();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto ok = detail::parse_relaxed_json(json, parser, root); !ok) return std::move(ok).error();
  static const FilterRegistry kNoFilters;
  try {
    return Loader(options.filters ? *options.filters : kNoFilters, std::move(*table)).run(root);
  } catch (detail::ReadFailure& f) {
    return std::move(f.error);
  }
}

Result<OcelotConfig> load_ocelot(std::string_view json, const FilterRegistry& filters) {
  return load_ocelot(json, OcelotLoadOptions{.filters = &filters});
}

Result<OcelotConfig> load_ocelot_file(const std::string& path, const OcelotLoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::Io, std::string("cannot open the file: ") + std::strerror(errno), path);
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxOcelotJsonBytes)
      return make_error(
          Errc::Io, "the file is larger than " + std::to_string(kMaxOcelotJsonBytes / (1024 * 1024)) + " MiB", path);
  }
  if (in.bad()) return make_error(Errc::Io, "cannot read the file", path);
  auto loaded = load_ocelot(text, options);
  if (loaded) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    for (auto& cert : loaded->certificates) {
      for (std::string* file : {&cert.cert_file, &cert.key_file})
        if (!dir.empty() && std::filesystem::path(*file).is_relative()) *file = (dir / *file).string();
    }
  }
  return loaded;
}

Result<OcelotConfig> load_ocelot_file(const std::string& path, const FilterRegistry& filters) {
  return load_ocelot_file(path, OcelotLoadOptions{.filters = &filters});
}

}  // namespace portico::config
