#include <charconv>
#include <cmath>

#include "core/json_tree.hpp"
#include "http/text.hpp"
#include "portico/http.hpp"

namespace portico::detail {

namespace {

std::string_view trim_space(std::string_view s) noexcept {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::int64_t> parse_integer_text(std::string_view s) noexcept {
  s = trim_space(s);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!negative && v > kMax) return std::nullopt;
  if (negative && v > kMax + 1) return std::nullopt;
  if (negative) return v == kMax + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(v);
  return static_cast<std::int64_t>(v);
}

std::optional<double> parse_number_text(std::string_view s) noexcept {
  s = trim_space(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool_text(std::string_view s) noexcept {
  s = trim_space(s);
  if (iequals(s, "true")) return true;
  if (iequals(s, "false")) return false;
  return std::nullopt;
}

std::string range_text(std::int64_t lo, std::int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

std::string range_text(double lo, double hi) {
  auto fmt = [](double d) {
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return ec == std::errc() ? std::string(buf, p) : std::string("?");
  };
  return fmt(lo) + ".." + fmt(hi);
}

std::string quote_for_message(std::string_view s) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  append_json_escaped(out, s.substr(0, kMaxShown));
  if (s.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

}  // namespace portico::detail

namespace portico::config {

using detail::JsonValue;
using Kind = JsonNode::Kind;

namespace {

std::string member_path(const std::string& base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out = base;
  out += '.';
  out += key;
  return out;
}

std::string item_path(const std::string& base, std::size_t i) {
  std::string out = base;
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

// The path of member `m` of the object at `parent`: its own when a merge inherited it.
std::string member_path(const std::string& parent, const detail::JsonMember& m) {
  return m.path.empty() ? member_path(parent, m.key) : m.path;
}

const detail::JsonMember* find_member(const JsonValue& object, std::string_view key) {
  for (const auto& m : object.members)
    if (iequals(m.key, key)) return &m;
  return nullptr;
}

void set_marks(const JsonValue& v, bool read) {
  for (const auto& m : v.members) {
    m.read = read;
    set_marks(m.value, read);
  }
  for (const auto& item : v.items) set_marks(item, read);
}

// `out` = the object `over` (at over_path) laid over the object `base` (at base_path); see JsonNode::merge.
// Recursion is bounded by the documents' nesting.
void merge_objects(const JsonValue& base, const std::string& base_path, const JsonValue& over,
                   const std::string& over_path, JsonValue& out) {
  out.kind = Kind::Object;
  for (const auto& b : base.members) {
    const auto* o = find_member(over, b.key);
    if (o && o->value.kind != Kind::Null) continue;  // the overlay's, below
    auto& m = out.members.emplace_back();
    m.key = b.key;
    m.path = member_path(base_path, b);
    m.value = b.value;
    set_marks(m.value, false);
  }
  for (const auto& o : over.members) {
    const auto* b = find_member(base, o.key);
    if (o.value.kind == Kind::Null && b) continue;  // null counts as absent: base's member was kept above
    auto& m = out.members.emplace_back();
    m.key = o.key;
    m.path = o.path;
    if (b && b->value.kind == Kind::Object && o.value.kind == Kind::Object) {
      merge_objects(b->value, member_path(base_path, *b), o.value, member_path(over_path, o), m.value);
    } else {
      m.value = o.value;
      set_marks(m.value, false);
    }
  }
}

void collect_unread(const JsonValue& v, const std::string& path, std::vector<Warning>& out) {
  if (v.kind == Kind::Object) {
    for (const auto& m : v.members) {
      std::string p = member_path(path, m);
      if (!m.read) {
        m.read = true;
        set_marks(m.value, true);  // warned as a whole: a second call stays quiet
        out.push_back(Warning{std::move(p), "unknown key, ignored"});
      } else {
        collect_unread(m.value, p, out);
      }
    }
  } else if (v.kind == Kind::Array) {
    for (std::size_t i = 0; i < v.items.size(); ++i) collect_unread(v.items[i], item_path(path, i), out);
  }
}

}  // namespace

Kind JsonNode::kind() const noexcept { return value_ ? value_->kind : Kind::Absent; }

JsonNode JsonNode::operator[](std::string_view key) const {
  if (value_ && value_->kind == Kind::Object) {
    for (const auto& m : value_->members) {
      if (iequals(m.key, key)) {
        m.read = true;
        return JsonNode(owner_, &m.value, member_path(path_, m));
      }
    }
  }
  return JsonNode(owner_, nullptr, member_path(path_, key));
}

JsonNode JsonNode::operator[](std::size_t index) const {
  if (value_ && value_->kind == Kind::Array && index < value_->items.size())
    return JsonNode(owner_, &value_->items[index], item_path(path_, index));
  return JsonNode(owner_, nullptr, item_path(path_, index));
}

std::vector<std::pair<std::string, JsonNode>> JsonNode::children() const {
  std::vector<std::pair<std::string, JsonNode>> out;
  if (!value_) return out;
  if (value_->kind == Kind::Object) {
    out.reserve(value_->members.size());
    for (const auto& m : value_->members) {
      m.read = true;
      out.emplace_back(m.key, JsonNode(owner_, &m.value, member_path(path_, m)));
    }
  } else if (value_->kind == Kind::Array) {
    out.reserve(value_->items.size());
    for (std::size_t i = 0; i < value_->items.size(); ++i)
      out.emplace_back(std::string(), JsonNode(owner_, &value_->items[i], item_path(path_, i)));
  }
  return out;
}

std::size_t JsonNode::size() const noexcept {
  if (!value_) return 0;
  if (value_->kind == Kind::Object) return value_->members.size();
  if (value_->kind == Kind::Array) return value_->items.size();
  return 0;
}

Error JsonNode::error(std::string message) const { return make_error(Errc::InvalidConfig, std::move(message), path_); }

std::string JsonNode::describe() const {
  switch (kind()) {
    case Kind::Absent: return "nothing";
    case Kind::Null: return "null";
    case Kind::Bool: return value_->boolean ? "true" : "false";
    case Kind::Number: return value_->text;
    case Kind::String: return detail::quote_for_message(value_->text);
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
  }
  return "a value";
}

Result<std::string> JsonNode::as_string() const {
  if (!present()) return error("a string is required");
  if (kind() != Kind::String) return error("expected a string, got " + describe());
  return value_->text;
}

Result<std::int64_t> JsonNode::as_integer(std::int64_t lo, std::int64_t hi) const {
  if (!present()) return error("an integer " + detail::range_text(lo, hi) + " is required");
  std::optional<std::int64_t> v;
  if (kind() == Kind::Number && value_->integral) v = value_->integer;
  else if (kind() == Kind::String) v = detail::parse_integer_text(value_->text);
  if (!v || *v < lo || *v > hi) return error("expected an integer " + detail::range_text(lo, hi) + ", got " + describe());
  return *v;
}

Result<double> JsonNode::as_number(double lo, double hi) const {
  if (!present()) return error("a number is required");
  std::optional<double> v;
  if (kind() == Kind::Number) v = value_->number;
  else if (kind() == Kind::String) v = detail::parse_number_text(value_->text);
  if (!v || *v < lo || *v > hi) return error("expected a number " + detail::range_text(lo, hi) + ", got " + describe());
  return *v;
}

Result<bool> JsonNode::as_bool() const {
  if (!present()) return error("true or false is required");
  if (kind() == Kind::Bool) return value_->boolean;
  if (kind() == Kind::String)
    if (auto b = detail::parse_bool_text(value_->text)) return *b;
  return error("expected true or false, got " + describe());
}

Result<std::vector<std::string>> JsonNode::as_strings() const {
  if (!present()) return error("an array of strings is required");
  if (kind() != Kind::Array) return error("expected an array of strings, got " + describe());
  std::vector<std::string> out;
  out.reserve(value_->items.size());
  for (std::size_t i = 0; i < value_->items.size(); ++i) {
    auto s = (*this)[i].as_string();
    if (!s) return std::move(s).error();
    out.push_back(std::move(*s));
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> JsonNode::as_string_pairs() const {
  if (!present()) return error("an object of strings is required");
  if (kind() != Kind::Object) return error("expected an object of strings, got " + describe());
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [key, child] : children()) {
    auto s = child.as_string();
    if (!s) return std::move(s).error();
    out.emplace_back(key, std::move(*s));
  }
  return out;
}

Result<JsonNode> JsonNode::as_object() const {
  if (!present()) return error("an object is required");
  if (kind() != Kind::Object) return error("expected an object, got " + describe());
  return *this;
}

std::vector<std::string> JsonNode::unread_key_names() const {
  std::vector<std::string> out;
  if (kind() != Kind::Object) return out;
  for (const auto& m : value_->members)
    if (!m.read) out.push_back(m.key);
  return out;
}

std::vector<Warning> JsonNode::unread_keys() const {
  std::vector<Warning> out;
  if (kind() != Kind::Object) return out;
  for (const auto& m : value_->members) {
    if (!m.read) out.push_back(Warning{member_path(path_, m), "unknown key, ignored"});
    m.read = true;
  }
  return out;
}

std::vector<Warning> JsonNode::unread_keys_below() const {
  std::vector<Warning> out;
  if (value_) collect_unread(*value_, path_, out);
  return out;
}

JsonNode JsonNode::merge(const JsonNode& base, const JsonNode& overlay) {
  if (!overlay.present()) return base;
  if (!base.present()) return overlay;
  if (!base.is_object() || !overlay.is_object()) return overlay;
  auto tree = std::make_shared<JsonValue>();
  merge_objects(*base.value_, base.path_, *overlay.value_, overlay.path_, *tree);
  return JsonNode(tree, tree.get(), overlay.path_);
}

JsonNode JsonDocument::root(std::string root_path) const {
  return JsonNode(tree_, tree_.get(), std::move(root_path));
}

}  // namespace portico::config
