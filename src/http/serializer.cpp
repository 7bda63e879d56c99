// Head serializers: the last line of defence against header injection and response splitting
// (security.md §3.2). Every name and value is checked right before it is written.

#include "http/chars.hpp"
#include "http/codec.hpp"

namespace portico::detail {

namespace {

bool fields_valid(const Headers& headers, std::size_t& bytes) noexcept {
  for (const auto& f : headers) {
    if (!is_token(f.name) || !is_field_value(f.value)) return false;
    bytes += f.name.size() + f.value.size() + 4;
  }
  return true;
}

void append_fields(const Headers& headers, std::string& out) {
  for (const auto& f : headers) {
    out.append(f.name);
    out.append(": ");
    out.append(f.value);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace

bool serialize_request_head(std::string_view method, std::string_view target, const Headers& headers,
                            std::string& out) {
  std::size_t bytes = method.size() + target.size() + 13;
  if (!is_token(method) || target.empty() || !chars::all_of(target, chars::kQuery)) return false;
  if (!fields_valid(headers, bytes)) return false;
  out.reserve(out.size() + bytes + 2);
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
  append_fields(headers, out);
  return true;
}

bool serialize_response_head(int status, std::string_view reason, const Headers& headers, std::string& out) {
  if (status < 100 || status > 999) return false;
  if (reason.empty()) reason = reason_phrase(status);
  if (!is_field_value(reason)) return false;
  std::size_t bytes = reason.size() + 15;
  if (!fields_valid(headers, bytes)) return false;
  out.reserve(out.size() + bytes + 2);
  out.append("HTTP/1.1 ");
  out.push_back(static_cast<char>('0' + status / 100));
  out.push_back(static_cast<char>('0' + status / 10 % 10));
  out.push_back(static_cast<char>('0' + status % 10));
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
  append_fields(headers, out);
  return true;
}

}  // namespace portico::detail
