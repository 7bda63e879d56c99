#pragma once
// Internal: Portico's strict HTTP/1.1 codec (RFC 9110/9112). Request and response heads, body
// framing, chunked coding, serialization with last-moment field validation, path normalization.
// Pure functions and small state machines: no sockets, no allocation beyond the output objects.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "portico/http.hpp"

namespace portico::detail {

/// Limits for heads (request side uses ServerOptions; response side uses max_upstream_header_bytes).
struct HeadLimits {
  std::size_t max_start_line = 8192;   // request line / status line, without CRLF
  std::size_t max_head_bytes = 65536;  // start line + fields + final CRLF CRLF
  std::size_t max_field_count = 100;
  EncodedSlashes encoded_slashes = EncodedSlashes::Reject;
  // Request side only (the response parser ignores these):
  std::size_t max_field_line = 8192;  // one field line without its CRLF; longer: 431
  UnderscoreHeaders underscores = UnderscoreHeaders::Drop;  // field names containing '_'
  bool allow_trace = false;  // TRACE: 405 unless allowed
};

/// A protocol error: the status to answer (400, 405, 414, 417, 431, 501, 505; 502 on the response side;
/// 413 is the caller's body limit) and a short static reason for logs. Framing is in doubt after
/// any of these: answer, then close the connection.
struct HttpError {
  int status = 0;
  std::string_view reason;  // points to a string literal
  explicit operator bool() const noexcept { return status != 0; }
};

/// How a message body is delimited.
enum class BodyKind {
  None,           // no body (no CL/TE in a request; 1xx/204/304 or HEAD responses)
  ContentLength,  // exactly `content_length` bytes (may be 0: "Content-Length: 0" was sent)
  Chunked,        // chunked coding (the only transfer coding accepted)
  UntilClose,     // response only: read until the upstream closes
};

/// Empty lines (CRLF) tolerated before a request line (RFC 9112 §2.2); one more is a 400.
inline constexpr std::size_t kMaxLeadingEmptyLines = 8;

/// Result of looking for the end of a head in a growing buffer.
struct HeadScan {
  enum class State { Incomplete, Complete, Error } state = State::Incomplete;
  std::size_t head_length = 0;   // when Complete: bytes from buffer[0] up to and including the empty
                                 // line's CRLF (leading_crlf bytes included): consume this many
  std::size_t leading_crlf = 0;  // request side: bytes of empty lines before the request line
  HttpError error;               // when Error
};

/// Incrementally finds the end of a head in `buffer` (the bytes received so far, from the start of
/// the message). `scanned` carries progress between calls (start at 0; reset it to 0 whenever bytes
/// are removed from the front of the buffer). Enforces while scanning: start line length (414
/// request / 502 response via `is_response`), head size excluding leading empty lines (431 / 502),
/// bare LF or bare CR (400 / 502). Up to kMaxLeadingEmptyLines empty lines before a request line
/// are skipped as RFC 9112 §2.2 allows; the head proper is buffer.substr(leading_crlf,
/// head_length - leading_crlf) (parse_request_head also skips them, so passing
/// buffer.substr(0, head_length) is equally fine). Linear overall in the bytes received, except
/// that an unfinished start line is re-searched (bounded by max_start_line) on each call.
HeadScan scan_head(std::string_view buffer, std::size_t& scanned, const HeadLimits& limits, bool is_response);

/// A request-target split into its parts (RFC 9112 §3.2); views point into the target.
struct TargetParts {
  enum class Form { Origin, Absolute, Asterisk } form = Form::Origin;
  std::string_view authority;  // absolute-form only
  std::string_view raw_path;   // origin/absolute: the path before '?', "/" when absolute-form has none
  std::string_view query;      // raw, without '?'
};

/// Classifies and splits a request-target for `method`: origin-form; absolute-form with an http or
/// https scheme and a valid authority; "*" for OPTIONS. CONNECT (authority-form) is 501 when its
/// target is a valid authority, else 400; anything else 400. The path is not normalized here, the
/// query is validated (is_valid_query).
HttpError split_target(std::string_view method, std::string_view target, TargetParts& out);

/// A parsed request head. The Request's method/target/path/query/version/headers are filled.
struct RequestHead {
  Request request;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;        // from version and Connection
  bool expect_continue = false;  // Expect: 100-continue (other expectations: 417)
  bool upgrade = false;          // Upgrade header present (refused until WebSocket support)
};

/// Parses a complete request head (as delimited by scan_head; `head` ends with CRLF CRLF; leading
/// empty lines are skipped). Re-checks every scan_head rule, so any byte string is safe input.
/// Rejects everything docs/security.md lists: CL with TE; TE other than exactly `chunked`; TE in
/// HTTP/1.0 (400); differing repeated CL; CL not 1*DIGIT or overflowing; obs-fold; whitespace
/// before ':'; invalid name bytes; CR/LF/NUL/CTL in values; missing, repeated or invalid Host in
/// HTTP/1.1; targets not origin-form (absolute-form accepted when its authority is valid; then the
/// Host header is replaced by it as RFC 9112 §3.2.2 says; asterisk-form only for OPTIONS); versions
/// other than 1.0/1.1 (505); a method that is not 1*(A-Z / "-" / "_") (400); TRACE unless
/// `limits.allow_trace` (405); path normalization failures (400); CONNECT (501); unknown transfer
/// codings (501); expectations other than 100-continue (417); a field line longer than
/// `limits.max_field_line` (431); a Connection field naming Content-Length, Transfer-Encoding or
/// Host (400); field names with '_' per `limits.underscores` (dropped, 400, or kept; a dropped field
/// still counts towards max_field_count). Identical repeated Content-Length values are merged into one field. The exact status of each
/// rule is the table in docs/security.md "HTTP parsing rules". `out` is reset first.
HttpError parse_request_head(std::string_view head, const HeadLimits& limits, RequestHead& out);

/// A parsed response head.
struct ResponseHead {
  Response response;  // status, reason, headers (body empty)
  int version = 11;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;  // false if HTTP/1.0 without keep-alive, or Connection: close
};

/// Parses a complete upstream response head. `request_method` decides HEAD semantics. Invalid
/// framing (CL+TE, bad CL, bad TE, bad field bytes, bad status line) is an error (502). 1xx
/// responses other than 101 parse with body None; the caller skips them. A 1xx/204 response that
/// carries Content-Length or Transfer-Encoding parses with body None and keep_alive false.
HttpError parse_response_head(std::string_view head, std::string_view request_method, const HeadLimits& limits,
                              ResponseHead& out);

/// Chunked-coding decoder (RFC 9112 §7.1) with strict sizes (1*HEXDIG, at most 16 digits, no
/// overflow), chunk extensions skipped but bounded (kMaxChunkExtBytes per size line, no CTL),
/// CRLF required after the size line and after data (bare LF or bare CR: Error), trailer field
/// lines checked (token name, ':', no CTL in the value, no obs-fold), bounded by
/// `max_trailer_bytes` and discarded: never merged into headers. Feeding the same bytes in any
/// split gives the same result. One decoder per message body; owned by the connection's loop.
class ChunkedDecoder {
 public:
  enum class Status { NeedMore, Done, Error };
  static constexpr std::size_t kMaxChunkExtBytes = 1024;
  explicit ChunkedDecoder(std::size_t max_trailer_bytes = 8192) : max_trailer_(max_trailer_bytes) {}
  /// Consumes bytes from `in`, appending decoded data to `out`. Sets `consumed`. After Done,
  /// bytes after the final CRLF are not consumed (they belong to the next message). After Error,
  /// every further call returns Error (the connection must be closed).
  Status feed(std::string_view in, std::size_t& consumed, std::string& out);
  /// Total decoded data bytes so far.
  std::uint64_t data_bytes() const noexcept { return total_; }
  /// Data bytes the current chunk still announces (lets the caller reject an oversized body early).
  std::uint64_t chunk_remaining() const noexcept { return state_ == State::Data ? remaining_ : 0; }
  /// A static reason for the last Error, for logs ("" otherwise).
  std::string_view error_reason() const noexcept { return error_; }
  void reset() noexcept;

