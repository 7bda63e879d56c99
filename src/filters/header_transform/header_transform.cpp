// The header-transform filter: compiled edits with placeholders, applied to the upstream request
// (after the forwarding headers) and to the response head (before it is written, streamed or not).

#include "portico/filters/header_transform.hpp"

#include <algorithm>

#include "filters/header_transform/template.hpp"

namespace portico::filters {

namespace {

using detail::ValueTemplate;

struct CompiledEdit {
  HeaderEdit::Kind kind;
  std::string name;
  ValueTemplate value;
  ValueTemplate find;
  ValueTemplate replace;
  bool slash_replace = false;  // find is one placeholder (a base URL): the replacement ends in '/' too
};

/// Every occurrence of `find` in `text` replaced (as .NET's string.Replace).
std::string replace_all(std::string_view text, std::string_view find, std::string_view with) {
  if (find.empty()) return std::string(text);
  std::string out;
  std::size_t from = 0;
  for (;;) {
    auto at = text.find(find, from);
    if (at == std::string_view::npos) break;
    out.append(text.substr(from, at - from));
    out.append(with);
    from = at + find.size();
  }
  out.append(text.substr(from));
  return out;
}

HeaderField* first_field(std::vector<HeaderField>& fields, std::string_view name) noexcept {
  for (auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

/// Removes the fields named `name` that come after `kept`.
void erase_after(std::vector<HeaderField>& fields, const HeaderField& kept, std::string_view name) {
  auto next = fields.begin() + (&kept - fields.data()) + 1;
  fields.erase(std::remove_if(next, fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); }),
               fields.end());
}

void apply(const std::vector<CompiledEdit>& edits, const detail::PlaceholderContext& ctx, Headers& headers) {
  for (const auto& e : edits) {
    switch (e.kind) {
      case HeaderEdit::Kind::Remove:
        headers.remove(e.name);
        break;
      case HeaderEdit::Kind::Set:
      case HeaderEdit::Kind::Append:
      case HeaderEdit::Kind::SetIfAbsent: {
        // Rendered straight into the field's own string: no temporary value per edit.
        auto& fields = headers.fields();
        HeaderField* field = e.kind == HeaderEdit::Kind::Append ? nullptr : first_field(fields, e.name);
        if (field && e.kind == HeaderEdit::Kind::SetIfAbsent) break;
        if (field) {
          std::string old = std::move(field->value);
          field->value.clear();
          if (!e.value.render_to(ctx, field->value)) {
            field->value = std::move(old);  // a placeholder without a value: the edit is skipped
            break;
          }
          erase_after(fields, *field, e.name);  // Set leaves one field of the name
        } else {
          fields.push_back(HeaderField{e.name, {}});
          if (!e.value.render_to(ctx, fields.back().value)) fields.pop_back();
        }
        break;
      }
      case HeaderEdit::Kind::Replace: {
        // The first field of the name only (as Ocelot); nothing is rendered when it is absent.
        HeaderField* field = first_field(headers.fields(), e.name);
        if (!field) break;
        auto find = e.find.render(ctx);
        auto with = e.replace.render(ctx);
        if (!find || !with) break;
        if (e.slash_replace && (with->empty() || with->back() != '/')) *with += '/';
        if (field->value.find(*find) != std::string::npos) field->value = replace_all(field->value, *find, *with);
        break;
      }
    }
  }
}

class HeaderTransformFilter final : public Filter {
 public:
  HeaderTransformFilter(std::vector<CompiledEdit> request, std::vector<CompiledEdit> response, std::string base_url)
      : request_(std::move(request)), response_(std::move(response)), base_url_(std::move(base_url)) {}

  std::string_view name() const noexcept override { return "header_transform"; }
  Phase phase() const noexcept override { return Phase::Transform; }
  // make_header_transform refuses framing and hop-by-hop names, and values cannot smuggle a field.
  bool may_set_framing_fields() const noexcept override { return false; }

  void on_upstream_request(Exchange& ex, Request& upstream) const override {
    if (request_.empty()) return;
    apply(request_, detail::PlaceholderContext{ex, base_url_}, upstream.headers);
  }

  void on_response(Exchange& ex, Response& response) const override {
    if (response_.empty()) return;
    apply(response_, detail::PlaceholderContext{ex, base_url_}, response.headers);
  }

 private:
  std::vector<CompiledEdit> request_;
  std::vector<CompiledEdit> response_;
  std::string base_url_;
};

Result<std::vector<CompiledEdit>> compile(const std::vector<HeaderEdit>& edits, std::string_view side) {
  std::vector<CompiledEdit> out;
  out.reserve(edits.size());
  for (std::size_t i = 0; i < edits.size(); ++i) {
    const HeaderEdit& e = edits[i];
    const std::string where = std::string(side) + "[" + std::to_string(i) + "]";
    if (!detail::is_header_name(e.name))
      return make_error(Errc::InvalidConfig, "expected a header name (an HTTP token), got \"" + e.name + "\"",
                        where + ".name");
    if (detail::is_framing_field(e.name))
      return make_error(Errc::InvalidConfig, "\"" + e.name + "\" frames the message; only the gateway sets it",
                        where + ".name");
    CompiledEdit c{e.kind, e.name, {}, {}, {}, false};
    auto parse = [&](const std::string& text, std::string_view field, ValueTemplate& slot) -> Result<void> {
      auto t = ValueTemplate::parse(text);
      if (!t) return make_error(Errc::InvalidConfig, t.error().message, where + "." + std::string(field));
      slot = std::move(*t);
      return {};
    };
    switch (e.kind) {
      case HeaderEdit::Kind::Remove: break;
      case HeaderEdit::Kind::Set:
      case HeaderEdit::Kind::Append:
      case HeaderEdit::Kind::SetIfAbsent:
        if (auto r = parse(e.value, "value", c.value); !r) return std::move(r).error();
        break;
      case HeaderEdit::Kind::Replace:
        if (e.find.empty()) return make_error(Errc::InvalidConfig, "the text to find is empty", where + ".find");
        if (auto r = parse(e.find, "find", c.find); !r) return std::move(r).error();
        if (auto r = parse(e.replace, "replace", c.replace); !r) return std::move(r).error();
        c.slash_replace = c.find.is_single_placeholder();
        break;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Result<FilterPtr> make_header_transform(HeaderTransformConfig config) {
  auto request = compile(config.request, "request");
  if (!request) return std::move(request).error();
  auto response = compile(config.response, "response");
  if (!response) return std::move(response).error();
  if (!config.base_url.empty() && !detail::is_field_value(config.base_url))
    return make_error(Errc::InvalidConfig, "the base URL has characters a header cannot carry", "base_url");
  // A trailing slash is dropped so that "{BaseUrl}/path" reads naturally.
  while (!config.base_url.empty() && config.base_url.back() == '/') config.base_url.pop_back();
  return FilterPtr(std::make_shared<HeaderTransformFilter>(std::move(*request), std::move(*response),
                                                           std::move(config.base_url)));
}

}  // namespace portico::filters
