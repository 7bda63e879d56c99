#include "core/router.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "core/path_template.hpp"
#include "http/text.hpp"

namespace portico::detail {

// ---- Captures ------------------------------------------------------------------------------------

void Captures::push(std::string_view name, std::string_view value) {
  if (size_ < kInline) {
    inline_[size_++] = Capture{name, value};
    return;
  }
  overflow_.push_back(Capture{name, value});
}

const std::string_view* Captures::find(std::string_view name) const noexcept {
  const std::size_t n = size();
  for (std::size_t i = 0; i < n; ++i) {
    const Capture& c = (*this)[i];
    if (c.name == name) return &c.value;
  }
  return nullptr;
}

namespace {

constexpr std::size_t npos = std::string_view::npos;
// Segments of a route's literal prefix that the index looks at; deeper literals are matched by the
// template as usual.
constexpr std::size_t kMaxIndexDepth = 8;

// ---- character classes ---------------------------------------------------------------------------

constexpr bool is_tchar(char c) noexcept {
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return is_digit(c) || is_alpha(c);
  }
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(c); });
}

constexpr bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

constexpr bool is_sub_delim(char c) noexcept {
  switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=':
      return true;
    default:
      return false;
  }
}

bool valid_query_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '&' || c == '=' || c == '#' || c == '?') return false;
  }
  return true;
}

// ---- compiled routes -----------------------------------------------------------------------------

enum class Source : std::uint8_t { Path, Query, Header };

struct HostPattern {
  std::string name;  // lower-case; for a wildcard the part after "*."
  bool wildcard = false;
};

struct HeaderTemplateCondition {
  std::string header;
  HeaderTemplate value;
};

struct RewritePart {
  bool placeholder = false;
  std::string literal;
  std::size_t capture = 0;  // index into the route's captures
};

struct Rewrite {
  bool present = false;
  std::vector<RewritePart> path;
  bool has_query = false;
  std::vector<RewritePart> query;
};

struct CompiledRoute {
  std::size_t index = 0;
  int priority = 1;
  bool case_sensitive = false;
  std::vector<std::string> methods;
  std::vector<HostPattern> hosts;
  UpstreamTemplate path;
  std::vector<FieldMatch> headers;
  std::vector<FieldMatch> queries;
  std::vector<HeaderTemplateCondition> header_templates;
  std::vector<std::string> capture_names;  // in capture order: path, query, header templates
  std::vector<Source> sources;             // parallel to capture_names
  std::vector<std::size_t> guarded;        // header/query captures used in the rewrite path
  Rewrite rewrite;
};

Error at(std::string where, Error e) {
  e.where = std::move(where);
  return e;
}

Error invalid(std::string where, std::string message) {
  return make_error(Errc::InvalidConfig, std::move(message), std::move(where));
}

Result<HostPattern> parse_host(std::string_view text) {
  auto fail = [](std::string m) { return make_error(Errc::InvalidConfig, std::move(m)); };
  if (text.empty()) return fail("the host pattern is empty");
  HostPattern h;
  std::string s = to_lower(text);
  if (s.size() >= 2 && s[0] == '*' && s[1] == '.') {
    h.wildcard = true;
    s.erase(0, 2);
  }
  if (s.find('*') != std::string::npos)
    return fail("'" + std::string(text) + "': '*' is only allowed as a leading '*.' label (\"*.example.com\")");
  if (s.empty()) return fail("'" + std::string(text) + "': a wildcard needs a domain after '*.'");
  if (s.front() == '[') {
    const auto close = s.find(']');
    if (h.wildcard) return fail("'" + std::string(text) + "': an IP literal cannot take a wildcard");
    if (close == std::string::npos) return fail("'" + std::string(text) + "': unbalanced '['");
    if (close + 1 != s.size()) {
      if (s[close + 1] == ':') return fail("'" + std::string(text) + "': the host pattern must not contain a port");
      return fail("'" + std::string(text) + "': unexpected text after ']'");
    }
    for (std::size_t i = 1; i < close; ++i)
      if (!is_hex(s[i]) && s[i] != ':' && s[i] != '.')
        return fail("'" + std::string(text) + "': invalid character '" + std::string(1, s[i]) + "' in an IPv6 literal");
  } else {
    if (s.find(':') != std::string::npos)
      return fail("'" + std::string(text) + "': the host pattern must not contain a port");
    std::size_t label = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == '.') {
        if (i == label) return fail("'" + std::string(text) + "': empty label in the host pattern");
        label = i + 1;
        continue;
      }
      if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '_')
        return fail("'" + std::string(text) + "': invalid character '" + std::string(1, s[i]) + "' in the host pattern");
    }
  }
  h.name = std::move(s);
  return h;
}

