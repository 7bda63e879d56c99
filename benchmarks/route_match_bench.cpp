// Micro-benchmark: Router::match at 10, 100 and 1,000 routes, hits and misses, side by side with a
// reference that does what Ocelot does (every route's template compiled to a case-insensitive
// std::regex, tried in order). Not part of ctest.
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPORTICO_BUILD_EXAMPLES=OFF
//   ninja -C build-bench route_match_bench && ./build-bench/benchmarks/route_match_bench
//
// Prints ns per match (lower is better) and the reference/Portico ratio.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "core/router.hpp"
#include "portico/route.hpp"

using namespace portico;
using portico::detail::Router;
using portico::detail::RouteMatch;

namespace {

using Clock = std::chrono::steady_clock;

Request make_request(std::string method, const std::string& target, std::string host = "www.example.com") {
  Request r;
  r.method = std::move(method);
  r.target = target;
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? std::string() : target.substr(q + 1);
  r.headers.add("Host", std::move(host));
  r.headers.add("User-Agent", "bench/1.0");
  r.headers.add("Accept", "application/json");
  return r;
}

// A mix of route shapes, all under a few shared first segments (the realistic worst case for an
// index keyed by the first segment).
std::vector<Route> make_routes(int n) {
  std::vector<Route> routes;
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    switch (i % 5) {
      case 0: routes.push_back(Route("items" + k).get("/api/svc" + k + "/items/{id}")); break;
      case 1: routes.push_back(Route("reviews" + k).path("/api/svc" + k + "/items/{id}/reviews/{rid}")); break;
      case 2: routes.push_back(Route("search" + k).get("/api/svc" + k + "/search?q={q}")); break;
      case 3: routes.push_back(Route("versioned" + k).path("/svc" + k + "/v{version}/{rest}")); break;
      default: routes.push_back(Route("orders" + k).post("/api/svc" + k + "/orders/").host("*.example.com")); break;
    }
  }
  return routes;
}

Request hit_for(int i) {
  const std::string k = std::to_string(i);
  switch (i % 5) {
    case 0: return make_request("GET", "/api/svc" + k + "/items/12345");
    case 1: return make_request("GET", "/api/svc" + k + "/items/12345/reviews/7");
    case 2: return make_request("GET", "/api/svc" + k + "/search?q=shoes&page=2");
    case 3: return make_request("GET", "/svc" + k + "/v2/users/42/profile");
    default: return make_request("POST", "/api/svc" + k + "/orders", "shop.example.com");
  }
}

Request miss_for(int i) {
  const std::string k = std::to_string(i);
  switch (i % 4) {
    case 0: return make_request("GET", "/api/svc" + k + "/unknown/12345");  // shares two segments
    case 1: return make_request("DELETE", "/api/svc" + k + "/items/12345");  // wrong method (or index)
    case 2: return make_request("GET", "/api/svc" + k + "/search?page=2");  // query template fails
    default: return make_request("GET", "/static/css/site" + k + ".css");  // nothing under /static
  }
}

// ---- the reference: Ocelot's UpstreamTemplatePatternCreator as std::regex, tried in order -------

std::string regex_escape(char c) {
  static const std::string meta = R"(\^$.|?*+()[]{})";
  return meta.find(c) == std::string::npos ? std::string(1, c) : std::string("\\") + c;
}

std::string ocelot_pattern(const std::string& t) {
  if (t == "/") return "^/$";
  const auto qmark = t.find('?');
  const std::string path = t.substr(0, qmark);
  std::string out = "^";
  // Last path placeholder: `.*`; one followed by '/': `[^/]+`; a final `/{p}` segment: `(?:|/.*)`.
  const auto last_open = path.rfind('{');
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && i + 1 < path.size() && path[i + 1] == '{' && i + 1 == last_open &&
        path.back() == '}' && path.find('/', i + 1) == std::string::npos) {
      out += "(?:|/.*)";
      break;
    }
    if (path[i] == '{') {
      const auto close = path.find('}', i);
      out += path.find('/', close) == std::string::npos ? ".*" : "[^/]+";
      i = close;
      continue;
    }
    out += regex_escape(path[i]);
  }
  if (out.size() > 2 && out.back() == '/' && qmark == std::string::npos) out.back() = '(', out += "/|)";
  if (qmark != std::string::npos) {
    out += R"((/$|/\?|\?|$))";
    const std::string q = t.substr(qmark + 1);
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (q[i] == '{') {
        i = q.find('}', i);
        out += ".*";
        continue;
      }
      out += regex_escape(q[i]);
    }
  }
  return out + "$";
}

