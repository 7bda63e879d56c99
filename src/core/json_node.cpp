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

}  // namespace

Kind JsonNode::kind() const noexcept { return value_ ? value_->kind : Kind::Absent; }

JsonNode JsonNode::operator[](std::string_view key) const {
  if (value_ && value_->kind == Kind::Object) {
    for (const auto& m : value_->members) {
      if (iequals(m.key, key)) {
        m.read = true;
        return JsonNode(owner_, &m.value, member_path(path_, m.key));
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
      out.emplace_back(m.key, JsonNode(owner_, &m.value, member_path(path_, m.key)));
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
    if (!m.read) out.push_back(Warning{member_path(path_, m.key), "unknown key, ignored"});
    m.read = true;
  }
  return out;
}

JsonNode JsonDocument::root(std::string root_path) const {
  return JsonNode(tree_, tree_.get(), std::move(root_path));
}

}  // namespace portico::config
