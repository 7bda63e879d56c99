// parse_request_head and split_target: the strict request side of the codec (RFC 9112 §2-§7).
// Single pass over the head; the only allocations are the Request's strings and header vector.

#include <string>

#include "http/text.hpp"
#include "http/codec.hpp"
#include "http/head_common.hpp"

namespace portico::detail {

namespace {

constexpr HttpError bad(std::string_view reason) { return HttpError{400, reason}; }

/// nginx's method rule: upper-case letters, '-' and '_' only (a subset of token); `get` is a 400.
bool is_method_token(std::string_view m) noexcept {
  if (m.empty()) return false;
  for (char c : m)
    if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

HttpError split_target(std::string_view method, std::string_view target, TargetParts& out) {
  out = TargetParts{};
  if (target.empty()) return bad("empty request-target");
  if (method == "CONNECT") {
    // authority-form: tunnelling is not supported
    return is_valid_authority(target) ? HttpError{501, "CONNECT is not supported"}
                                      : bad("invalid CONNECT request-target");
  }
  std::string_view rest;
  if (target.front() == '/') {
    out.form = TargetParts::Form::Origin;
    rest = target;
  } else if (target == "*") {
    if (method != "OPTIONS") return bad("asterisk-form request-target is only valid for OPTIONS");
    out.form = TargetParts::Form::Asterisk;
    out.raw_path = target;
    return {};
  } else {
    std::size_t scheme = 0;
    if (istarts_with(target, "http://")) scheme = 7;
    else if (istarts_with(target, "https://")) scheme = 8;
    else return bad("request-target is not origin-form or absolute-form");
    out.form = TargetParts::Form::Absolute;
    rest = target.substr(scheme);
    const auto auth_end = rest.find_first_of("/?#");
    out.authority = rest.substr(0, auth_end);
    if (!is_valid_authority(out.authority)) return bad("invalid authority in absolute-form request-target");
    rest = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  }
  const auto q = rest.find('?');
  out.raw_path = rest.substr(0, q);
  if (out.raw_path.empty()) out.raw_path = "/";  // absolute-form without a path
  if (q != std::string_view::npos) {
    out.query = rest.substr(q + 1);
    if (!is_valid_query(out.query)) return bad("invalid byte in query (CTL, space, '#' or non-ASCII)");
  }
  return {};
}

HttpError parse_request_head(std::string_view head, const HeadLimits& limits, RequestHead& out) {
  out = RequestHead{};
  for (std::size_t n = 0; n < kMaxLeadingEmptyLines && head.size() >= 2 && head[0] == '\r' && head[1] == '\n'; ++n)
    head.remove_prefix(2);

  // ---- request line: method SP request-target SP HTTP-version --------------------------------
  std::string_view rest;
  std::string_view why;
  int hint = 0;
  const long line_len = head::find_start_line(head, limits.max_start_line, rest, hint, why);
  if (line_len < 0) return hint == 1 ? HttpError{414, why} : bad(why);
  if (head.size() > limits.max_head_bytes) return {431, "head too large"};
  const std::string_view line = head.substr(0, static_cast<std::size_t>(line_len));

  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return bad("malformed request line");
  const std::string_view method = line.substr(0, sp1);
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return bad("malformed request line");
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version_text = line.substr(sp2 + 1);
  if (!is_method_token(method)) return bad("invalid method (not upper-case letters, '-' or '_')");
  if (target.empty()) return bad("malformed request line");
  const int version = head::parse_version(version_text);
  if (version < 0) return bad("malformed HTTP version");
  if (version == 0) return {505, "HTTP version not supported"};

  if (method == "TRACE" && !limits.allow_trace) return {405, "TRACE is not allowed"};

  Request& req = out.request;
  req.version = version;
  req.method.assign(method);
  TargetParts parts;
  if (auto e = split_target(method, target, parts)) return e;
  req.target.assign(target);
  if (parts.form == TargetParts::Form::Asterisk) {
    req.path.assign(parts.raw_path);
  } else if (auto e = normalize_path(parts.raw_path, limits.encoded_slashes, req.path)) {
    return e;
  }
  req.query.assign(parts.query);

  // ---- field lines -----------------------------------------------------------------------------
  std::size_t host_count = 0;
  std::string_view host;
  head::Framing framing;
  bool expect_continue = false;
  bool expect_other = false;

  auto& fields = req.headers.fields();
  fields.reserve(16);
  head::FieldLine f;
  std::size_t field_lines = 0;
  while (true) {
    const std::size_t line_start = rest.size();
    const auto kind = head::next_field_line(rest, f, why);
    if (kind == head::LineKind::Error) return bad(why);
    if (kind == head::LineKind::End) break;
    if (line_start - rest.size() - 2 > limits.max_field_line) return {431, "header field line too long"};
    if (++field_lines > limits.max_field_count) return {431, "too many header fields"};
    if (f.name.find('_') != std::string_view::npos) {
      if (limits.underscores == UnderscoreHeaders::Reject) return bad("'_' in a header field name");
      if (limits.underscores == UnderscoreHeaders::Drop) continue;
    }
    const head::Known name = head::classify_name(f.name);
    switch (name) {
      case head::Known::Host:
        ++host_count;
        host = f.value;
        break;
      case head::Known::Expect:
        if (iequals(f.value, "100-continue")) expect_continue = true;
        else expect_other = true;
        break;
      case head::Known::Upgrade: out.upgrade = true; break;
      case head::Known::ContentLength:
      case head::Known::TransferEncoding:
      case head::Known::Connection:
        if (!framing.add(name, f.value)) return bad("invalid or differing Content-Length");
        break;
      case head::Known::Other: break;
    }
    fields.push_back(HeaderField{std::string(f.name), std::string(f.value)});
  }
  if (!rest.empty()) return bad("bytes after the end of the head");
  if (framing.conn_names_framing) return bad("Connection names Content-Length, Transfer-Encoding or Host");

  // ---- Host (RFC 9112 §3.2) ----------------------------------------------------------------
  if (host_count > 1) return bad("more than one Host field");
  if (host_count == 0 && version == 11) return bad("missing Host field");
  if (host_count == 1 && !is_valid_authority(host)) return bad("invalid Host field");
  if (parts.form == TargetParts::Form::Absolute) req.headers.set("Host", std::string(parts.authority));

  // ---- framing (RFC 9112 §6) -----------------------------------------------------------------
  if (framing.te_count > 0) {
    if (framing.cl_count > 0) return bad("both Content-Length and Transfer-Encoding");
    if (version == 10) return bad("Transfer-Encoding in an HTTP/1.0 request");
    if (framing.te_count > 1) return bad("more than one Transfer-Encoding field");
    switch (head::classify_transfer_encoding(framing.te)) {
      case head::TeVerdict::Chunked: out.body = BodyKind::Chunked; break;
      case head::TeVerdict::Malformed: return bad("malformed Transfer-Encoding");
      case head::TeVerdict::Unsupported: return {501, "unsupported Transfer-Encoding"};
    }
  } else if (framing.content_length) {
    out.body = BodyKind::ContentLength;
    out.content_length = *framing.content_length;
    if (framing.content_length_merged())
      req.headers.set("Content-Length", std::to_string(*framing.content_length));
  }

  // ---- expectations and connection -------------------------------------------------------------
  if (expect_other) return {417, "unsupported expectation"};
  out.expect_continue = expect_continue && version == 11;  // RFC 9110 §10.1.1: ignored in HTTP/1.0
  out.keep_alive = framing.keep_alive(version);
  return {};
}

}  // namespace portico::detail
