// parse_response_head: the strict upstream side. Every error is a 502 (the upstream is untrusted,
// security.md §5.2): the gateway answers 502 and never reuses that upstream connection.

#include <string>

#include "http/text.hpp"
#include "http/chars.hpp"
#include "http/codec.hpp"
#include "http/head_common.hpp"

namespace portico::detail {

namespace {

constexpr HttpError bad(std::string_view reason) { return HttpError{502, reason}; }

}  // namespace

HttpError parse_response_head(std::string_view head, std::string_view request_method, const HeadLimits& limits,
                              ResponseHead& out) {
  out = ResponseHead{};

  // ---- status line: HTTP-version SP 3DIGIT SP [reason] ----------------------------------------
  std::string_view rest;
  std::string_view why;
  int hint = 0;
  const long line_len = head::find_start_line(head, limits.max_start_line, rest, hint, why);
  if (line_len < 0) return bad(hint == 1 ? "upstream status line too long" : why);
  if (head.size() > limits.max_head_bytes) return bad("upstream head too large");
  const std::string_view line = head.substr(0, static_cast<std::size_t>(line_len));

  // The SP after the code is required (RFC 9112 §4); "HTTP/1.1 200\r\n" is rejected.
  if (line.size() < 13 || line[8] != ' ' || line[12] != ' ') return bad("malformed upstream status line");
  const int version = head::parse_version(line.substr(0, 8));
  if (version <= 0) return bad("unsupported upstream HTTP version");
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) return bad("malformed upstream status code");
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100 || status > 599) return bad("upstream status code out of range");
  const std::string_view reason = line.substr(13);
  if (!chars::all_of(reason, chars::kFieldValue)) return bad("invalid byte in upstream reason phrase");

  out.version = version;
  out.response.status = status;
  out.response.reason.assign(reason);

  // ---- field lines -----------------------------------------------------------------------------
  head::Framing framing;
  auto& fields = out.response.headers.fields();
  fields.reserve(16);
  head::FieldLine f;
  while (true) {
    const auto kind = head::next_field_line(rest, f, why);
    if (kind == head::LineKind::Error) return bad(why);
    if (kind == head::LineKind::End) break;
    if (fields.size() >= limits.max_field_count) return bad("too many upstream header fields");
    if (!framing.add(head::classify_name(f.name), f.value))
      return bad("invalid or differing upstream Content-Length");
    fields.push_back(HeaderField{std::string(f.name), std::string(f.value)});
  }
  if (!rest.empty()) return bad("bytes after the end of the upstream head");

  // ---- framing (RFC 9112 §6.3) -----------------------------------------------------------------
  if (framing.te_count > 0) {
    if (framing.cl_count > 0) return bad("upstream sent both Content-Length and Transfer-Encoding");
    if (version == 10) return bad("Transfer-Encoding in an HTTP/1.0 response");
    if (framing.te_count > 1) return bad("more than one upstream Transfer-Encoding field");
    if (head::classify_transfer_encoding(framing.te) != head::TeVerdict::Chunked)
      return bad("unsupported or malformed upstream Transfer-Encoding");
  }
  if (framing.content_length_merged())
    out.response.headers.set("Content-Length", std::to_string(*framing.content_length));

  out.keep_alive = framing.keep_alive(version);
  if (status_has_no_body(status) || request_method == "HEAD") {
    out.body = BodyKind::None;
    // 1xx and 204 must not carry framing (RFC 9110 §8.6, RFC 9112 §6.1); if they do, the bytes
    // that follow are suspect: never reuse that connection.
    if ((status < 200 || status == 204) && (framing.te_count > 0 || framing.content_length)) out.keep_alive = false;
  } else if (framing.te_count > 0) {
    out.body = BodyKind::Chunked;
  } else if (framing.content_length) {
    out.body = BodyKind::ContentLength;
    out.content_length = *framing.content_length;
  } else {
    out.body = BodyKind::UntilClose;
    out.keep_alive = false;
  }
  return {};
}

}  // namespace portico::detail