// The host part of the Host header, port removed, case as received (compared case-insensitively).
std::string_view request_host(const Request& request) noexcept {
  auto h = request.headers.get("Host");
  if (!h) return {};
  std::string_view v = trim(*h);
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    return close == npos ? v : v.substr(0, close + 1);
  }
  const auto colon = v.rfind(':');
  return colon == npos ? v : v.substr(0, colon);
}

bool host_matches(const HostPattern& p, std::string_view host) noexcept {
  if (!p.wildcard) return iequals(host, p.name);
  // "*.example.com": one or more non-empty labels, then ".example.com".
  if (host.size() < p.name.size() + 2) return false;
  const std::size_t dot = host.size() - p.name.size() - 1;
  if (host[dot] != '.' || !iequals(host.substr(dot + 1), p.name)) return false;
  const std::string_view labels = host.substr(0, dot);
  return labels.front() != '.' && labels.back() != '.' && labels.find("..") == npos;
}

// Compares a raw query value, percent-decoded on the fly ('+' stays '+'), with `expected`.
bool query_value_equals(std::string_view raw, std::string_view expected, bool ci) noexcept {
  std::size_t j = 0;
  for (std::size_t i = 0; i < raw.size(); ++i, ++j) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size() && is_hex(raw[i + 1]) && is_hex(raw[i + 2])) {
      c = static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    }
    if (j >= expected.size()) return false;
    if (ci ? ascii_lower(c) != ascii_lower(expected[j]) : c != expected[j]) return false;
  }
  return j == expected.size();
}

// ".", "..", and their %2E spellings: values that would climb out of the rewrite's prefix.
bool is_dot_segment(std::string_view v) noexcept {
  std::size_t dots = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '.') {
      ++dots;
    } else if (v[i] == '%' && i + 2 < v.size() && v[i + 1] == '2' && (v[i + 2] == 'e' || v[i + 2] == 'E')) {
      ++dots;
      i += 2;
    } else {
      return false;
    }
  }
  return dots == 1 || dots == 2;
}

Result<std::vector<RewritePart>> compile_rewrite_parts(std::string_view text, std::size_t offset,
                                                       const CompiledRoute& route, std::vector<std::size_t>* guard) {
  auto parts = parse_template(text, TemplateSyntax::Rewrite, offset);
  if (!parts) return std::move(parts).error();
  std::vector<RewritePart> out;
  for (auto& p : *parts) {
    if (!p.placeholder) {
      out.push_back(RewritePart{false, std::move(p.text), 0});
      continue;
    }
    auto it = std::find(route.capture_names.begin(), route.capture_names.end(), p.text);
    if (it == route.capture_names.end() && p.text.rfind("header:", 0) != 0) {
      // Ocelot: a `{header:code}` capture is written `{code}` in DownstreamPathTemplate.
      it = std::find(route.capture_names.begin(), route.capture_names.end(), "header:" + p.text);
    }
    if (it == route.capture_names.end())
      return make_error(Errc::InvalidConfig,
                        "placeholder '{" + p.text + "}' is not captured by the path, query or header templates");
    const auto idx = static_cast<std::size_t>(it - route.capture_names.begin());
    if (guard && route.sources[idx] != Source::Path && std::find(guard->begin(), guard->end(), idx) == guard->end())
      guard->push_back(idx);
    out.push_back(RewritePart{true, {}, idx});
  }
  return out;
}

