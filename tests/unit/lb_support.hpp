#pragma once
// Helpers shared by the load-balancer unit tests.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "portico/http.hpp"
#include "portico/upstream.hpp"

namespace lbtest {

/// `weights.size()` endpoints 10.0.0.<i+1>:8080 with the given weights.
inline std::vector<portico::Endpoint> endpoints(std::vector<unsigned> weights) {
  std::vector<portico::Endpoint> out;
  for (std::size_t i = 0; i < weights.size(); ++i)
    out.push_back(portico::Endpoint{"10.0.0." + std::to_string(i + 1), 8080, weights[i], "http"});
  return out;
}

/// `n` endpoints of weight 1.
inline std::vector<portico::Endpoint> endpoints(std::size_t n) { return endpoints(std::vector<unsigned>(n, 1)); }

/// A request with no headers, and a PickInput around it.
struct Input {
  portico::Request request;  // GET / (Request::make lives in the http area, which test_lb does not link)
  std::string client = "192.0.2.1";
  portico::PickInput get() const { return portico::PickInput{request, client}; }
};

/// A request carrying `Cookie: <name>=<value>`.
inline Input with_cookie(const std::string& name, const std::string& value) {
  Input in;
  in.request.headers.add("Cookie", "theme=dark; " + name + "=" + value);
  return in;
}

/// What pick_sequence records for a pick that found no endpoint.
inline constexpr std::size_t kNoPick = 99;

/// The endpoint index of each of `picks` picks in order (kNoPick when nothing was available),
/// releasing each pick at once when `release`.
inline std::vector<std::size_t> pick_sequence(portico::LoadBalancer& lb, int picks, bool release) {
  std::vector<std::size_t> out;
  Input in;
  for (int i = 0; i < picks; ++i) {
    const auto p = lb.pick(in.get());
    out.push_back(p ? *p : kNoPick);
    if (p && release) lb.release(*p);
  }
  return out;
}

/// Picks `picks` times (releasing each pick when `release`), counting picks per endpoint of `n`;
/// a failed pick counts in the last slot.
inline std::vector<int> count_picks(portico::LoadBalancer& lb, std::size_t n, int picks, bool release = true) {
  std::vector<int> counts(n + 1, 0);
  for (const std::size_t p : pick_sequence(lb, picks, release)) ++counts[p == kNoPick ? n : p];
  return counts;
}

}  // namespace lbtest
