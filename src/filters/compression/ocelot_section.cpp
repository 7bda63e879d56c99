#include "filters/compression/ocelot_section.hpp"

#include "portico/filters/compression.hpp"

namespace portico::filters::detail {

Result<FilterPtr> compression_from(const config::JsonNode& node) {
  auto cfg = compression_config_from(node);
  if (!cfg) return std::move(cfg).error();
  if (auto unread = node.unread_keys(); !unread.empty())
    return make_error(Errc::InvalidConfig, "unknown key", unread.front().where);
  auto made = make_compression(std::move(*cfg));
  if (!made) return make_error(made.error().code, made.error().message, node.path());
  return made;
}

Result<FilterPtr> compression_section(const config::SectionInput& in) {
  auto options = in.node["CompressionOptions"];
  if (!options.present()) return FilterPtr{};
  if (!options.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + options.describe(), options.path());
  // "Enabled": false lets a route opt out of GlobalConfiguration's compression.
  if (auto e = options["Enabled"]; e.present()) {
    auto on = e.as_bool();
    if (!on) return std::move(on).error();
    if (!*on) return FilterPtr{};
  }
  auto cfg = compression_config_from(options);
  if (!cfg) return std::move(cfg).error();
  auto made = make_compression(std::move(*cfg));
  if (!made) return make_error(made.error().code, made.error().message, options.path());
  return made;
}

}  // namespace portico::filters::detail