Result<void> compile_rewrite(std::string_view text, CompiledRoute& route) {
  auto fail = [](std::string m) { return make_error(Errc::InvalidConfig, std::move(m)); };
  if (text.front() != '/') return fail("the rewrite template must start with '/'");
  if (text.find("://") != npos) return fail("the rewrite template must not contain a scheme");
  if (text.find("//") != npos) return fail("the rewrite template must not contain '//'");
  if (text.find('#') != npos) return fail("the rewrite template must not contain '#'");
  const auto qmark = text.find('?');
  if (qmark != npos && text.find('?', qmark + 1) != npos)
    return fail("the rewrite template must contain at most one '?'");
  auto path = compile_rewrite_parts(text.substr(0, qmark), 0, route, &route.guarded);
  if (!path) return std::move(path).error();
  route.rewrite.path = std::move(*path);
  if (qmark != npos) {
    auto query = compile_rewrite_parts(text.substr(qmark + 1), qmark + 1, route, nullptr);
    if (!query) return std::move(query).error();
    route.rewrite.has_query = true;
    route.rewrite.query = std::move(*query);
  }
  route.rewrite.present = true;
  return {};
}

Result<CompiledRoute> compile_route(const Route& route, std::size_t i) {
  const std::string where = "routes[" + std::to_string(i) + "]";
  CompiledRoute c;
  c.index = i;
  c.case_sensitive = route.is_case_sensitive();

  for (std::size_t k = 0; k < route.method_list().size(); ++k) {
    const std::string& m = route.method_list()[k];
    if (!is_token(m))
      return invalid(where + ".method[" + std::to_string(k) + "]", "'" + m + "' is not a valid method token");
    std::string upper = m;
    for (auto& ch : upper) ch = ascii_upper(ch);
    c.methods.push_back(std::move(upper));
  }

  auto path = UpstreamTemplate::compile(route.path_template(), c.case_sensitive);
  if (!path) return at(where + ".path", std::move(path).error());
  c.path = std::move(*path);
  for (std::size_t k = 0; k < c.path.names().size(); ++k) {
    c.capture_names.push_back(c.path.names()[k]);
    c.sources.push_back(k < c.path.path_capture_count() ? Source::Path : Source::Query);
  }

  for (std::size_t k = 0; k < route.hosts().size(); ++k) {
    auto h = parse_host(route.hosts()[k]);
    if (!h) return at(where + ".host[" + std::to_string(k) + "]", std::move(h).error());
    c.hosts.push_back(std::move(*h));
  }

  for (std::size_t k = 0; k < route.header_matches().size(); ++k) {
    const FieldMatch& f = route.header_matches()[k];
    if (!is_token(f.name))
      return invalid(where + ".header[" + std::to_string(k) + "]", "'" + f.name + "' is not a valid header name");
    c.headers.push_back(f);
  }

  for (std::size_t k = 0; k < route.query_matches().size(); ++k) {
    const FieldMatch& f = route.query_matches()[k];
    if (!valid_query_name(f.name))
      return invalid(where + ".query[" + std::to_string(k) + "]",
                     "'" + f.name + "' is not a valid query parameter name");
    c.queries.push_back(f);
  }

  for (const auto& [name, value] : route.header_templates()) {
    const std::string field = where + ".header_templates[" + name + "]";
    if (!is_token(name)) return invalid(field, "'" + name + "' is not a valid header name");
    auto t = HeaderTemplate::compile(value, c.case_sensitive);
    if (!t) return at(field, std::move(t).error());
    for (const auto& n : t->names()) {
      if (std::find(c.capture_names.begin(), c.capture_names.end(), n) != c.capture_names.end())
        return invalid(field, "duplicate placeholder '{" + n + "}'");
      c.capture_names.push_back(n);
      c.sources.push_back(Source::Header);
    }
    c.header_templates.push_back(HeaderTemplateCondition{name, std::move(*t)});
  }

  if (!route.rewrite_template().empty()) {
    if (auto r = compile_rewrite(route.rewrite_template(), c); !r) return at(where + ".rewrite", std::move(r).error());
  }

  c.priority = route.priority_value().value_or(c.path.is_lone_catch_all() ? 0 : 1);
  return c;
}

// ---- the segment index ---------------------------------------------------------------------------

struct Span {
  const std::uint32_t* it;
  const std::uint32_t* end;
};

