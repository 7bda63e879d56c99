// Response compression: the decision from the response head, the streamed gzip and brotli
// transforms, and the filter's settings (C++ and JSON).

#include "portico/filters/compression.hpp"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "filters/compression/negotiate.hpp"
#include "http/text.hpp"

namespace portico::filters {

namespace {

using detail::Coding;

constexpr std::string_view kDecisionKey = "portico.encode";  // short: no allocation for the key
// Output grows in steps of this much while a piece is compressed; what deflate or brotli hold
// back between pieces is bounded by their window, so a piece's output stays near its input's size.
constexpr std::size_t kOutputStep = 16 * 1024;
// Brotli's window: 2^19 = 512 KiB per stream (the library's default, 4 MiB, is a lot per response).
constexpr int kBrotliWindowBits = 19;
// At quality 2 and above brotli merges blocks into metablocks of up to a MiB before it emits
// anything; a flush after this much input keeps what it holds back (and each burst) small. A flush
// costs a few bytes (the window is kept across it).
constexpr std::size_t kBrotliFlushBytes = 256 * 1024;

// ---- the transforms ----

class GzipTransform final : public BodyTransform {
 public:
  explicit GzipTransform(int level) {
    ok_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16 /* gzip wrapper */, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipTransform() override {
    if (ok_) deflateEnd(&z_);
  }
  GzipTransform(const GzipTransform&) = delete;
  GzipTransform& operator=(const GzipTransform&) = delete;

  Result<void> on_data(std::string& piece, bool end_of_stream) override {
    if (!ok_) return make_error(Errc::Internal, "gzip: deflateInit2 failed");
    if (finished_) return make_error(Errc::Internal, "gzip: data after the end of the stream");
    out_.clear();
    z_.next_in = reinterpret_cast<Bytef*>(piece.data());
    const int flush = end_of_stream ? Z_FINISH : Z_NO_FLUSH;
    std::size_t remaining = piece.size();
    std::size_t used = 0;
    for (;;) {
      // zlib's counters are 32-bit: feed a huge piece in slices.
      const auto slice = static_cast<uInt>(std::min<std::size_t>(remaining, std::numeric_limits<uInt>::max()));
      z_.avail_in = slice;
      const bool last_slice = slice == remaining;
      if (out_.size() - used < kOutputStep / 2) out_.resize(out_.size() + kOutputStep);
      z_.next_out = reinterpret_cast<Bytef*>(out_.data() + used);
      z_.avail_out = static_cast<uInt>(out_.size() - used);
      const int rc = deflate(&z_, last_slice ? flush : Z_NO_FLUSH);
      used = out_.size() - z_.avail_out;
      remaining -= slice - z_.avail_in;
      if (rc == Z_STREAM_END) {
        finished_ = true;
        break;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) return make_error(Errc::Internal, "gzip: deflate failed");
      // Done with this piece when the input is used up and deflate had output room left over.
      if (remaining == 0 && z_.avail_out != 0 && flush == Z_NO_FLUSH) break;
    }
    out_.resize(used);
    piece.swap(out_);  // out_ keeps the input's buffer for the next piece
    return {};
  }

 private:
  z_stream z_{};
  bool ok_ = false;
  bool finished_ = false;
  std::string out_;
};

class BrotliTransform final : public BodyTransform {
 public:
  BrotliTransform(int quality, std::uint64_t size_hint) : s_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (!s_) return;
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(quality));
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_LGWIN, kBrotliWindowBits);
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
    if (size_hint > 0 && size_hint < (1u << 30))
      BrotliEncoderSetParameter(s_, BROTLI_PARAM_SIZE_HINT, static_cast<std::uint32_t>(size_hint));
  }
  ~BrotliTransform() override {
    if (s_) BrotliEncoderDestroyInstance(s_);
  }
  BrotliTransform(const BrotliTransform&) = delete;
  BrotliTransform& operator=(const BrotliTransform&) = delete;

  Result<void> on_data(std::string& piece, bool end_of_stream) override {
    if (!s_) return make_error(Errc::Internal, "brotli: BrotliEncoderCreateInstance failed");
    if (BrotliEncoderIsFinished(s_)) return make_error(Errc::Internal, "brotli: data after the end of the stream");
    out_.clear();
    auto op = BROTLI_OPERATION_PROCESS;
    since_flush_ += piece.size();
    if (end_of_stream) {
      op = BROTLI_OPERATION_FINISH;
    } else if (since_flush_ >= kBrotliFlushBytes) {
      op = BROTLI_OPERATION_FLUSH;
      since_flush_ = 0;
    }
    std::size_t avail_in = piece.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(piece.data());
    std::size_t used = 0;
    for (;;) {
      if (out_.size() - used < kOutputStep / 2) out_.resize(out_.size() + kOutputStep);
      std::size_t avail_out = out_.size() - used;
      auto* next_out = reinterpret_cast<std::uint8_t*>(out_.data() + used);
      if (!BrotliEncoderCompressStream(s_, op, &avail_in, &next_in, &avail_out, &next_out, nullptr))
        return make_error(Errc::Internal, "brotli: BrotliEncoderCompressStream failed");
      used = out_.size() - avail_out;
      if (end_of_stream ? BrotliEncoderIsFinished(s_) : (avail_in == 0 && !BrotliEncoderHasMoreOutput(s_))) break;
    }
    out_.resize(used);
    piece.swap(out_);
    return {};
  }

