#pragma once
// Internal: state every exchange of a gateway may touch: the log sink, the worker executor and
// counters. Written at set-up; read concurrently (the sink and executor are copied under a mutex).

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/off_loop_services.hpp"
#include "portico/executor.hpp"
#include "portico/gateway.hpp"

namespace portico::detail {

class GatewayShared {
 public:
  void set_log_sink(LogSink sink) {
    std::lock_guard lock(mu_);
    sink_ = std::make_shared<LogSink>(std::move(sink));
  }
  void set_worker(Executor e) {
    std::lock_guard lock(mu_);
    worker_ = std::move(e);
  }
  Executor worker() const {
    std::lock_guard lock(mu_);
    return worker_;
  }
  /// Logs a line (Warn/Error to stderr when no sink is set).
  void log(LogLevel level, std::string_view message) const;

  std::atomic<std::uint64_t> requests_served{0};
  std::atomic<std::uint64_t> requests_rejected{0};  // answered by the edge itself (protocol errors)
  /// The services of exchanges on no loop (Gateway::handle); the socket engine's use their loop's.
  OffLoopServices off_loop{[this] { return worker(); }};

 private:
  mutable std::mutex mu_;
  std::shared_ptr<LogSink> sink_;
  Executor worker_;
};

}  // namespace portico::detail