constexpr std::size_t kMaxSpans = 2 * (kMaxIndexDepth + 1);

// A trie over leading literal segments. Each route hangs off the node of its literal prefix; a
// request walks the trie along its own segments and the routes on the visited nodes are its only
// candidates. One index for case-insensitive routes (keys lower-cased), one for case-sensitive ones.
class SegmentIndex {
 public:
  explicit SegmentIndex(bool ci) : ci_(ci), build_(1) {}

  void add(const std::vector<std::string>& prefix, std::uint32_t rank) {
    std::uint32_t node = 0;
    for (std::size_t d = 0; d < prefix.size() && d < kMaxIndexDepth; ++d) {
      auto it = build_[node].children.find(prefix[d]);
      if (it == build_[node].children.end()) {
        const auto child = static_cast<std::uint32_t>(build_.size());
        build_[node].children.emplace(prefix[d], child);
        build_.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
    }
    build_[node].ranks.push_back(rank);
    ++routes_;
  }

  void finish() {
    nodes_.resize(build_.size());
    std::size_t edges = 0;
    for (std::size_t n = 0; n < build_.size(); ++n) {
      auto& ranks = build_[n].ranks;
      std::sort(ranks.begin(), ranks.end());
      nodes_[n].begin = static_cast<std::uint32_t>(ranks_.size());
      ranks_.insert(ranks_.end(), ranks.begin(), ranks.end());
      nodes_[n].end = static_cast<std::uint32_t>(ranks_.size());
      edges += build_[n].children.size();
    }
    std::size_t cap = 8;
    while (cap < edges * 2) cap *= 2;
    slots_.assign(edges ? cap : 0, Slot{});
    mask_ = cap - 1;
    for (std::size_t n = 0; n < build_.size(); ++n) {
      for (const auto& [key, child] : build_[n].children) {
        const auto parent = static_cast<std::uint32_t>(n);
        const std::uint64_t h = hash(parent, key);
        std::size_t i = h & mask_;
        while (slots_[i].child != 0) i = (i + 1) & mask_;
        slots_[i] = Slot{h, parent, child, key};
      }
    }
    build_.clear();
    build_.shrink_to_fit();
  }

  bool empty() const noexcept { return routes_ == 0; }

  // Adds the candidate lists of the nodes along `path` to `spans`.
  void collect(std::string_view path, Span* spans, std::size_t& n) const noexcept {
    std::uint32_t node = 0;
    add_span(node, spans, n);
    if (slots_.empty()) return;
    std::size_t pos = 1;  // the normalized path starts with '/'
    for (std::size_t d = 0; d < kMaxIndexDepth && pos <= path.size(); ++d) {
      const std::size_t end = std::min(path.find('/', pos), path.size());
      node = find(node, path.substr(pos, end - pos));
      if (node == 0) return;
      add_span(node, spans, n);
      pos = end + 1;
    }
  }

 private:
  struct BuildNode {
    std::map<std::string, std::uint32_t, std::less<>> children;
    std::vector<std::uint32_t> ranks;
  };
  struct Node {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t parent = 0;
    std::uint32_t child = 0;  // 0: empty (the root is never a child)
    std::string key;
  };

  std::uint64_t hash(std::uint32_t parent, std::string_view key) const noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull ^ (static_cast<std::uint64_t>(parent) * 0x9e3779b97f4a7c15ull);
    for (char c : key) {
      h ^= static_cast<unsigned char>(ci_ ? ascii_lower(c) : c);
      h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
  }

  std::uint32_t find(std::uint32_t parent, std::string_view key) const noexcept {
    const std::uint64_t h = hash(parent, key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.child == 0) return 0;
      if (s.hash == h && s.parent == parent && s.key.size() == key.size() && literal_at(key, 0, s.key, ci_))
        return s.child;
    }
  }

  void add_span(std::uint32_t node, Span* spans, std::size_t& n) const noexcept {
    const Node& nd = nodes_[node];
    if (nd.begin != nd.end && n < kMaxSpans) spans[n++] = Span{ranks_.data() + nd.begin, ranks_.data() + nd.end};
  }

