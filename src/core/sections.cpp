// SectionRegistry: the host's ocelot.json sections (key → filter factory), checked as they are added.

#include "portico/config/sections.hpp"

#include "portico/http.hpp"

namespace portico::config {

Result<void> SectionRegistry::add(Section section) {
  auto refuse = [](std::string message) {
    return make_error(Errc::InvalidArgument, std::move(message), "SectionRegistry::add");
  };
  if (section.keys.empty()) return refuse("a section needs at least one key");
  if (!section.factory) return refuse("a section needs a factory");
  for (std::size_t i = 0; i < section.keys.size(); ++i) {
    const auto& key = section.keys[i];
    if (key.empty()) return refuse("a section key must not be empty");
    if (find(key)) return refuse("the key \"" + key + "\" belongs to another section");
    for (std::size_t j = 0; j < i; ++j)
      if (iequals(section.keys[j], key)) return refuse("the key \"" + key + "\" is given twice");
  }
  sections_.push_back(std::move(section));
  return {};
}

const Section* SectionRegistry::find(std::string_view key) const noexcept {
  for (const auto& s : sections_)
    for (const auto& k : s.keys)
      if (iequals(k, key)) return &s;
  return nullptr;
}

}  // namespace portico::config
