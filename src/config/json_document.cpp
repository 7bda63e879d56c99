// JsonDocument::parse: ocelot.json's relaxed JSON → strict JSON → simdjson DOM → Portico's own tree.

#include <simdjson.h>

#include <unordered_set>

#include "config/json_document.hpp"
#include "config/json_relaxed.hpp"
#include "core/json_tree.hpp"
#include "http/text.hpp"

namespace portico::detail {

namespace dom = simdjson::dom;
using config::JsonNode;

/// Nesting is bounded by the syntax checker (1024), so the recursion is bounded too.
Result<void> to_json_tree(dom::element in, JsonValue& out, const std::string& path) {
  switch (in.type()) {
    case dom::element_type::NULL_VALUE:
      out.kind = JsonNode::Kind::Null;
      return {};
    case dom::element_type::BOOL:
      out.kind = JsonNode::Kind::Bool;
      out.boolean = in.get_bool().value_unsafe();
      return {};
    case dom::element_type::INT64:
      out.kind = JsonNode::Kind::Number;
      out.integral = true;
      out.integer = in.get_int64().value_unsafe();
      out.number = static_cast<double>(out.integer);
      out.text = simdjson::minify(in);
      return {};
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      out.kind = JsonNode::Kind::Number;
      out.number = in.get_double().value_unsafe();
      out.text = simdjson::minify(in);
      return {};
    case dom::element_type::STRING:
      out.kind = JsonNode::Kind::String;
      out.text = std::string(in.get_string().value_unsafe());
      return {};
    case dom::element_type::ARRAY: {
      out.kind = JsonNode::Kind::Array;
      dom::array array;
      if (in.get_array().get(array) != simdjson::SUCCESS) break;
      std::size_t i = 0;
      for (dom::element item : array) {
        auto& slot = out.items.emplace_back();
        if (auto r = to_json_tree(item, slot, path + "[" + std::to_string(i) + "]"); !r) return r;
        ++i;
      }
      return {};
    }
    case dom::element_type::OBJECT: {
      out.kind = JsonNode::Kind::Object;
      std::unordered_set<std::string> seen;  // lower-cased keys
      dom::object object;
      if (in.get_object().get(object) != simdjson::SUCCESS) break;
      for (dom::key_value_pair kv : object) {
        std::string key(kv.key);
        std::string child_path = path.empty() ? key : path + "." + key;
        if (!seen.insert(detail::to_lower(key)).second)
          return make_error(Errc::InvalidConfig,
                            "duplicate key (keys are case-insensitive; the same key is given earlier in the object)",
                            child_path);
        auto& m = out.members.emplace_back();
        m.key = std::move(key);
        if (auto r = to_json_tree(kv.value, m.value, child_path); !r) return r;
      }
      return {};
    }
  }
  return make_error(Errc::InvalidConfig, "unsupported JSON value", path);
}

Result<void> parse_relaxed_json(std::string_view text, simdjson::dom::parser& parser, simdjson::dom::element& root) {
  auto syntax_error = [&](const JsonSyntaxError& e) {
    auto at = text_position(text, e.offset);
    return make_error(Errc::InvalidConfig, "invalid JSON at line " + std::to_string(at.line) + ", column " +
                                               std::to_string(at.column) + ": " + e.message);
  };
  std::string strict;
  if (auto e = relax_json(text, strict)) return syntax_error(*e);
  if (auto e = find_json_syntax_error(strict)) return syntax_error(*e);
  simdjson::padded_string padded(strict);
  if (auto code = parser.parse(padded).get(root); code != simdjson::SUCCESS)
    return make_error(Errc::InvalidConfig, std::string("invalid JSON: ") + simdjson::error_message(code));
  return {};
}

}  // namespace portico::detail

namespace portico::config {

Result<JsonDocument> JsonDocument::parse(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto ok = detail::parse_relaxed_json(text, parser, root); !ok) return std::move(ok).error();
  auto tree = std::make_shared<detail::JsonValue>();
  if (auto r = detail::to_json_tree(root, *tree, {}); !r) return std::move(r).error();
  return JsonDocumentAccess::make(std::move(tree));
}

}  // namespace portico::config
