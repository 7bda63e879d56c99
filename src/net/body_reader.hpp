#pragma once
// Internal: reads one message body (Content-Length, chunked, or until close) from a stream and
// the bytes already buffered for it, decoded, in bounded pieces. Used for request bodies (client
// side) and response bodies (upstream side) alike.

#include <algorithm>
#include <cstdint>
#include <string>

#include "http/codec.hpp"
#include "net/asio.hpp"
#include "net/stream.hpp"
#include "net/watchdog.hpp"

namespace portico::net {

enum class BodyStep {
  Data,     // appended at least one byte
  Done,     // the body ended (nothing appended)
  Closed,   // the peer closed or reset before the end
  TimedOut, // the inactivity deadline passed
  Invalid,  // bad chunked framing
};

class BodyReader {
 public:
  BodyReader() = default;
  BodyReader(detail::BodyKind kind, std::uint64_t content_length) { reset(kind, content_length); }

  void reset(detail::BodyKind kind, std::uint64_t content_length) {
    kind_ = kind;
    remaining_ = content_length;
    chunked_.reset();
    done_ = kind == detail::BodyKind::None || (kind == detail::BodyKind::ContentLength && content_length == 0);
    total_ = 0;
  }

  detail::BodyKind kind() const noexcept { return kind_; }
  bool done() const noexcept { return done_; }
  std::uint64_t total() const noexcept { return total_; }
  /// Bytes still expected for a Content-Length body.
  std::uint64_t remaining() const noexcept { return remaining_; }
  /// Why a chunked body was Invalid (a static string; "" otherwise).
  std::string_view error_reason() const noexcept { return chunked_.error_reason(); }

  /// Decodes what is already in `buffer` without reading the stream. Returns Data, Done, or
  /// Invalid; when nothing can be decoded yet it returns Closed to mean "need more bytes".
  BodyStep take_buffered(std::string& buffer, std::string& out, std::size_t max) {
    if (done_) return BodyStep::Done;
    switch (kind_) {
      case detail::BodyKind::None: done_ = true; return BodyStep::Done;
      case detail::BodyKind::ContentLength: {
        if (buffer.empty()) return BodyStep::Closed;
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>({remaining_, buffer.size(), max}));
        out.append(buffer, 0, n);
        buffer.erase(0, n);
        remaining_ -= n;
        total_ += n;
        if (remaining_ == 0) done_ = true;
        return BodyStep::Data;
      }
      case detail::BodyKind::Chunked: {
        if (buffer.empty()) return BodyStep::Closed;
        std::size_t consumed = 0;
        auto before = out.size();
        // Feed at most what keeps the output near `max` (the decoder never emits more than it reads).
        std::string_view in(buffer.data(), std::min(buffer.size(), max + 64));
        auto st = chunked_.feed(in, consumed, out);
        buffer.erase(0, consumed);
        total_ += out.size() - before;
        if (st == detail::ChunkedDecoder::Status::Error) return BodyStep::Invalid;
        if (st == detail::ChunkedDecoder::Status::Done) {
          done_ = true;
          return out.size() > before ? BodyStep::Data : BodyStep::Done;
        }
        if (out.size() > before) return BodyStep::Data;
        return consumed > 0 ? take_buffered(buffer, out, max) : BodyStep::Closed;
      }
      case detail::BodyKind::UntilClose: {
        if (buffer.empty()) return BodyStep::Closed;
        auto n = std::min(buffer.size(), max);
        out.append(buffer, 0, n);
        buffer.erase(0, n);
        total_ += n;
        return BodyStep::Data;
      }
    }
    return BodyStep::Invalid;
  }

  /// Appends the next decoded piece (at most about `max` bytes) to `out`, reading from `stream`
  /// when `buffer` has nothing usable. Arms `watchdog` with `inactivity` before each read.
  awaitable<BodyStep> read(Stream& stream, std::string& buffer, std::string& out, std::size_t max,
                           Watchdog& watchdog, std::chrono::steady_clock::duration inactivity) {
    for (;;) {
      auto step = take_buffered(buffer, out, max);
      if (step != BodyStep::Closed) co_return step;
      // Need bytes from the wire.
      std::size_t want = 16384;
      if (kind_ == detail::BodyKind::ContentLength)
        want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, 65536));
      want = std::max<std::size_t>(want, 1);
      watchdog.arm(inactivity);
      auto [ec, n] = co_await stream.read_append(buffer, want);
      watchdog.disarm();
      if (ec) {
        if (watchdog.fired()) co_return BodyStep::TimedOut;
        if (kind_ == detail::BodyKind::UntilClose && (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)) {
          done_ = true;
          co_return BodyStep::Done;
        }
        if (n == 0) co_return BodyStep::Closed;
      }
    }
  }

 private:
  detail::BodyKind kind_ = detail::BodyKind::None;
  std::uint64_t remaining_ = 0;
  detail::ChunkedDecoder chunked_;
  bool done_ = true;
  std::uint64_t total_ = 0;
};

}  // namespace portico::net
