// The loader's section table: route keys → filter factories, GlobalConfiguration merged under the route.

#include "config/ocelot_section_table.hpp"

#include <exception>
#include <memory>

#include "config/json_document.hpp"
#include "core/json_tree.hpp"
#include "portico/filters/builtin.hpp"
#include "portico/http.hpp"

namespace portico::config::sections {

namespace {

namespace dom = simdjson::dom;
using detail::fail;

bool is_empty_string(dom::element v) {
  std::string_view s;
  return v.get_string().get(s) == simdjson::SUCCESS && s.empty();
}

// `value` as member `key` of `tree` (an object), converted to Portico's tree.
void add_member(detail::JsonValue& tree, const std::string& key, dom::element value, const std::string& path) {
  auto& m = tree.members.emplace_back();
  m.key = key;
  if (auto ok = detail::to_json_tree(value, m.value, path); !ok)
    fail(ok.error().code, ok.error().where, ok.error().message);
}

JsonNode object_node(std::shared_ptr<const detail::JsonValue> tree, std::string path) {
  return JsonDocumentAccess::make(std::move(tree)).root(std::move(path));
}

}  // namespace

Result<SectionTable> SectionTable::make(const SectionRegistry* host) {
  SectionTable t;
  if (auto ok = filters::register_builtin_sections(t.table_); !ok) return std::move(ok).error();
  t.builtin_count_ = t.table_.sections().size();
  if (host) {
    for (const auto& s : host->sections()) {
      if (auto ok = t.table_.add(s); !ok)
        return make_error(Errc::InvalidArgument,
                          "a host section takes a key of a built-in section (" + ok.error().message + ")",
                          "OcelotLoadOptions::sections");
    }
  }
  return t;
}

void SectionTable::check_not_loader_key(const JsonObject& o, std::size_t index) const {
  if (!host_section(index)) return;
  for (const auto& key : table_.sections()[index].keys)
    if (o.asked(key))
      fail(Errc::InvalidArgument, "OcelotLoadOptions::sections",
           "the key \"" + key + "\" is read by the ocelot.json loader itself; a host section cannot take it");
}

void SectionTable::read_global(JsonObject& g) {
  const auto& all = table_.sections();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!all[i].allow_global) continue;
    check_not_loader_key(g, i);
    for (const auto& key : all[i].keys) {
      auto v = g.get(key);
      if (!v || (all[i].empty_string_is_absent && is_empty_string(*v))) continue;
      global_.emplace_back(key, *v);
    }
  }
}

const dom::element* SectionTable::global_value(std::string_view key) const {
  for (const auto& [k, v] : global_)
    if (k == key) return &v;
  return nullptr;
}

void SectionTable::warn_once(JsonObject& o, Warning w) {
  if (warned_.insert(w.where + '\n' + w.message).second) o.warnings().push_back(std::move(w));
}

void SectionTable::apply(JsonObject& r, const RouteFacts& facts, Route& route) {
  const auto& all = table_.sections();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Section& section = all[i];
    check_not_loader_key(r, i);
    auto own = std::make_shared<detail::JsonValue>();
    auto inherited = std::make_shared<detail::JsonValue>();
    own->kind = inherited->kind = JsonNode::Kind::Object;
    std::string first_path;  // where an error without its own `where` is reported
    for (const auto& key : section.keys) {
      if (auto v = r.get(key); v && !(section.empty_string_is_absent && is_empty_string(*v))) {
        add_member(*own, key, *v, r.path_of(key));
        if (first_path.empty()) first_path = r.path_of(key);
      }
      if (const auto* g = section.allow_global ? global_value(key) : nullptr) {
        add_member(*inherited, key, *g, "GlobalConfiguration." + key);
        if (first_path.empty()) first_path = "GlobalConfiguration." + key;
      }
    }
    if (first_path.empty()) continue;  // a route that does not use the section pays nothing for it

    const JsonNode global = object_node(inherited, "GlobalConfiguration");
    const JsonNode node = JsonNode::merge(global, object_node(own, r.path()));
    std::vector<Warning> warned;
    const SectionInput input{node,           facts.id, facts.key, r.path(), facts.upstream_path_template,
                             facts.base_url, global.size() ? global : JsonNode{}, &warned};
    Result<FilterPtr> made = FilterPtr{};
    try {
      made = section.factory(input);
    } catch (const std::exception& e) {
      fail(Errc::InvalidConfig, first_path, std::string("the section's factory threw: ") + e.what());
    } catch (...) {
      fail(Errc::InvalidConfig, first_path, "the section's factory threw");
    }
    if (!made) {
      const auto& e = made.error();
      fail(e.code, e.where.empty() ? first_path : e.where, e.message);
    }
    for (auto& w : warned) warn_once(r, std::move(w));
    for (const auto& key : section.keys)
      for (auto& w : node[key].unread_keys_below()) warn_once(r, std::move(w));
    if (*made) route.filter(std::move(*made));
  }
}

}  // namespace portico::config::sections
