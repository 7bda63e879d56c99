#include "core/path_template.hpp"

#include <algorithm>

#include "http/text.hpp"

namespace portico::detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

Error config_error(std::string message) { return make_error(Errc::InvalidConfig, std::move(message)); }

std::string braced(std::string_view name) {
  std::string s;
  s.reserve(name.size() + 2);
  s += '{';
  s += name;
  s += '}';
  return s;
}

// A placeholder name: printable ASCII without the bytes that delimit paths, queries and templates.
bool valid_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    switch (c) {
      case '/': case '?': case '&': case '=': case '#': case '%': case ':': case '{': case '}':
        return false;
      default:
        break;
    }
  }
  return true;
}

std::size_t find_literal(std::string_view text, std::string_view lit, std::size_t from, bool ci) noexcept {
  if (from > text.size() || text.size() - from < lit.size()) return npos;
  if (!ci) return text.find(lit, from);
  for (std::size_t i = from; i + lit.size() <= text.size(); ++i)
    if (literal_at(text, i, lit, true)) return i;
  return npos;
}

void lower_literals(std::vector<TemplatePart>& parts) {
  for (auto& p : parts)
    if (!p.placeholder)
      for (auto& c : p.text) c = ascii_lower(c);
}

// Appends the names of `parts` to `names`; an Error names the first duplicate.
Result<void> collect_names(const std::vector<TemplatePart>& parts, std::vector<std::string>& names) {
  for (const auto& p : parts) {
    if (!p.placeholder) continue;
    if (std::find(names.begin(), names.end(), p.text) != names.end())
      return config_error("duplicate placeholder '" + braced(p.text) + "'");
    names.push_back(p.text);
  }
  return {};
}

}  // namespace

bool literal_at(std::string_view text, std::size_t pos, std::string_view lit, bool ci) noexcept {
  if (pos > text.size() || text.size() - pos < lit.size()) return false;
  if (!ci) return text.compare(pos, lit.size(), lit) == 0;
  for (std::size_t i = 0; i < lit.size(); ++i)
    if (ascii_lower(text[pos + i]) != lit[i]) return false;
  return true;
}

Result<std::vector<TemplatePart>> parse_template(std::string_view text, TemplateSyntax syntax, std::size_t offset) {
  std::vector<TemplatePart> parts;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '}') return config_error("unbalanced '}' at offset " + std::to_string(offset + i));
    if (c != '{') {
      if (parts.empty() || parts.back().placeholder) parts.push_back(TemplatePart{false, {}});
      parts.back().text += c;
      ++i;
      continue;
    }
    const std::size_t close = text.find_first_of("{}", i + 1);
    if (close == npos || text[close] == '{')
      return config_error("unbalanced '{' at offset " + std::to_string(offset + i));
    const std::string_view name = text.substr(i + 1, close - i - 1);
    if (name.empty()) return config_error("empty placeholder '{}' at offset " + std::to_string(offset + i));
    constexpr std::string_view kHeader = "header:";
    const bool header = name.substr(0, kHeader.size()) == kHeader;
    if (header && syntax != TemplateSyntax::Header && syntax != TemplateSyntax::Rewrite)
      return config_error("'" + braced(name) + "' is only allowed in header templates and rewrites");
    if (!header && syntax == TemplateSyntax::Header)
      return config_error("placeholders in header templates must be written {header:name}, found '" + braced(name) +
                          "'");
    if (!valid_name(header ? name.substr(kHeader.size()) : name))
      return config_error("invalid placeholder name '" + braced(name) + "'");
    if (syntax != TemplateSyntax::Rewrite && !parts.empty() && parts.back().placeholder)
      return config_error("placeholders '" + braced(parts.back().text) + "' and '" + braced(name) +
                          "' must be separated by literal text");
    parts.push_back(TemplatePart{true, std::string(name)});
    i = close + 1;
  }
  return parts;
}

