#pragma once
// Internal: Ocelot-style templates compiled into part lists and matched by hand (never std::regex).
// Used by the router for upstream path/query templates, UpstreamHeaderTemplates and rewrites.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/router.hpp"
#include "portico/error.hpp"

namespace portico::detail {

/// One piece of a template: literal text (lower-cased when the template is case-insensitive) or a
/// placeholder name without braces ("id", "header:version").
struct TemplatePart {
  bool placeholder = false;
  std::string text;
};

/// Which placeholders a template may hold and how strictly it is checked.
enum class TemplateSyntax {
  Path,     ///< upstream path: `{name}`, adjacent placeholders rejected, `{header:x}` rejected
  Query,    ///< the `?...` part of an upstream template: as Path
  Header,   ///< UpstreamHeaderTemplates value: only `{header:name}`, adjacent placeholders rejected
  Rewrite,  ///< downstream template: `{name}` and `{header:name}`
};

/// Splits `text` into literal and placeholder parts (consecutive literal text merged). The Error
/// carries only a message (offsets in it are `text` offsets plus `offset`); callers add `where`.
Result<std::vector<TemplatePart>> parse_template(std::string_view text, TemplateSyntax syntax,
                                                 std::size_t offset = 0);

/// How placeholders behave in match_parts.
struct PartsMatchMode {
  bool case_insensitive = true;  ///< literals are stored lower-cased in that case
  std::size_t min_value = 0;     ///< shortest placeholder value (1: non-empty)
  char stop = '\0';              ///< a value never contains this byte ('\0': no restriction)
  bool anchored = true;          ///< the parts must consume all of `text`
};

/// Matches `parts` against `text` from its start, pushing one capture per placeholder. A placeholder
/// ends at the first later occurrence of the literal after it (at the end of `text` when that literal
/// is the last part and the match is anchored), or at `stop`/the end when it is the last part.
/// Returns the end position, or npos. Captures pushed before a failure stay; callers clear them.
std::size_t match_parts(const TemplatePart* first, const TemplatePart* last, std::string_view text,
                        const PartsMatchMode& mode, Captures& out) noexcept;

/// A compiled upstream template (`/api/{x}/items?unitId={u}`), Ocelot semantics (see routing.md).
class UpstreamTemplate {
 public:
  /// Parses and validates; the Error carries only a message (the router adds `where`).
  static Result<UpstreamTemplate> compile(std::string_view text, bool case_sensitive);

  /// Matches the normalized path and raw query; pushes the path captures in template order, then
  /// the query captures. Values are views into `path` / `query`.
  bool match(std::string_view path, std::string_view query, Captures& out) const noexcept;

  /// Placeholder names in capture order (path first, then query).
  const std::vector<std::string>& names() const noexcept { return names_; }
  /// How many of names() come from the path part (the rest come from the query part).
  std::size_t path_capture_count() const noexcept { return path_names_; }
  /// The leading whole-literal segments (lower-cased when case-insensitive), for the router's index.
  const std::vector<std::string>& literal_prefix() const noexcept { return literal_prefix_; }
  /// True for the template exactly `/{x}` (matches everything; default priority 0).
  bool is_lone_catch_all() const noexcept { return lone_catch_all_; }
  bool case_sensitive() const noexcept { return case_sensitive_; }

 private:
  enum class Tail : std::uint8_t {
    None,          ///< the last placeholder is followed by '/', or there is none
    WholeSegment,  ///< the final segment is exactly `{p}`: `/x`, `/x/`, `/x/a/b` all match
    Embedded,      ///< the last placeholder sits inside the final segment: `/x/v{p}.json`
  };
  using Segment = std::vector<TemplatePart>;

  bool match_path(std::string_view path, Captures& out) const noexcept;
  bool match_query(std::string_view query, Captures& out) const noexcept;

  std::vector<Segment> segments_;  // without the final empty segment of a trailing '/'
  bool root_ = false;              // the template path is exactly "/"
  bool trailing_slash_optional_ = false;
  Tail tail_ = Tail::None;
  std::size_t tail_index_ = 0;  // Embedded: the tail placeholder's index in the last segment
  std::string tail_suffix_;     // Embedded: the literal after the tail placeholder
  bool has_query_ = false;
  bool query_catch_all_ = false;  // `?{everything}`
  std::vector<TemplatePart> query_parts_;
  std::vector<std::string> names_;
  std::size_t path_names_ = 0;
  std::vector<std::string> literal_prefix_;
  bool lone_catch_all_ = false;
  bool case_sensitive_ = false;
};

/// A compiled UpstreamHeaderTemplates value: the whole header value must match; `{header:x}` parts
/// capture non-empty text.
class HeaderTemplate {
 public:
  static Result<HeaderTemplate> compile(std::string_view text, bool case_sensitive);
  bool match(std::string_view value, Captures& out) const noexcept;
  /// Placeholder names in capture order ("header:x").
  const std::vector<std::string>& names() const noexcept { return names_; }

 private:
  std::vector<TemplatePart> parts_;
  std::vector<std::string> names_;
  bool case_sensitive_ = false;
};

/// ASCII comparison of `lit` (lower-cased when `ci`) with `text` at `pos`.
bool literal_at(std::string_view text, std::size_t pos, std::string_view lit, bool ci) noexcept;

}  // namespace portico::detail
