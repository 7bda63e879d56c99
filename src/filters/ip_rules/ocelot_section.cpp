#include "filters/ip_rules/ocelot_section.hpp"

#include <functional>
#include <string>

#include "portico/filters/ip_rules.hpp"

namespace portico::filters::detail {

namespace {

/// Which members to take (all of them, or only those of the route's or of the global section).
using Take = std::function<bool(const config::JsonNode&)>;

/// Reads a list of strings, or nothing when absent or not taken.
Result<std::vector<std::string>> strings_of(const config::JsonNode& node, const Take& take) {
  if (!node.present() || !take(node)) return std::vector<std::string>{};
  return node.as_strings();
}

/// Reads the lists from `node` (keys `allowed_key`, `blocked_key`, `exclude_key`) and makes the
/// filter; an invalid entry is reported at its own path (`…IPAllowedList[2]`).
Result<FilterPtr> make_from(const config::JsonNode& node, std::string_view allowed_key, std::string_view blocked_key,
                            std::string_view exclude_key, int status, bool empty_is_none,
                            const Take& take = [](const config::JsonNode&) { return true; }) {
  IpRulesConfig cfg;
  cfg.status = status;
  auto allowed = strings_of(node[allowed_key], take);
  if (!allowed) return std::move(allowed).error();
  auto blocked = strings_of(node[blocked_key], take);
  if (!blocked) return std::move(blocked).error();
  cfg.allowed = std::move(*allowed);
  cfg.blocked = std::move(*blocked);
  if (auto e = node[exclude_key]; e.present() && take(e)) {
    auto b = e.as_bool();
    if (!b) return std::move(b).error();
    cfg.exclude_allowed_from_blocked = *b;
  }
  if (empty_is_none && cfg.allowed.empty() && cfg.blocked.empty()) return FilterPtr{};
  auto made = make_ip_rules(std::move(cfg));
  if (!made) {
    // "allowed[2]" → the entry's JSON path.
    const std::string& where = made.error().where;
    auto list = where.rfind("allowed", 0) == 0 ? node[allowed_key] : node[blocked_key];
    auto bracket = where.find('[');
    std::string path = bracket == std::string::npos ? node.path() : list.path() + where.substr(bracket);
    return make_error(made.error().code, made.error().message, std::move(path));
  }
  return made;
}

}  // namespace

Result<FilterPtr> ip_rules_from(const config::JsonNode& node) {
  if (node.present() && !node.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + node.describe(), node.path());
  int status = 403;
  if (auto s = node["Status"]; s.present()) {
    auto v = s.as_integer(400, 599);
    if (!v) return std::move(v).error();
    status = static_cast<int>(*v);
  }
  auto made = make_from(node, "Allowed", "Blocked", "ExcludeAllowedFromBlocked", status, false);
  if (!made) return made;
  if (auto unread = node.unread_keys(); !unread.empty())
    return make_error(Errc::InvalidConfig, "unknown key", unread.front().where);
  return made;
}

Result<FilterPtr> security_options_section(const config::SectionInput& in) {
  auto options = in.node["SecurityOptions"];
  if (!options.present()) return FilterPtr{};
  if (!options.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + options.describe(), options.path());
  // As Ocelot: the route's section when it has a non-empty list, otherwise GlobalConfiguration's,
  // whole (not merged key by key). A member's path says where it came from.
  std::string own_prefix(in.route_path);
  own_prefix += '.';
  auto own = [&](const config::JsonNode& n) { return n.path().rfind(own_prefix, 0) == 0; };
  auto own_list = [&](std::string_view key) {  // a list the route itself gives, not an empty one
    auto n = options[key];
    return n.present() && own(n) && !(n.is_array() && n.size() == 0);
  };
  const bool route_lists = own_list("IPAllowedList") || own_list("IPBlockedList");
  options["ExcludeAllowedFromBlocked"];  // looked at either way (not an unknown key)
  // Ocelot 25 answers a refused address 403 (earlier versions 401).
  if (route_lists)
    return make_from(options, "IPAllowedList", "IPBlockedList", "ExcludeAllowedFromBlocked", 403, true, own);
  auto global = in.global["SecurityOptions"];
  if (!global.present()) return FilterPtr{};
  if (!global.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + global.describe(), global.path());
  return make_from(global, "IPAllowedList", "IPBlockedList", "ExcludeAllowedFromBlocked", 403, true);
}

}  // namespace portico::filters::detail
