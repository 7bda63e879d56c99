#include "config/json_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "config/ocelot_values.hpp"
#include "core/json_tree.hpp"
#include "http/text.hpp"
#include "portico/http.hpp"

namespace portico::detail {

namespace dom = simdjson::dom;

void fail(Errc code, std::string where, std::string message) {
  throw ReadFailure{make_error(code, std::move(message), std::move(where))};
}

std::string describe(dom::element v) {
  switch (v.type()) {
    case dom::element_type::STRING:
      return quote_for_message(v.get_string().value_unsafe());
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return simdjson::minify(v);
    case dom::element_type::BOOL: {
      return v.get_bool().value_unsafe() ? "true" : "false";
    }
    case dom::element_type::NULL_VALUE:
      return "null";
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
  }
  return "a value";
}

std::string index_path(std::string_view base, std::size_t i) {
  std::string out(base);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

std::string as_string(dom::element v, const std::string& where) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) fail(where, "expected a string, got " + describe(v));
  return std::string(s);
}

std::int64_t as_integer(dom::element v, const std::string& where, std::int64_t lo, std::int64_t hi) {
  std::optional<std::int64_t> value;
  switch (v.type()) {
    case dom::element_type::INT64: {
      value = v.get_int64().value_unsafe();
      break;
    }
    case dom::element_type::STRING: {
      value = parse_integer_text(v.get_string().value_unsafe());
      break;
    }
    default:
      break;  // UINT64 is above every range used; doubles are not integers (as .NET)
  }
  if (!value || *value < lo || *value > hi)
    fail(where, "expected an integer " + range_text(lo, hi) + ", got " + describe(v));
  return *value;
}

double as_number(dom::element v, const std::string& where, double lo, double hi) {
  std::optional<double> value;
  switch (v.type()) {
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      double d = 0;
      if (v.get_double().get(d) == simdjson::SUCCESS) value = d;
      break;
    }
    case dom::element_type::STRING: {
      value = parse_number_text(v.get_string().value_unsafe());
      break;
    }
    default:
      break;
  }
  if (!value || *value < lo || *value > hi)
    fail(where, "expected a number " + range_text(lo, hi) + ", got " + describe(v));
  return *value;
}

bool as_bool(dom::element v, const std::string& where) {
  bool b = false;
  if (v.get_bool().get(b) == simdjson::SUCCESS) return b;
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS)  // .NET's bool.Parse
    if (auto parsed = parse_bool_text(s)) return *parsed;
  fail(where, "expected true or false, got " + describe(v));
}

dom::array as_array(dom::element v, const std::string& where) {
  dom::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS) fail(where, "expected an array, got " + describe(v));
  return a;
}

std::vector<std::string> as_string_array(dom::element v, const std::string& where) {
  std::vector<std::string> out;
  std::size_t i = 0;
  for (dom::element item : as_array(v, where)) {
    auto item_where = index_path(where, i++);
    if (item.is_null()) fail(item_where, "expected a string, got null");
    out.push_back(as_string(item, item_where));
  }
  return out;
}

JsonObject::JsonObject(dom::object object, std::string path, std::vector<config::Warning>& warnings)
    : path_(std::move(path)), warnings_(&warnings) {
  members_.reserve(object.size());
  std::unordered_set<std::string> seen;  // lower-cased keys
  for (dom::key_value_pair kv : object) {
    if (!seen.insert(to_lower(kv.key)).second) {
      for (const auto& m : members_) {
        if (iequals(m.key, kv.key)) {
          fail(path_of(kv.key), "duplicate key (keys are case-insensitive; \"" + std::string(m.key) +
                                    "\" is given earlier in the same object)");
        }
      }
    }
    members_.push_back(Member{kv.key, kv.value, false});
  }
}

JsonObject JsonObject::from(dom::element v, std::string path, std::vector<config::Warning>& warnings) {
  dom::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) fail(path, "expected an object, got " + describe(v));
  return JsonObject(o, std::move(path), warnings);
}

JsonObject::Member* JsonObject::find(std::string_view key) {
  for (auto& m : members_)
    if (iequals(m.key, key)) return &m;
  return nullptr;
}

std::optional<dom::element> JsonObject::get(std::string_view key) {
  if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) asked_.emplace_back(key);
  Member* m = find(key);
  if (!m) return std::nullopt;
  m->known = true;
  if (m->value.is_null()) return std::nullopt;
  return m->value;
}

bool JsonObject::asked(std::string_view key) const {
  for (const auto& name : asked_)
    if (iequals(name, key)) return true;
  return false;
}

std::string JsonObject::path_of(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  std::string out = path_;
  out += '.';
  out += key;
  return out;
}

std::vector<std::pair<std::string_view, dom::element>> JsonObject::members() {
  std::vector<std::pair<std::string_view, dom::element>> out;
  out.reserve(members_.size());
  for (auto& m : members_) {
    m.known = true;
    out.emplace_back(m.key, m.value);
  }
  return out;
}

void JsonObject::finish() {
  std::vector<std::string_view> absent;  // names asked for that the object does not have
  for (const auto& name : asked_)
    if (!find(name)) absent.push_back(name);
  for (auto& m : members_) {
    if (!m.known) {
      std::string message = "unknown key, ignored";
      if (auto hint = closest_name(m.key, absent)) message += " (did you mean " + std::string(*hint) + "?)";
      warnings_->push_back(config::Warning{path_of(m.key), std::move(message)});
    }
    m.known = true;
  }
}

std::optional<std::string> JsonObject::string(std::string_view key) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return as_string(*v, path_of(key));
}

std::optional<std::int64_t> JsonObject::integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return as_integer(*v, path_of(key), lo, hi);
}

std::optional<double> JsonObject::number(std::string_view key, double lo, double hi) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return as_number(*v, path_of(key), lo, hi);
}

std::optional<bool> JsonObject::boolean(std::string_view key) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return as_bool(*v, path_of(key));
}

std::optional<std::vector<std::string>> JsonObject::strings(std::string_view key) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return as_string_array(*v, path_of(key));
}

std::optional<config::StringPairs> JsonObject::string_map(std::string_view key) {
  auto o = object(key);
  if (!o) return std::nullopt;
  config::StringPairs out;
  for (auto [k, v] : o->members()) {
    auto where = o->path_of(k);
    if (v.is_null()) fail(where, "expected a string, got null");
    out.emplace_back(std::string(k), as_string(v, where));
  }
  return out;
}

std::optional<JsonObject> JsonObject::object(std::string_view key) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return JsonObject::from(*v, path_of(key), *warnings_);
}

std::optional<dom::array> JsonObject::array(std::string_view key) {
  auto v = get(key);
  if (!v) return std::nullopt;
  return as_array(*v, path_of(key));
}

}  // namespace portico::detail
