#include "core/error_render.hpp"

namespace portico::detail {

Response render_error(const ErrorRenderer* route, const ErrorRenderer& global, const ErrorInfo& info) noexcept {
  const ErrorRenderer* r = route && *route ? route : (global ? &global : nullptr);
  Response out;
  try {
    out = r ? (*r)(info) : render_problem(info);
  } catch (...) {
    try {
      out = render_problem(info);
    } catch (...) {
      out = Response{};  // out of memory: an empty body with the right status
    }
  }
  out.status = info.status;
  out.reason.clear();
  return out;
}

}  // namespace portico::detail
