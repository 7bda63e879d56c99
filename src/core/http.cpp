#include "portico/http.hpp"

#include <algorithm>

#include "http/text.hpp"

namespace portico {

void Headers::add(std::string name, std::string value) {
  fields_.push_back(HeaderField{std::move(name), std::move(value)});
}

void Headers::set(std::string_view name, std::string value) {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
  if (it == fields_.end()) {
    fields_.push_back(HeaderField{std::string(name), std::move(value)});
    return;
  }
  it->value = std::move(value);
  auto next = std::next(it);
  fields_.erase(std::remove_if(next, fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }),
                fields_.end());
}

std::size_t Headers::remove(std::string_view name) {
  auto before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }),
                fields_.end());
  return before - fields_.size();
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return std::string_view(f.value);
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_)
    if (iequals(f.name, name)) out.emplace_back(f.value);
  return out;
}

bool Headers::has(std::string_view name) const { return get(name).has_value(); }

std::size_t Headers::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }));
}

std::string Request::host() const {
  auto h = headers.get("Host");
  if (!h) return {};
  std::string_view v = detail::trim(*h);
  if (!v.empty() && v.front() == '[') {  // [IPv6]:port
    auto close = v.find(']');
    v = close == std::string_view::npos ? v : v.substr(0, close + 1);
  } else if (auto colon = v.rfind(':'); colon != std::string_view::npos) {
    v = v.substr(0, colon);
  }
  return detail::to_lower(v);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::cookie(std::string_view name) const {
  for (const auto& f : headers) {
    if (!iequals(f.name, "Cookie")) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = detail::trim(rest.substr(0, semi));
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && detail::trim(pair.substr(0, eq)) == name) {
        std::string_view v = detail::trim(pair.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return v;
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.add("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.add("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::problem(int status, std::string_view detail_text, std::string_view request_id) {
  Response r;
  r.status = status;
  r.headers.add("Content-Type", "application/problem+json");
  std::string body = "{\"type\":\"about:blank\",\"title\":\"";
  detail::append_json_escaped(body, reason_phrase(status));
  body += "\",\"status\":";
  body += std::to_string(status);
  if (!detail_text.empty()) {
    body += ",\"detail\":\"";
    detail::append_json_escaped(body, detail_text);
    body += '"';
  }
  if (!request_id.empty()) {
    body += ",\"request_id\":\"";
    detail::append_json_escaped(body, request_id);
    body += '"';
  }
  body += "}\n";
  r.body = std::move(body);
  return r;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

bool is_idempotent(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

}  // namespace portico