  bool ci_;
  std::size_t routes_ = 0;
  std::vector<BuildNode> build_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> ranks_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

// ---- downstream target helpers -------------------------------------------------------------------

constexpr char kHexDigits[] = "0123456789ABCDEF";

// Appends a captured value to the rewritten path or query. Values keep their bytes where they came
// from the same part (path→path, query→query); otherwise whatever could change the target's
// structure ('/', '?', '&', '#', spaces, a header's '%') is percent-encoded.
void append_value(std::string& out, std::string_view v, bool into_query, Source source) {
  if ((source == Source::Path && !into_query) || (source == Source::Query && into_query)) {
    out += v;
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '%' && source != Source::Header && i + 2 < v.size() && is_hex(v[i + 1]) && is_hex(v[i + 2])) {
      out.append(v.substr(i, 3));
      i += 2;
      continue;
    }
    bool keep = is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@';
    if (into_query) keep = (keep && c != '&' && c != '+') || c == '/' || c == '?';
    if (keep) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHexDigits[u >> 4];
      out += kHexDigits[u & 15];
    }
  }
}

std::string_view param_name(std::string_view pair) noexcept { return pair.substr(0, pair.find('=')); }

// Calls f(piece) for every non-empty '&'-separated piece of `query`.
template <class F>
void for_each_param(std::string_view query, F&& f) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    if (!piece.empty()) f(piece);
    if (amp == npos) break;
    query.remove_prefix(amp + 1);
  }
}

bool has_param(std::string_view query, std::string_view name) noexcept {
  bool found = false;
  for_each_param(query, [&](std::string_view piece) { found = found || param_name(piece) == name; });
  return found;
}

void append_param(std::string& query, std::string_view piece) {
  if (!query.empty()) query += '&';
  query += piece;
}

}  // namespace

// ---- Router --------------------------------------------------------------------------------------

struct Router::Impl {
  std::vector<CompiledRoute> routes;  // declaration order
  std::vector<std::uint32_t> order;   // rank -> declaration index
  SegmentIndex ci_index{true};
  SegmentIndex cs_index{false};

  bool try_route(const CompiledRoute& r, const Request& request, std::optional<std::string_view>& host,
                 Captures& captures) const;
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

std::size_t Router::size() const noexcept { return impl_ ? impl_->routes.size() : 0; }

Result<Router> Router::build(const std::vector<Route>& routes) {
  if (routes.size() >= std::numeric_limits<std::uint32_t>::max())
    return make_error(Errc::InvalidConfig, "too many routes", "routes");
  auto impl = std::make_unique<Impl>();
  impl->routes.reserve(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    auto c = compile_route(routes[i], i);
    if (!c) return std::move(c).error();
    impl->routes.push_back(std::move(*c));
  }
  impl->order.resize(routes.size());
  std::iota(impl->order.begin(), impl->order.end(), 0u);
  const auto& compiled = impl->routes;
  std::stable_sort(impl->order.begin(), impl->order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const CompiledRoute& x = compiled[a];
    const CompiledRoute& y = compiled[b];
    if (x.priority != y.priority) return x.priority > y.priority;
    return !x.hosts.empty() && y.hosts.empty();
  });
  for (std::uint32_t rank = 0; rank < impl->order.size(); ++rank) {
    const CompiledRoute& r = compiled[impl->order[rank]];
    (r.case_sensitive ? impl->cs_index : impl->ci_index).add(r.path.literal_prefix(), rank);
  }
  impl->ci_index.finish();
  impl->cs_index.finish();
  Router router;
  router.impl_ = std::move(impl);
  return router;
}

