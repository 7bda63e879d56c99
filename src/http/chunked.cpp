// ChunkedDecoder and append_chunk: the chunked transfer coding (RFC 9112 §7.1), strict.
//   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-size = 1*HEXDIG (here at most 16 digits: never overflows 64 bits)
//   chunk-ext  = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )   (skipped, bounded, no CTL)
//   last-chunk = 1*"0" [ chunk-ext ] CRLF, then trailer-section CRLF  (trailers discarded)

#include <algorithm>

#include "http/text.hpp"
#include "http/chars.hpp"
#include "http/codec.hpp"

namespace portico::detail {

namespace {

constexpr bool is_ctl(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

}  // namespace

void ChunkedDecoder::reset() noexcept {
  state_ = State::Size;
  remaining_ = 0;
  total_ = 0;
  digits_ = 0;
  ext_bytes_ = 0;
  trailer_bytes_ = 0;
  error_ = {};
}

ChunkedDecoder::Status ChunkedDecoder::fail(std::string_view reason, std::size_t at, std::size_t& consumed) noexcept {
  state_ = State::Error;
  error_ = reason;
  consumed = at;
  return Status::Error;
}

ChunkedDecoder::Status ChunkedDecoder::feed(std::string_view in, std::size_t& consumed, std::string& out) {
  consumed = 0;
  if (state_ == State::Error) return Status::Error;
  if (state_ == State::Done) return Status::Done;
  std::size_t i = 0;
  while (i < in.size()) {
    if (state_ == State::Data) {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
      out.append(in.data() + i, take);
      i += take;
      remaining_ -= take;
      total_ += take;
      if (remaining_ == 0) state_ = State::DataCr;
      continue;
    }
    const char c = in[i];
    switch (state_) {
      case State::Size: {
        const int v = hex_value(c);
        if (v >= 0) {
          if (++digits_ > 16) return fail("chunk size has more than 16 hex digits", i, consumed);
          remaining_ = (remaining_ << 4) | static_cast<std::uint64_t>(v);
        } else if (digits_ == 0) {
          return fail("chunk size is not 1*HEXDIG", i, consumed);
        } else if (c == '\r') {
          state_ = State::SizeLf;
        } else if (c == ';') {
          state_ = State::Ext;
        } else if (c == ' ' || c == '\t') {
          state_ = State::ExtBws;
        } else {
          return fail("invalid byte after chunk size", i, consumed);
        }
        break;
      }
      case State::ExtBws:  // whitespace after the size is only valid before a ';'
        if (++ext_bytes_ > kMaxChunkExtBytes) return fail("chunk extension too long", i, consumed);
        if (c == ';') state_ = State::Ext;
        else if (c != ' ' && c != '\t') return fail("whitespace after chunk size without extension", i, consumed);
        break;
      case State::Ext:
        if (c == '\r') {
          state_ = State::SizeLf;
        } else if (c == '\n') {
          return fail("bare LF in chunk size line", i, consumed);
        } else if (is_ctl(c)) {
          return fail("control byte in chunk extension", i, consumed);
        } else if (++ext_bytes_ > kMaxChunkExtBytes) {
          return fail("chunk extension too long", i, consumed);
        }
        break;
      case State::SizeLf:
        if (c != '\n') return fail("bare CR in chunk size line", i, consumed);
        state_ = remaining_ == 0 ? State::TrailerStart : State::Data;
        digits_ = 0;
        ext_bytes_ = 0;
        break;
      case State::DataCr:
        if (c != '\r') return fail("chunk data not followed by CRLF", i, consumed);
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (c != '\n') return fail("chunk data not followed by CRLF", i, consumed);
        state_ = State::Size;
        break;
      case State::TrailerStart:
      case State::TrailerName:
      case State::TrailerValue:
      case State::TrailerLf:
      case State::FinalLf:
        if (++trailer_bytes_ > max_trailer_) return fail("trailer section too large", i, consumed);
        switch (state_) {
          case State::TrailerStart:
            if (c == '\r') state_ = State::FinalLf;
            else if (c == ' ' || c == '\t') return fail("obs-fold in trailer", i, consumed);
            else if (chars::has(c, chars::kToken)) state_ = State::TrailerName;
            else return fail("invalid trailer field line", i, consumed);
            break;
          case State::TrailerName:
            if (c == ':') state_ = State::TrailerValue;
            else if (!chars::has(c, chars::kToken)) return fail("invalid trailer field name", i, consumed);
            break;
          case State::TrailerValue:
            if (c == '\r') state_ = State::TrailerLf;
            else if (!chars::has(c, chars::kFieldValue)) return fail("invalid byte in trailer value", i, consumed);
            break;
          case State::TrailerLf:
            if (c != '\n') return fail("bare CR in trailer", i, consumed);
            state_ = State::TrailerStart;
            break;
          default:  // FinalLf
            if (c != '\n') return fail("bare CR after trailer section", i, consumed);
            state_ = State::Done;
            consumed = i + 1;
            return Status::Done;
        }
        break;
      case State::Data:
      case State::Done:
      case State::Error:
        break;  // handled above
    }
    ++i;
  }
  consumed = i;
  return Status::NeedMore;
}

void append_chunk(std::string_view data, std::string& out) {
  if (data.empty()) return;
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[16];
  std::size_t n = 0;
  for (auto size = static_cast<std::uint64_t>(data.size()); size != 0; size >>= 4) digits[n++] = kHex[size & 15];
  out.reserve(out.size() + n + data.size() + 4);
  while (n > 0) out += digits[--n];
  out += "\r\n";
  out.append(data);
  out += "\r\n";
}

}  // namespace portico::detail
