#include "config/json_relaxed.hpp"

#include <cstdint>

namespace portico::detail {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s = "byte 0x";
  s += kHex[u >> 4];
  s += kHex[u & 15];
  return s;
}

// Recursive-descent checker over strict JSON; stops at the first error.
class SyntaxChecker {
 public:
  SyntaxChecker(std::string_view text, std::size_t max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> run() {
    skip_space();
    if (pos_ == s_.size()) return fail("the document is empty");
    if (!value(0)) return error_;
    skip_space();
    if (pos_ != s_.size()) return fail("unexpected " + describe_char(s_[pos_]) + " after the end of the JSON value");
    return std::nullopt;
  }

 private:
  std::optional<JsonSyntaxError> fail(std::string message) {
    error_ = JsonSyntaxError{pos_, std::move(message)};
    return error_;
  }
  bool error(std::string message) {
    fail(std::move(message));
    return false;
  }
  bool at_end() const noexcept { return pos_ >= s_.size(); }
  void skip_space() noexcept {
    while (pos_ < s_.size() && is_json_space(s_[pos_])) ++pos_;
  }

  bool value(std::size_t depth) {
    if (at_end()) return error("unexpected end of input: expected a value");
    char c = s_[pos_];
    switch (c) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        if (c == '\'') return error("unexpected ''': strings take double quotes");
        return error("unexpected " + describe_char(c) + ": expected a value");
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return error("invalid literal: expected a value (true, false or null)");
    pos_ += word.size();
    return true;
  }

  bool number() {
    if (s_[pos_] == '-') ++pos_;
    if (at_end() || !(s_[pos_] >= '0' && s_[pos_] <= '9')) return error("invalid number: expected a digit");
    if (s_[pos_] == '0') {
      ++pos_;
      if (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') return error("invalid number: leading zero");
    } else {
      while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    if (!at_end() && s_[pos_] == '.') {
      ++pos_;
      if (at_end() || !(s_[pos_] >= '0' && s_[pos_] <= '9')) return error("invalid number: expected a digit after '.'");
      while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    if (!at_end() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (!at_end() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (at_end() || !(s_[pos_] >= '0' && s_[pos_] <= '9')) return error("invalid number: expected an exponent");
      while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    }
    return true;
  }

  // One UTF-8 sequence starting at pos_ (a non-ASCII lead byte); advances past it.
  bool utf8_sequence() {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s_[pos_ + i]); };
    unsigned char c = b(0);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else
      return error("invalid UTF-8");
    if (pos_ + len > s_.size()) return error("invalid UTF-8 (truncated sequence)");
    for (std::size_t i = 1; i < len; ++i) {
      if ((b(i) & 0xC0) != 0x80) return error("invalid UTF-8");
      cp = (cp << 6) | (b(i) & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return error("invalid UTF-8");
    pos_ += len;
    return true;
  }

  bool hex4() {
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (at_end()) return error("unterminated string");
      char c = s_[pos_];
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex) return error("invalid \\u escape: expected 4 hex digits");
    }
    return true;
  }

  bool string() {
    std::size_t start = pos_;
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) {
        pos_ = start;
        return error("unterminated string");
      }
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        ++pos_;
        if (at_end()) {
          pos_ = start;
          return error("unterminated string");
        }
        char e = s_[pos_];
        if (e == 'u') {
          ++pos_;
          if (!hex4()) return false;
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          --pos_;
          return error("invalid escape sequence in a string");
        }
        ++pos_;
        continue;
      }
      if (c < 0x20) {
        if (c == '\n' || c == '\r') return error("line break inside a string (unterminated string?)");
        return error("control character inside a string (escape it)");
      }
      if (c >= 0x80) {
        if (!utf8_sequence()) return false;
        continue;
      }
      ++pos_;
    }
  }

  bool object(std::size_t depth) {
    if (depth > max_depth_) return error("nesting too deep");
    ++pos_;  // '{'
    skip_space();
    if (!at_end() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (at_end()) return error("unexpected end of input: expected a key or '}'");
      if (s_[pos_] != '"') return error("unexpected " + describe_char(s_[pos_]) + ": expected a key in double quotes");
      if (!string()) return false;
      skip_space();
      if (at_end()) return error("unexpected end of input: expected ':'");
      if (s_[pos_] != ':') return error("unexpected " + describe_char(s_[pos_]) + ": expected ':' after a key");
      ++pos_;
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (at_end()) return error("unexpected end of input: expected ',' or '}'");
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') return error("unexpected " + describe_char(s_[pos_]) + ": expected ',' or '}'");
      ++pos_;
    }
  }

  bool array(std::size_t depth) {
    if (depth > max_depth_) return error("nesting too deep");
    ++pos_;  // '['
    skip_space();
    if (!at_end() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (at_end()) return error("unexpected end of input: expected ',' or ']'");
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') return error("unexpected " + describe_char(s_[pos_]) + ": expected ',' or ']'");
      ++pos_;
    }
  }

  std::string_view s_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

TextPosition text_position(std::string_view text, std::size_t offset) noexcept {
  TextPosition p;
  std::size_t i = 0;
  if (text.substr(0, kBom.size()) == kBom) i = kBom.size();
  if (offset > text.size()) offset = text.size();
  for (; i < offset; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // count code points, not continuation bytes
      ++p.column;
    }
  }
  return p;
}

std::optional<JsonSyntaxError> relax_json(std::string_view text, std::string& out) {
  out.assign(text.data(), text.size());
  std::size_t i = 0;
  if (text.substr(0, kBom.size()) == kBom) {
    out.replace(0, kBom.size(), kBom.size(), ' ');
    i = kBom.size();
  }
  // The last significant character outside strings and comments, and for a comma, the one before it.
  char last = '\0';
  char before_comma = '\0';
  std::size_t comma_at = 0;
  const std::size_t n = text.size();
  while (i < n) {
    char c = text[i];
    if (c == '"') {
      std::size_t j = i + 1;
      while (j < n && text[j] != '"') j += (text[j] == '\\') ? 2 : 1;
      i = j < n ? j + 1 : n;  // an unterminated string is left for the syntax checker
      last = '"';
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      while (i < n && text[i] != '\n' && text[i] != '\r') out[i++] = ' ';
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      std::size_t start = i;
      out[i++] = ' ';
      out[i++] = ' ';
      for (;;) {
        if (i >= n) return JsonSyntaxError{start, "unterminated /* comment"};
        if (text[i] == '*' && i + 1 < n && text[i + 1] == '/') {
          out[i++] = ' ';
          out[i++] = ' ';
          break;
        }
        if (text[i] != '\n' && text[i] != '\r') out[i] = ' ';
        ++i;
      }
      continue;
    }
    if (is_json_space(c)) {
      ++i;
      continue;
    }
    if ((c == '}' || c == ']') && last == ',' && before_comma != '{' && before_comma != '[' && before_comma != ',' &&
        before_comma != '\0') {
      out[comma_at] = ' ';  // a trailing comma, as .NET's AllowTrailingCommas
    }
    if (c == ',') {
      before_comma = last;
      comma_at = i;
    }
    last = c;
    ++i;
  }
  return std::nullopt;
}

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text, std::size_t max_depth) {
  return SyntaxChecker(text, max_depth).run();
}

}  // namespace portico::detail