std::size_t match_parts(const TemplatePart* first, const TemplatePart* last, std::string_view text,
                        const PartsMatchMode& mode, Captures& out) noexcept {
  const bool ci = mode.case_insensitive;
  std::size_t pos = 0;
  for (const TemplatePart* it = first; it != last; ++it) {
    if (!it->placeholder) {
      if (!literal_at(text, pos, it->text, ci)) return npos;
      pos += it->text.size();
      continue;
    }
    const TemplatePart* next = it + 1;
    std::size_t end = 0;
    if (next == last) {
      end = text.size();
      if (!mode.anchored && mode.stop != '\0') end = std::min(text.find(mode.stop, pos), text.size());
    } else if (next->placeholder) {
      return npos;  // rejected by parse_template; never ambiguous here
    } else if (mode.anchored && next + 1 == last) {
      // The literal closes the text: the value runs up to it (`{b}_abcd` in "x_abcd_abcd" is "x_abcd").
      if (text.size() < next->text.size()) return npos;
      end = text.size() - next->text.size();
      if (end < pos) return npos;
    } else {
      end = find_literal(text, next->text, pos + mode.min_value, ci);
      if (end == npos) return npos;
    }
    if (end - pos < mode.min_value) return npos;
    const std::string_view value = text.substr(pos, end - pos);
    if (mode.stop != '\0' && value.find(mode.stop) != npos) return npos;
    out.push(it->text, value);
    pos = end;
  }
  if (mode.anchored && pos != text.size()) return npos;
  return pos;
}

Result<UpstreamTemplate> UpstreamTemplate::compile(std::string_view text, bool case_sensitive) {
  if (text.empty()) return config_error("the path template is empty");
  if (text.front() != '/') return config_error("the path template must start with '/'");
  if (text.find("://") != npos) return config_error("the path template must not contain a scheme");
  if (text.find("//") != npos) return config_error("the path template must not contain '//'");
  if (text.find('#') != npos) return config_error("the path template must not contain '#'");
  const std::size_t qmark = text.find('?');
  if (qmark != npos && text.find('?', qmark + 1) != npos)
    return config_error("the path template must contain at most one '?'");

  UpstreamTemplate t;
  t.case_sensitive_ = case_sensitive;
  const std::string_view path_text = text.substr(0, qmark);
  auto parts = parse_template(path_text, TemplateSyntax::Path);
  if (!parts) return std::move(parts).error();
  if (auto r = collect_names(*parts, t.names_); !r) return std::move(r).error();
  t.path_names_ = t.names_.size();
  if (qmark != npos) {
    const std::string_view query_text = text.substr(qmark + 1);
    if (query_text.empty()) return config_error("the query template after '?' is empty");
    auto qparts = parse_template(query_text, TemplateSyntax::Query, qmark + 1);
    if (!qparts) return std::move(qparts).error();
    if (auto r = collect_names(*qparts, t.names_); !r) return std::move(r).error();
    t.has_query_ = true;
    t.query_catch_all_ = qparts->size() == 1 && qparts->front().placeholder;
    t.query_parts_ = std::move(*qparts);
    if (!case_sensitive) lower_literals(t.query_parts_);
  }
  if (!case_sensitive) lower_literals(*parts);

  // Split into segments at '/'; the path starts with '/', so the first literal opens segment 0.
  for (auto& part : *parts) {
    if (part.placeholder) {
      t.segments_.back().push_back(std::move(part));
      continue;
    }
    for (char c : part.text) {
      if (c == '/') {
        t.segments_.emplace_back();
        continue;
      }
      auto& seg = t.segments_.back();
      if (seg.empty() || seg.back().placeholder) seg.push_back(TemplatePart{false, {}});
      seg.back().text += c;
    }
  }
  if (path_text == "/") {
    t.root_ = true;
    t.segments_.clear();
  } else if (t.segments_.back().empty()) {
    t.trailing_slash_optional_ = true;
    t.segments_.pop_back();
  }

  if (!t.root_ && !t.trailing_slash_optional_) {
    const Segment& last = t.segments_.back();
    for (std::size_t i = last.size(); i-- > 0;) {
      if (!last[i].placeholder) continue;
      if (last.size() == 1) {
        t.tail_ = Tail::WholeSegment;
      } else {
        t.tail_ = Tail::Embedded;
        t.tail_index_ = i;
        if (i + 1 < last.size()) t.tail_suffix_ = last[i + 1].text;
      }
      break;
    }
  }
  const std::size_t indexed = t.tail_ == Tail::None ? t.segments_.size() : t.segments_.size() - 1;
  for (std::size_t i = 0; i < indexed; ++i) {
    const Segment& seg = t.segments_[i];
    if (seg.size() != 1 || seg.front().placeholder) break;
    t.literal_prefix_.push_back(seg.front().text);
  }
  t.lone_catch_all_ = !t.has_query_ && t.segments_.size() == 1 && t.tail_ == Tail::WholeSegment;
  return t;
}

