#pragma once
// Internal: request ids, made by the engine and checked when a client sends one.

#include <string>
#include <string_view>

namespace portico::detail {

/// A new random request id (16 lower-case hex digits).
std::string generate_request_id();

/// True if a client-sent request id is acceptable to keep (1..128 visible ASCII characters).
bool is_acceptable_request_id(std::string_view id) noexcept;

}  // namespace portico::detail