bool Router::Impl::try_route(const CompiledRoute& r, const Request& request, std::optional<std::string_view>& host,
                             Captures& captures) const {
  if (!r.methods.empty() &&
      std::none_of(r.methods.begin(), r.methods.end(), [&](const std::string& m) { return iequals(m, request.method); }))
    return false;
  captures.clear();
  if (!r.path.match(request.path, request.query, captures)) return false;
  if (!r.hosts.empty()) {
    if (!host) host = request_host(request);
    if (std::none_of(r.hosts.begin(), r.hosts.end(), [&](const HostPattern& p) { return host_matches(p, *host); }))
      return false;
  }
  const bool ci = !r.case_sensitive;
  for (const FieldMatch& f : r.headers) {
    const auto v = request.headers.get(f.name);
    if (!v) return false;
    if (f.equals && !(ci ? iequals(*v, *f.equals) : *v == *f.equals)) return false;
  }
  for (const FieldMatch& f : r.queries) {
    const auto v = request.query_param(f.name);
    if (!v) return false;
    if (f.equals && !query_value_equals(*v, *f.equals, ci)) return false;
  }
  for (const HeaderTemplateCondition& t : r.header_templates) {
    const auto v = request.headers.get(t.header);
    if (!v || !t.value.match(*v, captures)) return false;
  }
  for (std::size_t idx : r.guarded)
    if (idx < captures.size() && is_dot_segment(captures[idx].value)) return false;
  return true;
}

bool Router::match(const Request& request, RouteMatch& out) const {
  out.captures.clear();
  if (!impl_ || impl_->routes.empty() || request.path.empty() || request.path.front() != '/') return false;
  Span spans[kMaxSpans];
  std::size_t n = 0;
  if (!impl_->ci_index.empty()) impl_->ci_index.collect(request.path, spans, n);
  if (!impl_->cs_index.empty()) impl_->cs_index.collect(request.path, spans, n);
  std::optional<std::string_view> host;
  // Merge the candidate lists in global order (rank); the first route that matches wins.
  for (;;) {
    std::size_t best = n;
    std::uint32_t best_rank = std::numeric_limits<std::uint32_t>::max();
    for (std::size_t i = 0; i < n; ++i) {
      if (spans[i].it != spans[i].end && *spans[i].it < best_rank) {
        best_rank = *spans[i].it;
        best = i;
      }
    }
    if (best == n) break;
    ++spans[best].it;
    const std::uint32_t index = impl_->order[best_rank];
    if (impl_->try_route(impl_->routes[index], request, host, out.captures)) {
      out.index = index;
      return true;
    }
  }
  out.captures.clear();
  return false;
}

std::string Router::downstream_target(const RouteMatch& match, const Request& request) const {
  std::string out;
  if (!impl_ || match.index >= impl_->routes.size() || !impl_->routes[match.index].rewrite.present) {
    out.reserve(request.path.size() + 1 + request.query.size());
    out = request.path;
    if (!request.query.empty()) {
      out += '?';
      out += request.query;
    }
    return out;
  }
  const CompiledRoute& r = impl_->routes[match.index];
  const auto value = [&](const RewritePart& p) -> std::string_view {
    return p.capture < match.captures.size() ? match.captures[p.capture].value : std::string_view{};
  };

  out.reserve(request.path.size() + request.query.size() + 32);
  for (const RewritePart& p : r.rewrite.path) {
    if (p.placeholder)
      append_value(out, value(p), false, r.sources[p.capture]);
    else
      out += p.literal;
  }
  // A '/' that substitution left at the end goes when the request path had none (Ocelot 23+).
  if (out.size() > 1 && out.back() == '/' && (request.path.empty() || request.path.back() != '/'))
    while (out.size() > 1 && out.back() == '/') out.pop_back();

  std::string query;
  if (r.rewrite.has_query) {
    std::string substituted;
    for (const RewritePart& p : r.rewrite.query) {
      if (p.placeholder)
        append_value(substituted, value(p), true, r.sources[p.capture]);
      else
        substituted += p.literal;
    }
    for_each_param(substituted, [&](std::string_view piece) { append_param(query, piece); });
  }
  const std::size_t downstream_end = query.size();
  // The upstream query follows, minus parameters named like a placeholder (case-sensitive) and, when
  // the rewrite has a query, parameters it already sets. Raw bytes are kept.
  for_each_param(request.query, [&](std::string_view piece) {
    const std::string_view name = param_name(piece);
    for (std::size_t i = 0; i < match.captures.size(); ++i)
      if (match.captures[i].name == name) return;
    if (r.rewrite.has_query && has_param(std::string_view(query).substr(0, downstream_end), name)) return;
    append_param(query, piece);
  });
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

}  // namespace portico::detail
