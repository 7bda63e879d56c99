#pragma once
// Decoders for compressed test bodies: gzip (zlib's inflate) and brotli (libbrotlidec), whole.

#include <brotli/decode.h>
#include <zlib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace portico::testing {

/// The gzip member in `data` inflated; nullopt when it is not one complete, valid gzip stream
/// (trailing bytes after it count as invalid).
inline std::optional<std::string> gunzip(std::string_view data) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return std::nullopt;
  std::string out;
  char buf[64 * 1024];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated
  }
  const bool ok = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!ok) return std::nullopt;
  return out;
}

/// The brotli stream in `data` decoded; nullopt when it is not one complete, valid stream.
inline std::optional<std::string> unbrotli(std::string_view data) {
  auto* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!s) return std::nullopt;
  std::string out;
  std::size_t avail_in = data.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  std::uint8_t buf[64 * 1024];
  while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    std::size_t avail_out = sizeof buf;
    std::uint8_t* next_out = buf;
    r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<const char*>(buf), sizeof buf - avail_out);
  }
  const bool ok = r == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0;
  BrotliDecoderDestroyInstance(s);
  if (!ok) return std::nullopt;
  return out;
}

/// Decodes a gzip or brotli stream as it arrives, handing the decoded bytes to `on_data`; for
/// bodies too large to hold. feed() returns false on invalid data (or data after the end).
class StreamDecoder {
 public:
  enum class Kind { Gzip, Brotli };
  StreamDecoder(Kind kind, std::function<void(std::string_view)> on_data) : kind_(kind), on_data_(std::move(on_data)) {
    if (kind_ == Kind::Gzip) {
      ok_ = inflateInit2(&z_, 15 + 16) == Z_OK;
    } else {
      br_ = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
      ok_ = br_ != nullptr;
    }
  }
  ~StreamDecoder() {
    if (kind_ == Kind::Gzip && ok_) inflateEnd(&z_);
    if (br_) BrotliDecoderDestroyInstance(br_);
  }
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  bool feed(std::string_view in) {
    if (!ok_ || (done_ && !in.empty())) return false;
    if (kind_ == Kind::Gzip) {
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = static_cast<uInt>(in.size());
      while (z_.avail_in > 0 && !done_) {
        z_.next_out = reinterpret_cast<Bytef*>(buf_);
        z_.avail_out = sizeof buf_;
        int rc = inflate(&z_, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) return ok_ = false;
        on_data_(std::string_view(buf_, sizeof buf_ - z_.avail_out));
        if (rc == Z_STREAM_END) done_ = true;
      }
      if (done_ && z_.avail_in > 0) return ok_ = false;
      return true;
    }
    std::size_t avail_in = in.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    for (;;) {
      std::size_t avail_out = sizeof buf_;
      auto* next_out = reinterpret_cast<std::uint8_t*>(buf_);
      auto r = BrotliDecoderDecompressStream(br_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      on_data_(std::string_view(buf_, sizeof buf_ - avail_out));
      if (r == BROTLI_DECODER_RESULT_ERROR) return ok_ = false;
      if (r == BROTLI_DECODER_RESULT_SUCCESS) {
        done_ = true;
        if (avail_in > 0) return ok_ = false;
        return true;
      }
      if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return true;
    }
  }
  /// The stream ended (its last block and, for gzip, its trailer with a matching CRC arrived).
  bool done() const noexcept { return done_ && ok_; }

 private:
  Kind kind_;
  std::function<void(std::string_view)> on_data_;
  z_stream z_{};
  BrotliDecoderState* br_ = nullptr;
  bool ok_ = false;
  bool done_ = false;
  char buf_[64 * 1024];
};

}  // namespace portico::testing
