// Fuzzes the upstream side: scan_head (is_response), parse_response_head for GET and HEAD,
// serialize/re-parse round trip, and ChunkedDecoder over the body bytes.
// Input: one control byte (limits, method, split step), then the raw bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/codec.hpp"

using namespace portico;
using namespace portico::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t ctl = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  HeadLimits limits;
  if (ctl & 1) {
    limits.max_start_line = 48;
    limits.max_head_bytes = 160;
    limits.max_field_count = 4;
  }
  const std::string_view method = (ctl & 2) ? "HEAD" : "GET";
  const std::size_t step = static_cast<std::size_t>(ctl >> 2) + 1;

  std::size_t scanned = 0;
  const HeadScan whole = scan_head(in, scanned, limits, true);
  HeadScan inc;
  std::size_t scanned_inc = 0;
  for (std::size_t n = 0;;) {
    n = n + step < in.size() ? n + step : in.size();
    inc = scan_head(in.substr(0, n), scanned_inc, limits, true);
    if (inc.state != HeadScan::State::Incomplete || n == in.size()) break;
  }
  FUZZ_CHECK(whole.state == inc.state);
  FUZZ_CHECK(whole.leading_crlf == 0);
  if (whole.state == HeadScan::State::Error) FUZZ_CHECK(whole.error.status == 502 && inc.error.status == 502);
  if (whole.state != HeadScan::State::Complete) return 0;
  FUZZ_CHECK(whole.head_length == inc.head_length);

  ResponseHead resp;
  const HttpError e = parse_response_head(in.substr(0, whole.head_length), method, limits, resp);
  if (e) {
    FUZZ_CHECK(e.status == 502);
    return 0;
  }
  const Response& r = resp.response;
  FUZZ_CHECK(r.status >= 100 && r.status <= 599);
  if (method == "HEAD" || r.status < 200 || r.status == 204 || r.status == 304) FUZZ_CHECK(resp.body == BodyKind::None);
  if (resp.body == BodyKind::UntilClose) FUZZ_CHECK(!resp.keep_alive);

  std::string wire;
  FUZZ_CHECK(serialize_response_head(r.status, r.reason, r.headers, wire));
  ResponseHead back;
  HeadLimits roomy = limits;
  roomy.max_head_bytes = 1 << 20;
  roomy.max_start_line = 1 << 20;
  const HttpError eb = parse_response_head(wire, method, roomy, back);
  if (resp.version == 11 || resp.body != BodyKind::Chunked) {  // TE is refused in 1.0, fine in 1.1
    FUZZ_CHECK(!eb);
    FUZZ_CHECK(back.response.status == r.status && back.response.headers.size() == r.headers.size());
    if (!r.reason.empty()) FUZZ_CHECK(back.response.reason == r.reason);
    FUZZ_CHECK(back.body == resp.body && back.content_length == resp.content_length);
  }

  if (resp.body == BodyKind::Chunked) {
    const std::string_view body = in.substr(whole.head_length);
    ChunkedDecoder a;
    ChunkedDecoder b;
    std::string out_a;
    std::string out_b;
    std::size_t used_a = 0;
    const auto sa = a.feed(body, used_a, out_a);
    auto sb = ChunkedDecoder::Status::NeedMore;
    std::size_t used_b = 0;
    for (std::size_t at = 0; at < body.size() && sb == ChunkedDecoder::Status::NeedMore; at += step) {
      std::size_t used = 0;
      sb = b.feed(body.substr(at, step), used, out_b);
      used_b += used;
    }
    FUZZ_CHECK(sa == sb);
    if (sa != ChunkedDecoder::Status::Error) FUZZ_CHECK(out_a == out_b && used_a == used_b);
  }
  return 0;
}