 private:
  BrotliEncoderState* s_;
  std::size_t since_flush_ = 0;  // input bytes since the last flush
  std::string out_;
};

// ---- the decision ----

/// Per request, from on_response_head to on_response.
struct Decision {
  bool compress = false;  // false: only add Vary
  Coding coding = Coding::Gzip;
  bool had_error = false;  // the head was already a gateway-made error response
};

using portico::iequals;
constexpr char lower(char c) noexcept { return portico::detail::ascii_lower(c); }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Calls fn(member) for every member of the comma lists of every `name` field.
template <class Fn>
bool any_member(const Headers& headers, std::string_view name, Fn fn) {
  for (std::string_view field : headers.get_all(name)) {
    while (!field.empty()) {
      auto comma = field.find(',');
      if (fn(trim(field.substr(0, comma)))) return true;
      field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
    }
  }
  return false;
}

bool has_no_transform(const Headers& headers) {
  return any_member(headers, "Cache-Control", [](std::string_view d) { return iequals(d, "no-transform"); });
}

/// Adds `Accept-Encoding` to Vary unless it (or `*`) is there already; several Vary fields become one.
void merge_vary(Headers& headers) {
  if (any_member(headers, "Vary", [](std::string_view m) { return m == "*" || iequals(m, "Accept-Encoding"); }))
    return;
  std::string value;
  for (std::string_view field : headers.get_all("Vary")) {
    field = trim(field);
    if (field.empty()) continue;
    value += field;
    value += ", ";
  }
  value += "Accept-Encoding";
  headers.set("Vary", std::move(value));
}

/// The Content-Length field as a number; nullopt when absent or not a plain number.
std::optional<std::uint64_t> content_length(const Headers& headers) {
  auto v = headers.get("Content-Length");
  if (!v) return std::nullopt;
  auto s = trim(*v);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

class CompressionFilter final : public Filter {
 public:
  explicit CompressionFilter(CompressionConfig c) : c_(std::move(c)) {
    for (const auto& a : c_.algorithms) offered_.push_back(a == "br" ? Coding::Brotli : Coding::Gzip);
  }
  std::string_view name() const noexcept override { return "compression"; }
  Phase phase() const noexcept override { return Phase::Transform; }
  bool may_set_framing_fields() const noexcept override { return false; }

  ResponseBody on_response_head(Exchange& ex, const Response& head) const override {
    const Request& req = ex.request();
    if (req.method == "HEAD") return {};
    const int s = head.status;
    if (s < 200 || s == 204 || s == 206 || s == 304) return {};
    if (head.headers.has("Content-Range")) return {};
    if (auto ce = head.headers.get("Content-Encoding"); ce && !trim(*ce).empty()) return {};  // never twice
    if (has_no_transform(head.headers)) return {};
    auto type = head.headers.get("Content-Type");
    if (!type || !detail::content_type_allowed(*type, c_.content_types)) return {};
    // A known length below the minimum: sent as it is. A whole body (a filter's or the gateway's
    // answer) counts by its size; a streamed one of unknown length is compressed.
    auto length = content_length(head.headers);
    if (!length && !head.body.empty()) length = head.body.size();
    if (length && *length < c_.min_bytes) return {};

    Decision d;
    d.had_error = ex.error() != nullptr;
    auto fields = req.headers.get_all("Accept-Encoding");
    const int chosen = detail::choose_coding(fields, offered_);
    if (chosen < 0) {  // compressible, but not for this client: caches must still tell the variants apart
      ex.set(kDecisionKey, d);
      return {};
    }
    d.compress = true;
    d.coding = offered_[static_cast<std::size_t>(chosen)];
    ex.set(kDecisionKey, d);
    if (d.coding == Coding::Brotli)
      return ResponseBody::through(std::make_unique<BrotliTransform>(c_.brotli_quality, length.value_or(0)));
    return ResponseBody::through(std::make_unique<GzipTransform>(c_.gzip_level));
  }

  void on_response(Exchange& ex, Response& res) const override {
    const Decision* d = ex.get<Decision>(kDecisionKey);
    if (!d) return;
    // Another filter's failure replaced the response with a problem that was not transformed.
    if (d->compress && !d->had_error && ex.error()) return;
    merge_vary(res.headers);
    if (!d->compress) return;
    res.headers.set("Content-Encoding", std::string(detail::coding_name(d->coding)));
    res.headers.remove("Content-Length");  // the engine frames the transformed body
    for (auto& f : res.headers.fields()) {
      if (!iequals(f.name, "ETag")) continue;
      auto v = trim(f.value);
      if (!v.empty() && v.front() == '"') f.value = "W/" + std::string(v);  // another representation
    }
  }

 private:
  CompressionConfig c_;
  std::vector<Coding> offered_;
};

std::string lowered(std::string s) {
  for (auto& ch : s) ch = lower(ch);
  return s;
}

}  // namespace

