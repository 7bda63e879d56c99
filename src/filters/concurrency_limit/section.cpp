// ocelot.json: ConcurrencyLimit {MaxConcurrent, MaxQueue, QueueTimeoutMs}.

#include "filters/concurrency_limit/section.hpp"

#include "portico/filters/concurrency_limit.hpp"

namespace portico::filters::detail {

Result<FilterPtr> concurrency_limit_section(const config::SectionInput& in) {
  const auto o = in.node["ConcurrencyLimit"];
  if (!o.is_object()) return make_error(Errc::InvalidConfig, "expected an object, got " + o.describe(), o.path());
  ConcurrencyLimitConfig c;
  auto max = o["MaxConcurrent"].as_integer(1, 1'000'000'000);
  if (!max) return std::move(max).error();
  c.max_concurrent = static_cast<std::size_t>(*max);
  if (auto q = o["MaxQueue"]; q.present()) {
    auto v = q.as_integer(0, 1'000'000'000);
    if (!v) return std::move(v).error();
    c.max_queue = static_cast<std::size_t>(*v);
  }
  if (auto t = o["QueueTimeoutMs"]; t.present()) {
    auto v = t.as_integer(1, 3'600'000);
    if (!v) return std::move(v).error();
    c.queue_timeout = std::chrono::milliseconds(*v);
  }
  auto made = make_concurrency_limit(c);
  if (!made) return make_error(made.error().code, made.error().message, o.path());
  return made;
}

}  // namespace portico::filters::detail
