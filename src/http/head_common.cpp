#include "http/head_common.hpp"

#include <cstring>

#include "http/text.hpp"
#include "http/chars.hpp"
#include "portico/http.hpp"

namespace portico::detail::head {

namespace {

/// Calls `fn(element)` for each OWS-trimmed element of a comma list; stops when it returns false.
template <typename Fn>
bool for_each_element(std::string_view list, Fn&& fn) {
  while (true) {
    const auto comma = list.find(',');
    if (!fn(trim(list.substr(0, comma)))) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

LineKind next_field_line(std::string_view& rest, FieldLine& out, std::string_view& why) noexcept {
  const void* lf_ptr = rest.empty() ? nullptr : std::memchr(rest.data(), '\n', rest.size());
  if (lf_ptr == nullptr) {
    why = "head not terminated by an empty line";
    return LineKind::Error;
  }
  const auto lf = static_cast<std::size_t>(static_cast<const char*>(lf_ptr) - rest.data());
  if (lf == 0 || rest[lf - 1] != '\r') {
    why = "bare LF in head";
    return LineKind::Error;
  }
  const std::string_view line = rest.substr(0, lf - 1);
  rest.remove_prefix(lf + 1);
  if (line.empty()) return LineKind::End;
  if (line.front() == ' ' || line.front() == '\t') {
    why = "obs-fold (line starting with whitespace)";
    return LineKind::Error;
  }
  const void* colon_ptr = std::memchr(line.data(), ':', line.size());
  if (colon_ptr == nullptr) {
    why = "field line without ':'";
    return LineKind::Error;
  }
  const auto colon = static_cast<std::size_t>(static_cast<const char*>(colon_ptr) - line.data());
  const std::string_view name = line.substr(0, colon);
  if (name.empty()) {
    why = "empty field name";
    return LineKind::Error;
  }
  if (!chars::all_of(name, chars::kToken)) {
    why = (name.back() == ' ' || name.back() == '\t') ? "whitespace before ':'" : "invalid byte in field name";
    return LineKind::Error;
  }
  const std::string_view value = trim(line.substr(colon + 1));
  if (!chars::all_field_value(value)) {
    why = "invalid byte in field value (CR, LF, NUL, CTL or DEL)";
    return LineKind::Error;
  }
  out.name = name;
  out.value = value;
  return LineKind::Field;
}

Known classify_name(std::string_view name) noexcept {
  switch (name.size()) {
    case 4: return iequals(name, "Host") ? Known::Host : Known::Other;
    case 6: return iequals(name, "Expect") ? Known::Expect : Known::Other;
    case 7: return iequals(name, "Upgrade") ? Known::Upgrade : Known::Other;
    case 10: return iequals(name, "Connection") ? Known::Connection : Known::Other;
    case 14: return iequals(name, "Content-Length") ? Known::ContentLength : Known::Other;
    case 17: return iequals(name, "Transfer-Encoding") ? Known::TransferEncoding : Known::Other;
    default: return Known::Other;
  }
}

bool merge_content_length(std::string_view value, std::optional<std::uint64_t>& length, bool& listed) noexcept {
  if (value.find(',') != std::string_view::npos) listed = true;
  return for_each_element(value, [&](std::string_view element) {
    const auto v = parse_decimal(element);  // 1*DIGIT, at most 19 digits: never overflows
    if (!v) return false;
    if (length && *length != *v) return false;
    length = *v;
    return true;
  });
}

TeVerdict classify_transfer_encoding(std::string_view value) noexcept {
  std::size_t elements = 0;
  std::size_t chunked = 0;
  bool malformed = false;
  for_each_element(value, [&](std::string_view element) {
    if (element.empty() || !chars::all_of(element, chars::kToken)) {
      malformed = true;
      return false;
    }
    ++elements;
    if (iequals(element, "chunked")) ++chunked;
    return true;
  });
  if (malformed || chunked > 1) return TeVerdict::Malformed;
  if (elements == 1 && chunked == 1) return TeVerdict::Chunked;
  return TeVerdict::Unsupported;
}

void scan_connection(std::string_view value, bool& close, bool& keep_alive, bool& names_framing) noexcept {
  for_each_element(value, [&](std::string_view element) {
    if (iequals(element, "close")) close = true;
    else if (iequals(element, "keep-alive")) keep_alive = true;
    else if (iequals(element, "content-length") || iequals(element, "transfer-encoding") || iequals(element, "host"))
      names_framing = true;
    return true;
  });
}

bool Framing::add(Known name, std::string_view value) noexcept {
  switch (name) {
    case Known::ContentLength:
      ++cl_count;
      return merge_content_length(value, content_length, cl_listed);
    case Known::TransferEncoding:
      ++te_count;
      te = value;
      return true;
    case Known::Connection: scan_connection(value, conn_close, conn_keep_alive, conn_names_framing); return true;
    default: return true;
  }
}

int parse_version(std::string_view v) noexcept {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7])) return -1;
  if (v[5] == '1' && v[7] == '1') return 11;
  if (v[5] == '1' && v[7] == '0') return 10;
  return 0;
}

long find_start_line(std::string_view head, std::size_t max_start_line, std::string_view& rest, int& status_hint,
                     std::string_view& why) noexcept {
  const std::size_t window = head.size() < max_start_line + 2 ? head.size() : max_start_line + 2;
  const void* lf_ptr = window == 0 ? nullptr : std::memchr(head.data(), '\n', window);
  status_hint = 0;
  if (lf_ptr == nullptr) {
    if (head.size() > max_start_line + 1 || (head.size() == max_start_line + 1 && head.back() != '\r')) {
      status_hint = 1;
      why = "start line too long";
    } else {
      why = "start line not terminated by CRLF";
    }
    return -1;
  }
  const auto lf = static_cast<std::size_t>(static_cast<const char*>(lf_ptr) - head.data());
  if (lf == 0 || head[lf - 1] != '\r') {
    status_hint = lf > max_start_line ? 1 : 0;
    why = lf > max_start_line ? "start line too long" : "bare LF in start line";
    return -1;
  }
  if (lf - 1 > max_start_line) {
    status_hint = 1;
    why = "start line too long";
    return -1;
  }
  rest = head.substr(lf + 1);
  return static_cast<long>(lf - 1);
}

}  // namespace portico::detail::head
