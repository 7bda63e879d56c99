// Fuzzes the request side: scan_head (whole buffer vs. growing prefixes), parse_request_head,
// serialize/re-parse round trip, normalize_path idempotence, and ChunkedDecoder (whole vs. split).
// Input: one control byte (limits, slash mode, split step), then the raw bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_codec.hpp"
#include "http/codec.hpp"

using namespace portico;
using namespace portico::detail;
using namespace portico::testing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput fuzz;
  if (!read_fuzz_input(data, size, fuzz)) return 0;
  auto& [ctl, in, limits, step] = fuzz;
  limits.encoded_slashes = (ctl & 2) ? EncodedSlashes::Keep : EncodedSlashes::Reject;

  // scan_head: one call over everything vs. calls over growing prefixes must agree.
  HeadScan inc;
  const HeadScan whole = scan_whole_and_growing(in, limits, step, false, inc);
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
        roomy.max_field_line = 1 << 20;  // a Host replaced by a long absolute-form authority
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
