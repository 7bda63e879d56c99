// A small strict JSON reader for JOSE headers, claims and JWK Sets: bounded depth and width,
// duplicate keys rejected (RFC 7515 §4: a JOSE header with duplicate names must be refused, and a
// claim read twice must not mean two things), UTF-8 checked, numbers kept as written.

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "filters/jwt/jose.hpp"
#include "http/text.hpp"

namespace portico::filters::jwt {

namespace {

class Parser {
 public:
  Parser(std::string_view s, JsonLimits limits, std::string& why) : s_(s), limits_(limits), why_(why) {}

  bool document(Json& out) {
    ws();
    if (!value(out, 0)) return false;
    ws();
    if (i_ != s_.size()) return fail("trailing characters after the JSON value");
    return true;
  }

 private:
  bool fail(const char* what) {
    if (why_.empty()) why_ = what;
    return false;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail("invalid JSON literal");
    i_ += word.size();
    return true;
  }

  bool value(Json& out, std::size_t depth) {
    if (i_ >= s_.size()) return fail("unexpected end of JSON");
    switch (s_[i_]) {
      case '{': return object(out, depth + 1);
      case '[': return array(out, depth + 1);
      case '"': out.kind = Json::Kind::String; return string(out.text);
      case 't': out.kind = Json::Kind::Bool; out.boolean = true; return literal("true");
      case 'f': out.kind = Json::Kind::Bool; out.boolean = false; return literal("false");
      case 'n': out.kind = Json::Kind::Null; return literal("null");
      default: out.kind = Json::Kind::Number; return number(out.text);
    }
  }

  bool object(Json& out, std::size_t depth) {
    if (depth > limits_.max_depth) return fail("JSON nested too deeply");
    out.kind = Json::Kind::Object;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      if (out.members.size() >= limits_.max_members) return fail("JSON object has too many members");
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a JSON object key");
      auto& m = out.members.emplace_back();
      if (!string(m.first)) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':' in JSON object");
      ++i_;
      ws();
      if (!value(m.second, depth)) return false;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        break;
      }
      return fail("expected ',' or '}' in JSON object");
    }
    // Duplicate keys: sort views of the keys, compare neighbours (n log n, whatever the input).
    std::vector<std::string_view> keys;
    keys.reserve(out.members.size());
    for (const auto& m : out.members) keys.emplace_back(m.first);
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return fail("duplicate key in JSON object");
    return true;
  }

  bool array(Json& out, std::size_t depth) {
    if (depth > limits_.max_depth) return fail("JSON nested too deeply");
    out.kind = Json::Kind::Array;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      if (out.items.size() >= limits_.max_members) return fail("JSON array has too many items");
      ws();
      if (!value(out.items.emplace_back(), depth)) return false;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return fail("expected ',' or ']' in JSON array");
    }
  }

  bool number(std::string& out) {
    const std::size_t start = i_;
    auto digits = [&] {
      std::size_t n = 0;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_, ++n;
      return n;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return fail("invalid JSON value");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return fail("invalid JSON number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return fail("invalid JSON number");
    }
    out.assign(s_.substr(start, i_ - start));
    return true;
  }

  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool hex4(std::uint32_t& v) {
    if (i_ + 4 > s_.size()) return fail("invalid \\u escape in JSON string");
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return fail("invalid \\u escape in JSON string");
    }
    return true;
  }

  // One UTF-8 sequence starting at i_ (a lead byte ≥ 0x80), copied when well-formed and shortest.
  bool utf8(std::string& out) {
    const auto b0 = static_cast<unsigned char>(s_[i_]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 1, cp = b0 & 0x1F;
    else if (b0 >= 0xE0 && b0 <= 0xEF) n = 2, cp = b0 & 0x0F;
    else if (b0 >= 0xF0 && b0 <= 0xF4) n = 3, cp = b0 & 0x07;
    else return fail("invalid UTF-8 in JSON string");
    if (i_ + n >= s_.size()) return fail("invalid UTF-8 in JSON string");
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s_[i_ + k]);
      if ((b & 0xC0) != 0x80) return fail("invalid UTF-8 in JSON string");
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return fail("invalid UTF-8 in JSON string");
    out.append(s_.substr(i_, n + 1));
    i_ += n + 1;
    return true;
  }

  bool string(std::string& out) {
    ++i_;  // the opening quote
    for (;;) {
      if (i_ >= s_.size()) return fail("unterminated JSON string");
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in JSON string");
      if (static_cast<unsigned char>(c) >= 0x80) {
        if (!utf8(out)) return false;
        continue;
      }
      if (c != '\\') {
        out.push_back(c);
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) return fail("unterminated JSON string");
      const char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("unpaired surrogate in JSON string");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t lo = 0;
            if (s_.substr(i_, 2) != "\\u") return fail("unpaired surrogate in JSON string");
            i_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("unpaired surrogate in JSON string");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: return fail("invalid escape in JSON string");
      }
    }
  }

  std::string_view s_;
  JsonLimits limits_;
  std::string& why_;
  std::size_t i_ = 0;
};

void dump_string(std::string& out, std::string_view s) {
  out.push_back('"');
  portico::detail::append_json_escaped(out, s);
  out.push_back('"');
}

void dump_to(std::string& out, const Json& v) {
  switch (v.kind) {
    case Json::Kind::Null: out += "null"; break;
    case Json::Kind::Bool: out += v.boolean ? "true" : "false"; break;
    case Json::Kind::Number: out += v.text; break;
    case Json::Kind::String: dump_string(out, v.text); break;
    case Json::Kind::Array:
      out.push_back('[');
      for (std::size_t k = 0; k < v.items.size(); ++k) {
        if (k) out.push_back(',');
        dump_to(out, v.items[k]);
      }
      out.push_back(']');
      break;
    case Json::Kind::Object:
      out.push_back('{');
      for (std::size_t k = 0; k < v.members.size(); ++k) {
        if (k) out.push_back(',');
        dump_string(out, v.members[k].first);
        out.push_back(':');
        dump_to(out, v.members[k].second);
      }
      out.push_back('}');
      break;
  }
}

}  // namespace

std::optional<double> Json::number() const noexcept {
  if (kind != Kind::Number) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return d;
}

std::string Json::dump() const {
  std::string out;
  dump_to(out, *this);
  return out;
}

std::optional<Json> parse_json(std::string_view text, std::string& why, JsonLimits limits) {
  why.clear();
  Json out;
  Parser p(text, limits, why);
  if (!p.document(out)) return std::nullopt;
  return out;
}

}  // namespace portico::filters::jwt
