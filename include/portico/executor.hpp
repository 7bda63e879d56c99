#pragma once
/// Executors: how Portico runs work on threads the host owns. Adapters for a plain post() pool,
/// an Asio executor and cpp-httplib's TaskQueue/ThreadPool, without including either library.

#include <functional>
#include <memory>
#include <utility>

namespace portico {

/// A type-erased "run this task somewhere" handle. Copyable; the host keeps the pool alive for
/// as long as the Gateway may post to it.
class Executor {
 public:
  using Task = std::function<void()>;
  using PostFn = std::function<void(Task)>;

  Executor() = default;
  /// Wraps a function that queues a task (e.g. `[&pool](auto t) { pool.post(std::move(t)); }`).
  explicit Executor(PostFn post) : post_(std::make_shared<PostFn>(std::move(post))) {}

  /// Queues `task`; it must eventually run once on some thread of the host's.
  void post(Task task) const { (*post_)(std::move(task)); }
  explicit operator bool() const noexcept { return post_ != nullptr; }

 private:
  std::shared_ptr<PostFn> post_;
};

/// Adapts any pool with `pool.post(std::function<void()>)`. The pool must outlive the Executor.
template <class Pool>
Executor pool_executor(Pool& pool) {
  return Executor([&pool](Executor::Task t) { pool.post(std::move(t)); });
}

/// Adapts cpp-httplib's `TaskQueue`/`ThreadPool` (`enqueue(std::function<void()>)`).
/// The queue must outlive the Executor.
template <class Queue>
Executor task_queue_executor(Queue& queue) {
  return Executor([&queue](Executor::Task t) { queue.enqueue(std::move(t)); });
}

/// Adapts an Asio executor (`io_context::get_executor()`, a strand, a thread_pool executor);
/// found through argument-dependent lookup of asio::post, so this header does not include Asio.
template <class AsioExecutor>
Executor asio_executor(AsioExecutor ex) {
  return Executor([ex](Executor::Task t) { post(ex, std::move(t)); });
}

}  // namespace portico
