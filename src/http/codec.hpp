#pragma once
// Internal: Portico's strict HTTP/1.1 codec (RFC 9110/9112). Request and response heads, body
// framing, chunked coding, serialization with last-moment field validation, path normalization.
// Pure functions and small state machines: no sockets, no allocation beyond the output objects.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "portico/gateway.hpp"
#include "portico/http.hpp"

namespace portico::detail {

/// Limits for heads (request side uses ServerOptions; response side uses max_upstream_header_bytes).
struct HeadLimits {
  std::size_t max_start_line = 8192;   // request line / status line, without CRLF
  std::size_t max_head_bytes = 65536;  // start line + fields + final CRLF CRLF
  std::size_t max_field_count = 100;
  EncodedSlashes encoded_slashes = EncodedSlashes::Reject;
};

/// A protocol error: the status to answer (400, 413, 414, 431, 501, 505; 502 on the response side)
/// and a short static reason for logs. Framing is in doubt after any of these: close the connection.
struct HttpError {
  int status = 0;
  std::string_view reason;  // points to a string literal
  explicit operator bool() const noexcept { return status != 0; }
};

/// How a message body is delimited.
enum class BodyKind {
  None,           // no body (no CL/TE in a request; 1xx/204/304 or HEAD responses)
  ContentLength,  // exactly `content_length` bytes
  Chunked,        // chunked coding (the only transfer coding accepted)
  UntilClose,     // response only: read until the upstream closes
};

/// Result of looking for the end of a head in a growing buffer.
struct HeadScan {
  enum class State { Incomplete, Complete, Error } state = State::Incomplete;
  std::size_t head_length = 0;  // when Complete: bytes up to and including the empty line's CRLF
  HttpError error;              // when Error
};

/// Incrementally finds the end of a head in `buffer` (the bytes received so far, from the start of
/// the message). `scanned` carries progress between calls (start at 0). Enforces while scanning:
/// start line length (414 request / 502 response via `is_response`), head size (431 / 502), bare LF
/// or bare CR (400 / 502). Leading empty lines before a request line are skipped as RFC 9112 §2.2
/// allows (at most a few); the caller must drop `leading_crlf` bytes first when > 0.
HeadScan scan_head(std::string_view buffer, std::size_t& scanned, const HeadLimits& limits, bool is_response);

/// A parsed request head. The Request's method/target/path/query/version/headers are filled.
struct RequestHead {
  Request request;
  BodyKind body = BodyKind::None;
  std::uint64_t content_length = 0;
  bool keep_alive = true;        // from version and Connection
  bool expect_continue = false;  // Expect: 100-continue (other expectations: 417)
  bool upgrade = false;          // Upgrade header present (refused until WebSocket support)
};

/// Parses a complete request head (as delimited by scan_head; `head` ends with CRLF CRLF).
/// Rejects everything docs/security.md lists: CL with TE; TE other than exactly `chunked`; TE in
/// HTTP/1.0 (400); differing repeated CL; CL not 1*DIGIT or overflowing; obs-fold; whitespace
/// before ':'; invalid name bytes; CR/LF/NUL/CTL in values; missing, repeated or invalid Host in
/// HTTP/1.1; targets not origin-form (absolute-form accepted when its authority is valid; then the
/// Host header is replaced by it as RFC 9112 §3.2.2 says; asterisk-form only for OPTIONS); versions
/// other than 1.0/1.1 (505); invalid method token (400); path normalization failures (400).
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
/// responses other than 101 parse with body None; the caller skips them.
HttpError parse_response_head(std::string_view head, std::string_view request_method, const HeadLimits& limits,
                              ResponseHead& out);

/// Chunked-coding decoder (RFC 9112 §7.1) with strict sizes (1*HEXDIG, at most 16 digits, no
/// overflow), chunk extensions skipped but bounded, CRLF required after data, trailers read and
/// discarded (bounded by `max_trailer_bytes`), never merged into headers.
class ChunkedDecoder {
 public:
  enum class Status { NeedMore, Done, Error };
  explicit ChunkedDecoder(std::size_t max_trailer_bytes = 8192) : max_trailer_(max_trailer_bytes) {}
  /// Consumes bytes from `in`, appending decoded data to `out`. Sets `consumed`. After Done,
  /// bytes after the final CRLF are not consumed (they belong to the next message).
  Status feed(std::string_view in, std::size_t& consumed, std::string& out);
  /// Total decoded data bytes so far.
  std::uint64_t data_bytes() const noexcept { return total_; }
  void reset() noexcept;

 private:
  enum class State { Size, Ext, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, Done } state_ = State::Size;
  std::uint64_t remaining_ = 0;
  std::uint64_t total_ = 0;
  unsigned digits_ = 0;
  std::size_t ext_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t max_trailer_;
};

/// Appends one chunk (size line, data, CRLF) to `out`; empty data is skipped (use chunk_end()).
void append_chunk(std::string_view data, std::string& out);
/// The last chunk and an empty trailer section.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/// RFC 9110 token (field names, methods).
bool is_token(std::string_view s) noexcept;
/// RFC 9110 field-value: no CR, LF, NUL or other CTL except HTAB; no leading/trailing SP/HTAB required.
bool is_field_value(std::string_view s) noexcept;

/// Serializes a request head to `out` (appended): "METHOD target HTTP/1.1\r\n", fields, CRLF.
/// Validates every name and value at the last moment; returns false (and appends nothing) if one
/// is invalid.
bool serialize_request_head(std::string_view method, std::string_view target, const Headers& headers,
                            std::string& out);
/// Serializes a response head: "HTTP/1.1 status reason\r\n", fields, CRLF. Same validation.
bool serialize_response_head(int status, std::string_view reason, const Headers& headers, std::string& out);

/// Normalizes a raw origin-form path (no query) for routing and forwarding: percent-decodes
/// unreserved characters only (A-Z a-z 0-9 - . _ ~), upper-cases the hex of other escapes, removes
/// dot segments (RFC 3986 §5.2.4, also when written %2E), merges repeated slashes. Rejects (400):
/// raw bytes outside RFC 3986 pchar/"/" (controls, space, backslash, non-ASCII, '#'), malformed '%',
/// `%00`, and `%2F`/`%5C` unless `encoded_slashes` is Keep. The result starts with '/'.
HttpError normalize_path(std::string_view raw, EncodedSlashes encoded_slashes, std::string& out);

/// Validates a Host header value / authority (reg-name, IPv4 or [IPv6], optional :port digits).
bool is_valid_authority(std::string_view host) noexcept;

}  // namespace portico::detail