bool UpstreamTemplate::match(std::string_view path, std::string_view query, Captures& out) const noexcept {
  if (!match_path(path, out)) return false;
  return !has_query_ || match_query(query, out);
}

bool UpstreamTemplate::match_path(std::string_view path, Captures& out) const noexcept {
  if (root_) return path == "/";
  const bool ci = !case_sensitive_;
  const PartsMatchMode segment_mode{ci, 1, '\0', true};
  const std::size_t fixed = tail_ == Tail::None ? segments_.size() : segments_.size() - 1;
  std::size_t pos = 0;  // at the '/' that opens the next segment
  for (std::size_t i = 0; i < fixed; ++i) {
    if (pos >= path.size() || path[pos] != '/') return false;
    const std::size_t start = pos + 1;
    const std::size_t end = std::min(path.find('/', start), path.size());
    const Segment& seg = segments_[i];
    if (match_parts(seg.data(), seg.data() + seg.size(), path.substr(start, end - start), segment_mode, out) == npos)
      return false;
    pos = end;
  }
  const std::string_view rest = path.substr(pos);
  switch (tail_) {
    case Tail::None:
      // `/x/` matches "/x" and "/x/"; Ocelot's query form (`/x?a={a}`) also takes "/x/?a=1".
      return rest.empty() || (rest == "/" && (trailing_slash_optional_ || has_query_));
    case Tail::WholeSegment: {
      const std::string& name = segments_.back().front().text;
      if (rest.empty()) {
        out.push(name, rest);
        return true;
      }
      if (rest.front() != '/') return false;
      out.push(name, rest.substr(1));
      return true;
    }
    case Tail::Embedded: {
      if (rest.empty() || rest.front() != '/') return false;
      const std::string_view remainder = rest.substr(1);
      const std::string_view segment = remainder.substr(0, remainder.find('/'));
      const Segment& last = segments_.back();
      const std::size_t p = match_parts(last.data(), last.data() + tail_index_, segment, {ci, 1, '\0', false}, out);
      if (p == npos || remainder.size() < p + tail_suffix_.size()) return false;
      const std::size_t end = remainder.size() - tail_suffix_.size();
      if (!literal_at(remainder, end, tail_suffix_, ci)) return false;
      out.push(last[tail_index_].text, remainder.substr(p, end - p));
      return true;
    }
  }
  return false;
}

bool UpstreamTemplate::match_query(std::string_view query, Captures& out) const noexcept {
  if (query_catch_all_) {
    out.push(query_parts_.front().text, query);
    return true;
  }
  if (query.empty()) return false;
  const std::size_t end = match_parts(query_parts_.data(), query_parts_.data() + query_parts_.size(), query,
                                      {!case_sensitive_, 0, '&', false}, out);
  // Extra parameters may follow the template's ones, but only as whole parameters.
  return end != npos && (end == query.size() || query[end] == '&');
}

Result<HeaderTemplate> HeaderTemplate::compile(std::string_view text, bool case_sensitive) {
  auto parts = parse_template(text, TemplateSyntax::Header);
  if (!parts) return std::move(parts).error();
  HeaderTemplate t;
  if (auto r = collect_names(*parts, t.names_); !r) return std::move(r).error();
  if (!case_sensitive) lower_literals(*parts);
  t.parts_ = std::move(*parts);
  t.case_sensitive_ = case_sensitive;
  return t;
}

bool HeaderTemplate::match(std::string_view value, Captures& out) const noexcept {
  return match_parts(parts_.data(), parts_.data() + parts_.size(), value, {!case_sensitive_, 1, '\0', true}, out) !=
         npos;
}

}  // namespace portico::detail