struct RegexRoute {
  std::regex re;
  bool with_query;
  std::vector<std::string> methods;
  std::string host_suffix;
};

struct RegexRouter {
  std::vector<RegexRoute> routes;

  explicit RegexRouter(const std::vector<Route>& rs) {
    for (const Route& r : rs) {
      RegexRoute rr{std::regex(ocelot_pattern(r.path_template()), std::regex::icase | std::regex::ECMAScript),
                    r.path_template().find('?') != std::string::npos, r.method_list(), {}};
      if (!r.hosts().empty()) rr.host_suffix = r.hosts().front().substr(1);
      routes.push_back(std::move(rr));
    }
  }

  long match(const Request& req, std::string& scratch) const {
    for (std::size_t i = 0; i < routes.size(); ++i) {
      const RegexRoute& r = routes[i];
      if (!r.methods.empty() && r.methods.front() != req.method) continue;
      if (!r.host_suffix.empty()) {
        const std::string h = req.host();
        if (h.size() <= r.host_suffix.size() || h.compare(h.size() - r.host_suffix.size(), std::string::npos, r.host_suffix) != 0)
          continue;
      }
      bool ok = false;
      if (r.with_query) {
        scratch = req.path;
        if (!req.query.empty()) scratch += '?' + req.query;
        ok = std::regex_match(scratch, r.re);
      } else {
        ok = std::regex_match(req.path, r.re);
      }
      if (ok) return static_cast<long>(i);
    }
    return -1;
  }
};

// Runs `f(request)` over `requests` until `budget` has passed; returns ns per call.
template <class F>
double time_per_call(const std::vector<Request>& requests, std::chrono::milliseconds budget, F&& f) {
  for (const Request& r : requests) f(r);  // warm-up
  std::size_t calls = 0;
  const auto start = Clock::now();
  auto now = start;
  do {
    for (const Request& r : requests) f(r);
    calls += requests.size();
    now = Clock::now();
  } while (now - start < budget);
  return std::chrono::duration<double, std::nano>(now - start).count() / static_cast<double>(calls);
}

}  // namespace

int main(int argc, char** argv) {
  const auto budget = std::chrono::milliseconds(argc > 1 ? std::atoi(argv[1]) : 400);
  std::printf("Router::match vs Ocelot-style linear std::regex scan (ns per match, %lld ms per cell)\n\n",
              static_cast<long long>(budget.count()));
  std::printf("%8s  %-5s  %12s  %14s  %9s\n", "routes", "kind", "portico ns", "regex-ref ns", "ratio");
  int failures = 0;
  for (int n : {10, 100, 1000}) {
    const std::vector<Route> routes = make_routes(n);
    auto built = Router::build(routes);
    if (!built) {
      std::fprintf(stderr, "build failed: %s\n", built.error().to_string().c_str());
      return 1;
    }
    const Router& router = *built;
    const RegexRouter reference(routes);

    std::vector<Request> hits, misses;
    for (int i = 0; i < 1000; ++i) {
      hits.push_back(hit_for((i * 7919) % n));
      misses.push_back(miss_for((i * 7919) % n));
    }
    // Check before timing: every hit finds its own route in both, every miss finds none.
    std::string scratch;
    for (int i = 0; i < 1000; ++i) {
      RouteMatch m;
      const auto want = static_cast<std::size_t>((i * 7919) % n);
      if (!router.match(hits[static_cast<std::size_t>(i)], m) || m.index != want) ++failures;
      if (reference.match(hits[static_cast<std::size_t>(i)], scratch) != static_cast<long>(want)) ++failures;
      if (router.match(misses[static_cast<std::size_t>(i)], m)) ++failures;
      if (reference.match(misses[static_cast<std::size_t>(i)], scratch) != -1) ++failures;
    }

    for (int kind = 0; kind < 2; ++kind) {
      const std::vector<Request>& reqs = kind == 0 ? hits : misses;
      std::size_t sink = 0;
      RouteMatch m;
      const double ours = time_per_call(reqs, budget, [&](const Request& r) { sink += router.match(r, m) ? m.index : 0; });
      const double ref =
          time_per_call(reqs, budget, [&](const Request& r) { sink += static_cast<std::size_t>(reference.match(r, scratch) + 1); });
      std::printf("%8d  %-5s  %12.1f  %14.1f  %8.0fx\n", n, kind == 0 ? "hit" : "miss", ours, ref, ref / ours);
      if (sink == 42) std::printf(" ");  // keeps the loops observable
    }
  }
  if (failures) {
    std::fprintf(stderr, "\n%d wrong results\n", failures);
    return 1;
  }
  return 0;
}
