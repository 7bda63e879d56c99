// Fuzzes the upstream side: scan_head (is_response), parse_response_head for GET and HEAD,
// serialize/re-parse round trip, and ChunkedDecoder over the body bytes.
// Input: one control byte (limits, method, split step), then the raw bytes.

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
  const auto& [ctl, in, limits, step] = fuzz;
  const std::string_view method = (ctl & 2) ? "HEAD" : "GET";

  HeadScan inc;
  const HeadScan whole = scan_whole_and_growing(in, limits, step, true, inc);
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

  if (resp.body == BodyKind::Chunked) check_chunked(in.substr(whole.head_length), step);
  return 0;
}