 private:
  enum class State {
    Size, ExtBws, Ext, SizeLf, Data, DataCr, DataLf,
    TrailerStart, TrailerName, TrailerValue, TrailerLf, FinalLf, Done, Error
  } state_ = State::Size;
  Status fail(std::string_view reason, std::size_t at, std::size_t& consumed) noexcept;
  std::uint64_t remaining_ = 0;
  std::uint64_t total_ = 0;
  unsigned digits_ = 0;
  std::size_t ext_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::size_t max_trailer_;
  std::string_view error_;
};

/// Appends one chunk (size line, data, CRLF) to `out`; empty data is skipped (use chunk_end()).
void append_chunk(std::string_view data, std::string& out);
/// The last chunk and an empty trailer section.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/// RFC 9110 token (field names, methods).
bool is_token(std::string_view s) noexcept;
/// RFC 9110 field-value: no CR, LF, NUL or other CTL except HTAB (DEL included); obs-text (>= 0x80)
/// allowed; leading/trailing SP/HTAB allowed (the parser trims them; a serializer writes them).
bool is_field_value(std::string_view s) noexcept;
/// A field only the engine may set on a forwarded message: its framing (Content-Length,
/// Transfer-Encoding) and the hop-by-hop fields (Connection, Keep-Alive, Proxy-Connection, TE,
/// Trailer, Upgrade, Proxy-Authenticate). Case-insensitive.
bool is_framing_field(std::string_view name) noexcept;
/// True for statuses whose responses never carry a body: 1xx, 204 and 304 (RFC 9110 §6.4.1).
constexpr bool status_has_no_body(int status) noexcept {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}
/// True for methods whose requests are sent with a Content-Length even when the body is empty.
constexpr bool method_may_have_body(std::string_view method) noexcept {
  return method == "POST" || method == "PUT" || method == "PATCH";
}
/// A raw query (without '?'): visible ASCII only (0x21-0x7E) and no '#'; empty is valid.
bool is_valid_query(std::string_view s) noexcept;

/// Serializes a request head to `out` (appended): "METHOD target HTTP/1.1\r\n", fields, CRLF.
/// Validates the method (token), the target (visible ASCII, no '#'), every name (token) and value
/// (is_field_value) at the last moment; returns false (and appends nothing) if one is invalid.
bool serialize_request_head(std::string_view method, std::string_view target, const Headers& headers,
                            std::string& out);
/// Serializes a response head: "HTTP/1.1 status reason\r\n", fields, CRLF. Same validation; status
/// must be 100-999 and the reason a field value; an empty reason writes reason_phrase(status).
bool serialize_response_head(int status, std::string_view reason, const Headers& headers, std::string& out);

/// Normalizes a raw origin-form path (no query) for routing and forwarding: percent-decodes
/// unreserved characters only (A-Z a-z 0-9 - . _ ~), upper-cases the hex of other escapes, removes
/// dot segments (RFC 3986 §5.2.4, also when written %2E), merges repeated slashes. Rejects (400):
/// raw bytes outside RFC 3986 pchar/"/" (controls, space, backslash, non-ASCII, '#'), malformed '%',
/// `%00`, and `%2F`/`%5C` unless `encoded_slashes` is Keep (then kept as "%2F"/"%5C", never a
/// separator), a path not starting with '/', and segments "." or ".." followed by ';' ("..;",
/// Tomcat-style traversal). ".." above the root stays at the root (RFC 3986). The result starts
/// with '/' and normalizing it again gives the same string.
HttpError normalize_path(std::string_view raw, EncodedSlashes encoded_slashes, std::string& out);

/// Validates a Host header value / authority: host = reg-name of dot-separated labels (1-63 bytes
/// of ALPHA DIGIT '-' '_', one trailing dot allowed, at most 253 bytes) or [IPv6] (inet_pton);
/// optional ":port" of 1-5 digits <= 65535. No userinfo, no percent-escapes, no empty host.
bool is_valid_authority(std::string_view host) noexcept;

}  // namespace portico::detail