Result<FilterPtr> make_compression(CompressionConfig config) {
  if (config.algorithms.empty())
    return make_error(Errc::InvalidConfig, "at least one algorithm (\"br\", \"gzip\") is needed", "algorithms");
  for (std::size_t i = 0; i < config.algorithms.size(); ++i) {
    auto& a = config.algorithms[i];
    a = lowered(std::move(a));
    const std::string where = "algorithms[" + std::to_string(i) + "]";
    if (a != "br" && a != "gzip")
      return make_error(Errc::InvalidConfig, "unknown algorithm \"" + a + "\" (expected \"br\" or \"gzip\")", where);
    if (std::find(config.algorithms.begin(), config.algorithms.begin() + static_cast<std::ptrdiff_t>(i), a) !=
        config.algorithms.begin() + static_cast<std::ptrdiff_t>(i))
      return make_error(Errc::InvalidConfig, "algorithm \"" + a + "\" is listed twice", where);
  }
  if (config.content_types.empty())
    return make_error(Errc::InvalidConfig, "at least one content type is needed", "content_types");
  for (std::size_t i = 0; i < config.content_types.size(); ++i) {
    auto& t = config.content_types[i];
    t = lowered(std::string(trim(t)));
    if (!detail::is_media_range(t))
      return make_error(Errc::InvalidConfig,
                        "expected a media type (\"type/subtype\", \"type/*\" or \"*/*\"), got \"" + t + "\"",
                        "content_types[" + std::to_string(i) + "]");
  }
  if (config.gzip_level < 1 || config.gzip_level > 9)
    return make_error(Errc::InvalidConfig, "expected a gzip level from 1 to 9, got " + std::to_string(config.gzip_level),
                      "gzip_level");
  if (config.brotli_quality < 0 || config.brotli_quality > 11)
    return make_error(Errc::InvalidConfig,
                      "expected a brotli quality from 0 to 11, got " + std::to_string(config.brotli_quality),
                      "brotli_quality");
  return FilterPtr(std::make_shared<CompressionFilter>(std::move(config)));
}

Result<CompressionConfig> compression_config_from(const config::JsonNode& options) {
  CompressionConfig cfg;
  if (!options.present()) return cfg;
  if (!options.is_object())
    return make_error(Errc::InvalidConfig, "expected an object, got " + options.describe(), options.path());
  auto strings = [](const config::JsonNode& n, std::vector<std::string>& out) -> Result<void> {
    if (!n.is_array()) return make_error(Errc::InvalidConfig, "expected an array of strings, got " + n.describe(), n.path());
    out.clear();
    for (std::size_t i = 0; i < n.size(); ++i) {
      auto s = n[i].as_string();
      if (!s) return std::move(s).error();
      out.push_back(std::move(*s));
    }
    return {};
  };
  // Field errors from make_compression name the C++ field; here each value is checked at its path.
  if (auto a = options["Algorithms"]; a.present()) {
    if (auto ok = strings(a, cfg.algorithms); !ok) return std::move(ok).error();
    CompressionConfig probe;
    probe.algorithms = cfg.algorithms;
    if (auto made = make_compression(probe); !made) {
      auto where = made.error().where;  // "algorithms[i]" or "algorithms"
      auto bracket = where.find('[');
      return make_error(Errc::InvalidConfig, made.error().message,
                        bracket == std::string::npos ? a.path() : a.path() + where.substr(bracket));
    }
  }
  if (auto m = options["MinBytes"]; m.present()) {
    auto n = m.as_integer(0);
    if (!n) return std::move(n).error();
    cfg.min_bytes = static_cast<std::size_t>(*n);
  }
  if (auto t = options["ContentTypes"]; t.present()) {
    if (auto ok = strings(t, cfg.content_types); !ok) return std::move(ok).error();
    CompressionConfig probe;
    probe.content_types = cfg.content_types;
    if (auto made = make_compression(probe); !made) {
      auto where = made.error().where;
      auto bracket = where.find('[');
      return make_error(Errc::InvalidConfig, made.error().message,
                        bracket == std::string::npos ? t.path() : t.path() + where.substr(bracket));
    }
  }
  if (auto g = options["GzipLevel"]; g.present()) {
    auto n = g.as_integer(1, 9);
    if (!n) return std::move(n).error();
    cfg.gzip_level = static_cast<int>(*n);
  }
  if (auto b = options["BrotliQuality"]; b.present()) {
    auto n = b.as_integer(0, 11);
    if (!n) return std::move(n).error();
    cfg.brotli_quality = static_cast<int>(*n);
  }
  return cfg;
}

}  // namespace portico::filters
