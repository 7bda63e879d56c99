// Request::make: a Request built from a method and a target the way the engine would parse it.

#include "http/codec.hpp"
#include "portico/http.hpp"

namespace portico {

Request Request::make(std::string method, std::string target, Headers headers, std::string body) {
  Request r;
  r.method = std::move(method);
  r.target = target.empty() ? std::string("/") : std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);

  detail::TargetParts parts;
  if (!detail::split_target(r.method, r.target, parts)) {
    // Absolute-form: the authority becomes the Host, as the engine does.
    if (parts.form == detail::TargetParts::Form::Absolute) r.headers.set("Host", std::string(parts.authority));
    r.query.assign(parts.query);
    if (parts.form == detail::TargetParts::Form::Asterisk) {
      r.path.assign(1, '*');  // not `= "*"`: g++ 12 -O3 reports a false -Wrestrict on that (GCC bug 105329)
    } else if (detail::normalize_path(parts.raw_path, EncodedSlashes::Keep, r.path)) {
      r.path.assign(parts.raw_path);  // not normalizable: keep the raw path
    }
    return r;
  }
  // Not a valid target: split at the first '?' and keep both parts raw.
  const std::string_view t = r.target;
  const auto q = t.find('?');
  r.path.assign(t.substr(0, q));
  r.query.assign(q == std::string_view::npos ? std::string_view{} : t.substr(q + 1));
  if (std::string normalized; !detail::normalize_path(r.path, EncodedSlashes::Keep, normalized))
    r.path = std::move(normalized);
  return r;
}

}  // namespace portico
