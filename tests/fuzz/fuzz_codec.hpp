#pragma once
// Pieces shared by the codec fuzz targets (fuzz_request_head, fuzz_response_head): the control
// byte, head scans over the whole input vs. growing prefixes, and chunked decoding whole vs. split.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/codec.hpp"

namespace portico::testing {

/// A fuzz input split into its control byte and the bytes after it. Bit 0 of the control byte
/// selects small head limits, bits 2-7 the split step (1-64); bits 1 and 7 are each target's own.
struct FuzzInput {
  std::uint8_t ctl = 0;
  std::string_view bytes;
  detail::HeadLimits limits;
  std::size_t step = 1;
};

/// Reads the control byte; false for an empty input.
inline bool read_fuzz_input(const std::uint8_t* data, std::size_t size, FuzzInput& out) {
  if (size < 1) return false;
  out.ctl = data[0];
  out.bytes = std::string_view(reinterpret_cast<const char*>(data + 1), size - 1);
  if (out.ctl & 1) {
    out.limits.max_start_line = 48;
    out.limits.max_head_bytes = 160;
    out.limits.max_field_count = 4;
  }
  out.step = static_cast<std::size_t>(out.ctl >> 2) + 1;
  return true;
}

/// scan_head over all of `in`, and again over prefixes growing by `step` until it stops being
/// Incomplete (into `inc`); checks both stay within their buffers and end in the same state.
/// Returns the whole-input scan.
inline detail::HeadScan scan_whole_and_growing(std::string_view in, const detail::HeadLimits& limits,
                                               std::size_t step, bool is_response, detail::HeadScan& inc) {
  std::size_t scanned = 0;
  const detail::HeadScan whole = detail::scan_head(in, scanned, limits, is_response);
  FUZZ_CHECK(scanned <= in.size());
  std::size_t scanned_inc = 0;
  for (std::size_t n = 0;;) {
    n = n + step < in.size() ? n + step : in.size();
    inc = detail::scan_head(in.substr(0, n), scanned_inc, limits, is_response);
    FUZZ_CHECK(scanned_inc <= n);
    if (inc.state != detail::HeadScan::State::Incomplete || n == in.size()) break;
  }
  FUZZ_CHECK(whole.state == inc.state);
  return whole;
}

/// ChunkedDecoder over all of `in` vs. over `step`-byte pieces: same status, output and bytes used.
inline void check_chunked(std::string_view in, std::size_t step) {
  using Status = detail::ChunkedDecoder::Status;
  detail::ChunkedDecoder whole;
  std::string out_whole;
  std::size_t used_whole = 0;
  const auto s_whole = whole.feed(in, used_whole, out_whole);

  detail::ChunkedDecoder split;
  std::string out_split;
  std::size_t used_split = 0;
  auto s_split = Status::NeedMore;
  for (std::size_t at = 0; at < in.size() && s_split == Status::NeedMore; at += step) {
    std::size_t used = 0;
    s_split = split.feed(in.substr(at, step), used, out_split);
    used_split += used;
  }
  if (in.empty()) s_split = Status::NeedMore;
  FUZZ_CHECK(s_whole == s_split);
  if (s_whole != Status::Error) {
    FUZZ_CHECK(out_whole == out_split);
    FUZZ_CHECK(used_whole == used_split);
    FUZZ_CHECK(whole.data_bytes() == out_whole.size());
  }
  if (s_whole == Status::NeedMore) FUZZ_CHECK(used_whole == in.size());
  if (s_whole == Status::Done) FUZZ_CHECK(used_whole <= in.size() && used_whole >= 5);
}

}  // namespace portico::testing
