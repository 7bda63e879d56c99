// scan_head: finds the end of a request or response head in a growing buffer, enforcing the line
// and size limits and the CRLF rules while the bytes arrive (never after an unbounded read).

#include <algorithm>
#include <cstring>

#include "http/codec.hpp"

namespace portico::detail {

namespace {

struct Statuses {
  int bad;        // bare CR/LF, too many empty lines
  int long_line;  // start line too long
  int too_big;    // head too large
};

HeadScan fail(HeadScan r, int status, std::string_view reason) {
  r.state = HeadScan::State::Error;
  r.error = HttpError{status, reason};
  return r;
}

const char* find(const char* p, char c, std::size_t n) noexcept {
  return n == 0 ? nullptr : static_cast<const char*>(std::memchr(p, c, n));
}

}  // namespace

HeadScan scan_head(std::string_view buf, std::size_t& scanned, const HeadLimits& limits, bool is_response) {
  const Statuses st = is_response ? Statuses{502, 502, 502} : Statuses{400, 414, 431};
  HeadScan r;
  if (scanned > buf.size()) scanned = 0;  // the caller shrank the buffer: start over

  // Leading empty lines (request side only; RFC 9112 §2.2). Bounded, so recounting is cheap.
  std::size_t lead = 0;
  if (!is_response) {
    while (lead < buf.size() && buf[lead] == '\r') {
      if (lead + 1 == buf.size()) {
        r.leading_crlf = lead;
        return r;  // a lone CR so far: wait for its LF
      }
      if (buf[lead + 1] != '\n') return fail(r, st.bad, "bare CR in head");
      lead += 2;
      if (lead > 2 * kMaxLeadingEmptyLines) return fail(r, st.bad, "too many empty lines before request line");
    }
  }
  r.leading_crlf = lead;
  if (lead == buf.size()) return r;

  const char* const data = buf.data();
  const std::size_t end = buf.size();
  const std::size_t head_end = lead + std::min(limits.max_head_bytes, end - lead);  // scan no further
  std::size_t p = std::max(scanned, lead);

  if (p == lead) {
    // Start line: `scanned` stays at `lead` until the line is complete, so this part is re-searched
    // on each call (bounded by max_start_line); the field lines after it are scanned once.
    const std::size_t avail = end - lead;
    const std::size_t window = std::min(avail, limits.max_start_line + 2);
    const char* base = data + lead;
    const char* cr = find(base, '\r', window);
    const std::size_t cr_pos = cr != nullptr ? static_cast<std::size_t>(cr - base) : window;
    // The first offending byte decides, so that any split of the input gives the same status: a
    // bare LF within the allowed length is a 400; a line that reaches max_start_line + 1 bytes
    // without its CR is a 414.
    if (const char* lf = find(base, '\n', cr_pos); lf != nullptr) {
      if (static_cast<std::size_t>(lf - base) <= limits.max_start_line) return fail(r, st.bad, "bare LF in start line");
      return fail(r, st.long_line, "start line too long");
    }
    if (cr == nullptr) {
      if (avail > limits.max_start_line) return fail(r, st.long_line, "start line too long");
      if (avail > limits.max_head_bytes) return fail(r, st.too_big, "head too large");
      scanned = lead;
      return r;
    }
    if (cr_pos > limits.max_start_line) return fail(r, st.long_line, "start line too long");
    if (cr_pos + 1 == avail) {
      scanned = lead;
      return r;  // CR is the last byte so far
    }
    if (base[cr_pos + 1] != '\n') return fail(r, st.bad, "bare CR in start line");
    if (cr_pos == 0) return fail(r, st.bad, "empty start line");
    p = lead + cr_pos + 2;
    if (p - lead > limits.max_head_bytes) return fail(r, st.too_big, "head too large");
    scanned = p;
  }

  // Field lines. Invariant: `p` never points just after a CR (we stop *at* a trailing CR), and
  // data[p - 1] is either the LF of the previous line or an ordinary byte of the current line.
  while (true) {
    if (p >= head_end) {
      if (end - lead > limits.max_head_bytes) return fail(r, st.too_big, "head too large");
      scanned = p;
      return r;
    }
    const std::size_t n = head_end - p;
    const char* lf = find(data + p, '\n', n);
    const std::size_t seg = lf != nullptr ? static_cast<std::size_t>(lf - (data + p)) : n;
    const char* cr = find(data + p, '\r', seg);
    if (lf == nullptr) {
      if (cr != nullptr && cr != data + p + seg - 1) return fail(r, st.bad, "bare CR in head");
      if (end - lead > limits.max_head_bytes) return fail(r, st.too_big, "head too large");
      scanned = cr != nullptr ? static_cast<std::size_t>(cr - data) : head_end;
      return r;
    }
    if (seg == 0 || data[p + seg - 1] != '\r') return fail(r, st.bad, "bare LF in head");
    if (cr != data + p + seg - 1) return fail(r, st.bad, "bare CR in head");
    const std::size_t lf_at = p + seg;
    // The line is empty when its CR directly follows the previous line's LF. lf_at >= lead + 3
    // here (a start line of at least one byte plus CRLF precedes), so lf_at - 2 is in range.
    if (data[lf_at - 2] == '\n') {
      r.state = HeadScan::State::Complete;
      r.head_length = lf_at + 1;
      scanned = lf_at + 1;
      return r;
    }
    p = lf_at + 1;
  }
}

}  // namespace portico::detail
