#pragma once
// Helpers for the codec unit tests (tests/unit/http_*.cpp).

#include <string>
#include <string_view>

#include "http/codec.hpp"

namespace portico::testing {

/// Parses a request head; returns the status (0 on success).
inline int request_status(std::string_view head, detail::RequestHead* out = nullptr,
                          const detail::HeadLimits& limits = {}) {
  detail::RequestHead local;
  auto e = detail::parse_request_head(head, limits, out ? *out : local);
  return e.status;
}

/// A request head with the given extra field lines (each "Name: value\r\n").
inline std::string get_with(std::string_view fields, std::string_view version = "HTTP/1.1") {
  std::string s = "GET / ";
  s += version;
  s += "\r\nHost: example.com\r\n";
  s += fields;
  s += "\r\n";
  return s;
}

/// A POST head with the given field lines (no Host added for the caller).
inline std::string post_with(std::string_view fields) {
  std::string s = "POST /upload HTTP/1.1\r\nHost: example.com\r\n";
  s += fields;
  s += "\r\n";
  return s;
}

/// Parses a response head for `method`; returns the status (0 on success).
inline int response_status(std::string_view head, detail::ResponseHead* out = nullptr,
                           std::string_view method = "GET", const detail::HeadLimits& limits = {}) {
  detail::ResponseHead local;
  auto e = detail::parse_response_head(head, method, limits, out ? *out : local);
  return e.status;
}

/// scan_head over the whole buffer in one call.
inline detail::HeadScan scan_once(std::string_view buf, bool is_response = false, const detail::HeadLimits& limits = {}) {
  std::size_t scanned = 0;
  return detail::scan_head(buf, scanned, limits, is_response);
}

/// scan_head fed one more byte per call, as a slow client would; stops at the first non-Incomplete.
inline detail::HeadScan scan_bytewise(std::string_view buf, bool is_response = false,
                                      const detail::HeadLimits& limits = {}) {
  std::size_t scanned = 0;
  detail::HeadScan r;
  for (std::size_t n = 1; n <= buf.size(); ++n) {
    r = detail::scan_head(buf.substr(0, n), scanned, limits, is_response);
    if (r.state != detail::HeadScan::State::Incomplete) return r;
  }
  return r;
}

}  // namespace portico::testing
