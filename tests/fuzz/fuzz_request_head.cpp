// Fuzzes the request side: scan_head (whole buffer vs. growing prefixes), parse_request_head,
// serialize/re-parse round trip, normalize_path idempotence, and ChunkedDecoder (whole vs. split).
// Input: one control byte (limits, slash mode, split step), then the raw bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/codec.hpp"

using namespace portico;
using namespace portico::detail;

namespace {

void check_chunked(std::string_view in, std::size_t step) {
  ChunkedDecoder whole;
  std::string out_whole;
  std::size_t used_whole = 0;
  const auto s_whole = whole.feed(in, used_whole, out_whole);

  ChunkedDecoder split;
  std::string out_split;
  std::size_t used_split = 0;
  auto s_split = ChunkedDecoder::Status::NeedMore;
  for (std::size_t at = 0; at < in.size() && s_split == ChunkedDecoder::Status::NeedMore; at += step) {
    std::size_t used = 0;
    s_split = split.feed(in.substr(at, step), used, out_split);
    used_split += used;
  }
  if (in.empty()) s_split = ChunkedDecoder::Status::NeedMore;
  FUZZ_CHECK(s_whole == s_split);
  if (s_whole != ChunkedDecoder::Status::Error) {
    FUZZ_CHECK(out_whole == out_split);
    FUZZ_CHECK(used_whole == used_split);
    FUZZ_CHECK(whole.data_bytes() == out_whole.size());
  }
  if (s_whole == ChunkedDecoder::Status::NeedMore) FUZZ_CHECK(used_whole == in.size());
  if (s_whole == ChunkedDecoder::Status::Done) FUZZ_CHECK(used_whole <= in.size() && used_whole >= 5);
}

}  // namespace

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
  limits.encoded_slashes = (ctl & 2) ? EncodedSlashes::Keep : EncodedSlashes::Reject;
  const std::size_t step = static_cast<std::size_t>(ctl >> 2) + 1;

  // scan_head: one call over everything vs. calls over growing prefixes must agree.
  std::size_t scanned = 0;
  const HeadScan whole = scan_head(in, scanned, limits, false);
  FUZZ_CHECK(scanned <= in.size());
  HeadScan inc;
  std::size_t scanned_inc = 0;
  for (std::size_t n = 0;;) {
    n = n + step < in.size() ? n + step : in.size();
    inc = scan_head(in.substr(0, n), scanned_inc, limits, false);
    FUZZ_CHECK(scanned_inc <= n);
    if (inc.state != HeadScan::State::Incomplete || n == in.size()) break;
  }
  FUZZ_CHECK(whole.state == inc.state);
  if (whole.state == HeadScan::State::Error) FUZZ_CHECK(whole.error.status == inc.error.status);

  if (whole.state == HeadScan::State::Complete) {
    FUZZ_CHECK(whole.head_length == inc.head_length && whole.leading_crlf == inc.leading_crlf);
    FUZZ_CHECK(whole.head_length <= in.size() && whole.head_length - whole.leading_crlf <= limits.max_head_bytes);
    const std::string_view head = in.substr(0, whole.head_length);
    RequestHead req;
    const HttpError e = parse_request_head(head, limits, req);
    // Same answer with the leading empty lines dropped by the caller.
    RequestHead req2;
    const HttpError e2 = parse_request_head(head.substr(whole.leading_crlf), limits, req2);
    FUZZ_CHECK(e.status == e2.status);
    if (!e) {
      const Request& r = req.request;
      FUZZ_CHECK(r.headers.size() <= limits.max_field_count + 1);  // + a Host added for absolute-form
      FUZZ_CHECK(r.version == 10 || r.version == 11);
      FUZZ_CHECK(!r.path.empty());
      if (r.path != "*") {
        FUZZ_CHECK(r.path[0] == '/');
        std::string again;
        FUZZ_CHECK(!normalize_path(r.path, EncodedSlashes::Keep, again));
        FUZZ_CHECK(again == r.path);
      }
      FUZZ_CHECK(req.body != BodyKind::UntilClose);
      // Everything the parser accepted must serialize, and parse back the same way.
      std::string wire;
      FUZZ_CHECK(serialize_request_head(r.method, r.target, r.headers, wire));
      if (r.version == 11) {
        RequestHead back;
        HeadLimits roomy = limits;
        roomy.max_head_bytes = 1 << 20;
        roomy.max_start_line = 1 << 20;
        const HttpError eb = parse_request_head(wire, roomy, back);
        FUZZ_CHECK(!eb);
        FUZZ_CHECK(back.request.method == r.method && back.request.path == r.path && back.request.query == r.query);
        FUZZ_CHECK(back.request.headers.size() == r.headers.size());
        for (std::size_t i = 0; i < r.headers.size(); ++i) {
          FUZZ_CHECK(back.request.headers[i].name == r.headers[i].name);
          FUZZ_CHECK(back.request.headers[i].value == r.headers[i].value);
        }
        FUZZ_CHECK(back.body == req.body && back.content_length == req.content_length);
        FUZZ_CHECK(back.keep_alive == req.keep_alive && back.expect_continue == req.expect_continue);
      }
      if (req.body == BodyKind::Chunked) check_chunked(in.substr(whole.head_length), step);
    }
  } else if (ctl & 0x80) {
    check_chunked(in, step);  // the chunked decoder on its own
  }
  return 0;
}
