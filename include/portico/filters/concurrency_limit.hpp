#pragma once
/// Concurrency limit (phase Limits): at most `max_concurrent` requests of a route in flight; up to
/// `max_queue` more wait (deferred: no thread waits) for at most `queue_timeout`, first come first
/// served. A request that finds the queue full, or waits too long, gets 503 with `Retry-After`.
/// ocelot.json's `ConcurrencyLimit` loads into this filter.

#include <chrono>
#include <cstddef>

#include "portico/error.hpp"
#include "portico/filter.hpp"

namespace portico::filters {

struct ConcurrencyLimitConfig {
  std::size_t max_concurrent = 100;  ///< requests in flight at once (>= 1)
  std::size_t max_queue = 0;         ///< requests waiting for a slot (0: none wait)
  std::chrono::milliseconds queue_timeout{1000};  ///< the longest wait (>= 1 ms when max_queue > 0)
  std::chrono::seconds retry_after{1};            ///< the 503's Retry-After
};

/// Validates `config` and makes the filter. One instance counts for every route it is on (the
/// ocelot.json loader makes one per route). A slot is held from on_request until the exchange is
/// over (Filter::on_complete), whatever its outcome. Exchanges of Gateway::handle (no loop timer)
/// never queue: with every slot taken they get the 503 at once.
Result<FilterPtr> make_concurrency_limit(ConcurrencyLimitConfig config);

}  // namespace portico::filters
