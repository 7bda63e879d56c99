#pragma once
/// Umbrella header: include this one to use Portico.

#include "portico/error.hpp"
#include "portico/executor.hpp"
#include "portico/filter.hpp"
#include "portico/gateway.hpp"
#include "portico/http.hpp"
#include "portico/route.hpp"
#include "portico/services.hpp"
#include "portico/upstream.hpp"
#include "portico/config/ocelot.hpp"
