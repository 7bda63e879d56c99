#pragma once
// Test support: filters that make per-request body decisions (Filter::on_response_head and
// Filter::request_body_transform), shared by the harness, Gateway::handle and socket tests of
// streamed bodies.

#include <atomic>
#include <cctype>
#include <functional>
#include <memory>
#include <string>

#include "portico/filter.hpp"

namespace portico::testing {

/// Upper-cases every byte of the body; at the end of the stream appends `trailer` (if any).
class UpperTransform final : public BodyTransform {
 public:
  explicit UpperTransform(std::string trailer = {}) : trailer_(std::move(trailer)) {}
  Result<void> on_data(std::string& piece, bool end_of_stream) override {
    for (char& ch : piece) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (end_of_stream) piece += trailer_;
    return {};
  }

 private:
  std::string trailer_;
};

/// Attaches an UpperTransform to every response and marks the head (X-Transformed: upper).
class UpperFilter final : public Filter {
 public:
  explicit UpperFilter(std::string trailer = {}) : trailer_(std::move(trailer)) {}
  std::string_view name() const noexcept override { return "upper"; }
  ResponseBody on_response_head(Exchange&, const Response&) const override {
    return ResponseBody::through(std::make_unique<UpperTransform>(trailer_));
  }
  void on_response(Exchange&, Response& res) const override { res.headers.set("X-Transformed", "upper"); }

 private:
  std::string trailer_;
};

/// Counts the body's bytes and appends "\n<count>" at the end; each piece passes unchanged.
class CountTransform final : public BodyTransform {
 public:
  Result<void> on_data(std::string& piece, bool end_of_stream) override {
    count_ += piece.size();
    if (end_of_stream) piece += "\n" + std::to_string(count_);
    return {};
  }

 private:
  std::uint64_t count_ = 0;
};

/// Passes `ok_bytes` bytes of the body, then fails (or throws, when `throws`).
class FailingTransform final : public BodyTransform {
 public:
  FailingTransform(std::size_t ok_bytes, bool throws) : left_(ok_bytes), throws_(throws) {}
  Result<void> on_data(std::string& piece, bool) override {
    if (piece.size() <= left_) {
      left_ -= piece.size();
      return {};
    }
    if (throws_) throw std::runtime_error("transform exploded");
    return make_error(Errc::Internal, "transform gave up");
  }

 private:
  std::size_t left_;
  bool throws_;
};

/// Attaches a FailingTransform to every response.
class FailingFilter final : public Filter {
 public:
  FailingFilter(std::size_t ok_bytes, bool throws) : ok_bytes_(ok_bytes), throws_(throws) {}
  std::string_view name() const noexcept override { return "failing"; }
  ResponseBody on_response_head(Exchange&, const Response&) const override {
    return ResponseBody::through(std::make_unique<FailingTransform>(ok_bytes_, throws_));
  }

 private:
  std::size_t ok_bytes_;
  bool throws_;
};

/// Buffers JSON responses only (within `limit` bytes) and reports what it saw in headers:
/// X-Json-Bytes (the whole body's size) or X-Json-Over-Limit; other types stream untouched.
class JsonOnlyFilter final : public Filter {
 public:
  explicit JsonOnlyFilter(std::size_t limit) : limit_(limit) {}
  std::string_view name() const noexcept override { return "json-only"; }
  ResponseBody on_response_head(Exchange&, const Response& head) const override {
    auto type = head.headers.get("Content-Type");
    if (type && type->rfind("application/json", 0) == 0) return ResponseBody::buffer(limit_);
    return ResponseBody::stream();
  }
  void on_response(Exchange& ex, Response& res) const override {
    if (ex.response_body_over_limit())
      res.headers.set("X-Json-Over-Limit", "1");
    else if (auto type = res.headers.get("Content-Type"); type && type->rfind("application/json", 0) == 0)
      res.headers.set("X-Json-Bytes", std::to_string(res.body.size()));
  }

 private:
  std::size_t limit_;
};

/// Wants every request body whole within `limit` bytes; tells the upstream how much it saw.
class RequestBodyFilter final : public Filter {
 public:
  explicit RequestBodyFilter(std::size_t limit) : limit_(limit) {}
  std::string_view name() const noexcept override { return "request-body"; }
  std::size_t request_body_limit(const Exchange&) const override { return limit_; }
  FilterResult on_request(Exchange& ex) const override {
    ex.request().headers.set("X-Seen-Body", std::to_string(ex.request().body.size()));
    return FilterResult::next();
  }

 private:
  std::size_t limit_;
};

/// Records the last completion record's outcome and error, for tests on aborted streams.
class OutcomeObserver final : public Filter {
 public:
  bool observes_completion() const noexcept override { return true; }
  void on_complete(const Exchange&, const ExchangeRecord& r) const override {
    error.store(r.error ? static_cast<int>(*r.error) : -1);
    outcome.store(static_cast<int>(r.outcome));
    ++calls;
  }
  mutable std::atomic<int> outcome{-1};
  mutable std::atomic<int> error{-1};
  mutable std::atomic<int> calls{0};
};

/// Attaches the transform `make` returns to every request body (Filter::request_body_transform)
/// and marks the upstream request (X-Request-Transformed: <name>, in on_upstream_request).
class RequestTransformFilter final : public Filter {
 public:
  using Make = std::function<std::unique_ptr<BodyTransform>()>;
  RequestTransformFilter(std::string name, Make make) : name_(std::move(name)), make_(std::move(make)) {}
  std::string_view name() const noexcept override { return name_; }
  void on_upstream_request(Exchange&, Request& upstream) const override {
    upstream.headers.add("X-Request-Transformed", name_);
  }
  std::unique_ptr<BodyTransform> request_body_transform(Exchange&) const override { return make_(); }

 private:
  std::string name_;
  Make make_;
};

/// Request bodies upper-cased, `trailer` appended at their end.
inline FilterPtr request_upper(std::string trailer = {}) {
  return std::make_shared<RequestTransformFilter>(
      "request-upper", [trailer] { return std::make_unique<UpperTransform>(trailer); });
}
/// Request bodies counted ("\n<count>" appended at their end).
inline FilterPtr request_count() {
  return std::make_shared<RequestTransformFilter>("request-count", [] { return std::make_unique<CountTransform>(); });
}
/// Request bodies pass `ok_bytes`, then the transform fails (or throws).
inline FilterPtr request_failing(std::size_t ok_bytes, bool throws) {
  return std::make_shared<RequestTransformFilter>(
      "request-failing", [=] { return std::make_unique<FailingTransform>(ok_bytes, throws); });
}

}  // namespace portico::testing
