#pragma once
// Content negotiation for response compression: Accept-Encoding (RFC 9110 §12.5.3) and the
// content-type allow list.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace portico::filters::detail {

enum class Coding : std::uint8_t { Brotli, Gzip };

/// The coding's name as sent in Content-Encoding ("br", "gzip").
std::string_view coding_name(Coding c) noexcept;

/// Chooses a coding from the client's Accept-Encoding field values (every field of the request,
/// in order) among `offered` (the server's order of preference); returns its index in `offered`,
/// or -1 to send the body unencoded. Members are `coding [;q=qvalue]`, compared case-insensitively;
/// a coding's weight is its own member's (`x-gzip` counts as `gzip`), else that of `*`, else 0
/// (not acceptable). The highest weight above 0 wins, ties going to the earlier of `offered`; it
/// loses to `identity` only when identity is listed with a strictly higher weight. Malformed
/// members (a coding that is not a token, a bad qvalue, another parameter) are ignored. No field,
/// or an empty one, gives -1.
int choose_coding(std::span<const std::string_view> accept_encoding, std::span<const Coding> offered);

/// A media range of the allow list, lower-cased: "type/subtype", "type/*" or "*/*".
bool is_media_range(std::string_view range) noexcept;

/// True when the media type of `content_type` (parameters ignored, case-insensitive) matches one
/// of `ranges` (lower-cased media ranges).
bool content_type_allowed(std::string_view content_type, std::span<const std::string> ranges) noexcept;

}  // namespace portico::filters::detail
