#pragma once
/// The built-in filters by name, for configs that name their filters (a host's own JSON, or
/// ocelot.json's DelegatingHandlers). Registered explicitly: nothing registers itself.

#include "portico/filter.hpp"

namespace portico::filters {

/// Adds every built-in filter's factory to `registry` under its name. Each factory reads its own
/// JSON shape (documented on the filter's page); an unknown key is an error at its path.
///   "HeaderTransform": {"Upstream": {"X-A": "v"}, "Downstream": {"Location": "a, b"}, "BaseUrl": "https://gw"}
///   "RequestId":       {"Header": "X-Request-Id", "ReturnOnResponse": true}
void register_builtin_filters(FilterRegistry& registry);

}  // namespace portico::filters
