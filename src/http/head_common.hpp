#pragma once
// Internal to src/http: pieces shared by the request and response head parsers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::detail::head {

/// One field line split into name and OWS-trimmed value (views into the head).
struct FieldLine {
  std::string_view name;
  std::string_view value;
};

enum class LineKind { Field, End, Error };

/// Reads the line at the front of `rest` (which starts at a line start) and advances past it.
/// Field: a valid field line (token name, no whitespace before ':', value bytes valid).
/// End: the empty line. Error: `why` says which rule failed (bare LF/CR, obs-fold, bad name, bad
/// value byte, no ':', no terminating empty line).
LineKind next_field_line(std::string_view& rest, FieldLine& out, std::string_view& why) noexcept;

/// Names whose fields drive framing or connection handling.
enum class Known { Other, Host, ContentLength, TransferEncoding, Connection, Expect, Upgrade };
Known classify_name(std::string_view name) noexcept;

/// Merges one Content-Length field value (possibly a comma list) into `length`. False when an
/// element is not 1*DIGIT, overflows, is empty, or differs from a value seen before. `listed` is
/// set when the value was a list (the caller then rewrites the field to a single value).
bool merge_content_length(std::string_view value, std::optional<std::uint64_t>& length, bool& listed) noexcept;

/// What a Transfer-Encoding value asks for.
enum class TeVerdict {
  Chunked,      // exactly one coding, `chunked` (any case)
  Unsupported,  // a well-formed list of bare tokens that is not exactly `chunked`
  Malformed,    // empty, an empty element, an element that is not a bare token, `chunked` twice
};
TeVerdict classify_transfer_encoding(std::string_view value) noexcept;

/// Looks for `close` and `keep-alive` in a Connection value (comma list, case-insensitive, empty
/// elements ignored); sets `names_framing` when an element is Content-Length, Transfer-Encoding or Host.
void scan_connection(std::string_view value, bool& close, bool& keep_alive, bool& names_framing) noexcept;

/// What a head's field lines say about body framing and persistence. Both parsers feed it the
/// fields they read, then apply their own rules to it (request: 400/501, response: 502).
struct Framing {
  std::size_t te_count = 0;
  std::string_view te;  // the last Transfer-Encoding value
  std::size_t cl_count = 0;
  std::optional<std::uint64_t> content_length;
  bool cl_listed = false;  // some Content-Length value was a comma list
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool conn_names_framing = false;  // Connection names Content-Length, Transfer-Encoding or Host

  /// Records a Content-Length, Transfer-Encoding or Connection field; other names are ignored.
  /// False when a Content-Length value is invalid or differs from an earlier one.
  bool add(Known name, std::string_view value) noexcept;

  /// True when the Content-Length came as several fields or a list: the parser then rewrites it
  /// to the one value.
  bool content_length_merged() const noexcept { return content_length && (cl_count > 1 || cl_listed); }

  /// Persistence (RFC 9112 §9.3): HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`.
  bool keep_alive(int version) const noexcept {
    return version == 11 ? !conn_close : (conn_keep_alive && !conn_close);
  }
};

/// "HTTP/1.0" → 10, "HTTP/1.1" → 11, another well-formed "HTTP/d.d" → 0, malformed → -1.
int parse_version(std::string_view v) noexcept;

/// Finds the start line at the front of `head`: returns its length (without CRLF) and sets
/// `rest` to the bytes after its CRLF; -1 with `status_hint` 1 when longer than `max_start_line`
/// (414/502), -1 with `status_hint` 0 when it is not CRLF-terminated (bare LF, no LF).
long find_start_line(std::string_view head, std::size_t max_start_line, std::string_view& rest,
                     int& status_hint, std::string_view& why) noexcept;

}  // namespace portico::detail::head
