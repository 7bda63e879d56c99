#include "portico/route.hpp"

#include "http/text.hpp"

namespace portico {

Route::Route(std::string id) : id_(std::move(id)) {}

Route& Route::methods(std::initializer_list<std::string_view> methods) {
  for (auto m : methods) method(m);
  return *this;
}

Route& Route::method(std::string_view method) {
  std::string upper(method);
  for (auto& c : upper) c = detail::ascii_upper(c);
  for (const auto& m : methods_)
    if (m == upper) return *this;
  methods_.push_back(std::move(upper));
  return *this;
}

Route& Route::path(std::string path_template) {
  path_ = std::move(path_template);
  return *this;
}

Route& Route::get(std::string t) { return method("GET").path(std::move(t)); }
Route& Route::post(std::string t) { return method("POST").path(std::move(t)); }
Route& Route::put(std::string t) { return method("PUT").path(std::move(t)); }
Route& Route::patch(std::string t) { return method("PATCH").path(std::move(t)); }
Route& Route::del(std::string t) { return method("DELETE").path(std::move(t)); }

Route& Route::host(std::string pattern) {
  hosts_.push_back(std::move(pattern));
  return *this;
}

Route& Route::header(std::string name, std::optional<std::string> equals) {
  headers_.push_back(FieldMatch{std::move(name), std::move(equals)});
  return *this;
}

Route& Route::header_template(std::string name, std::string value_template) {
  header_templates_.emplace_back(std::move(name), std::move(value_template));
  return *this;
}

Route& Route::query(std::string name, std::optional<std::string> equals) {
  queries_.push_back(FieldMatch{std::move(name), std::move(equals)});
  return *this;
}

Route& Route::priority(int priority) {
  priority_ = priority;
  return *this;
}

Route& Route::case_sensitive(bool on) {
  case_sensitive_ = on;
  return *this;
}

Route& Route::rewrite(std::string downstream_template) {
  rewrite_ = std::move(downstream_template);
  return *this;
}

Route& Route::to(std::string upstream_name) {
  upstream_name_ = std::move(upstream_name);
  inline_upstream_.reset();
  return *this;
}

Route& Route::to(Upstream upstream) {
  upstream_name_ = upstream.name().empty() ? id_ : upstream.name();
  inline_upstream_ = std::move(upstream);
  return *this;
}

Route& Route::filter(FilterPtr filter) {
  filters_.push_back(std::move(filter));
  return *this;
}

Route& Route::preserve_host(bool on) {
  preserve_host_ = on;
  return *this;
}

Route& Route::forward_client_host(bool on) {
  forward_client_host_ = on;
  return *this;
}

Route& Route::error_renderer(ErrorRenderer renderer) {
  error_renderer_ = std::move(renderer);
  return *this;
}

Route& Route::timeout(std::chrono::milliseconds total) {
  timeout_ = total;
  return *this;
}

Route& Route::downstream_method(std::string method) {
  for (auto& c : method) c = detail::ascii_upper(c);
  downstream_method_ = std::move(method);
  return *this;
}

}  // namespace portico
