#include "portico/gateway.hpp"

namespace portico {

Config& Config::add(Upstream upstream) {
  for (auto& u : upstreams_) {
    if (u.name() == upstream.name()) {
      u = std::move(upstream);
      return *this;
    }
  }
  upstreams_.push_back(std::move(upstream));
  return *this;
}

Config& Config::add(Route route) {
  routes_.push_back(std::move(route));
  return *this;
}

Config& Config::use(FilterPtr filter) {
  filters_.push_back(std::move(filter));
  return *this;
}

Config& Config::error_renderer(ErrorRenderer renderer) {
  error_renderer_ = std::move(renderer);
  return *this;
}

Config& Config::options(ServerOptions options) {
  options_ = std::move(options);
  return *this;
}

}  // namespace portico
