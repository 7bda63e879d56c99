// Response compression loaded from ocelot.json, through real sockets: a 24 MiB chunked upstream
// body gzip- and brotli-compressed on the way decodes to the upstream's bytes with the gateway's
// memory bounded; a client that takes no coding gets the bytes as they are (with Vary); an
// upstream-encoded body and a small Content-Length body pass untouched; a compressed Content-Length
// body is re-framed chunked for HTTP/1.1 (keep-alive kept) and close-delimited for HTTP/1.0.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "portico/config/ocelot.hpp"
#include "support/decode.hpp"
#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

constexpr std::size_t kPiece = 64 * 1024;
constexpr std::size_t kPieces = 384;  // 24 MiB

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool read_head(int fd, std::string& raw, std::chrono::milliseconds timeout = 20000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (raw.find("\r\n\r\n") == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

/// FNV-1a over a stream of bytes.
struct Digest {
  std::uint64_t h = 1469598103934665603ull;
  std::uint64_t bytes = 0;
  void add(std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    bytes += s.size();
  }
  bool operator==(const Digest&) const = default;
};

/// Piece `i` of the upstream's body: JSON-like lines, compressible but not trivially.
std::string body_piece(std::size_t i) {
  std::string s;
  s.reserve(kPiece + 80);
  std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u + 1;
  while (s.size() < kPiece) {
    x = x * 1664525u + 1013904223u;
    s += "{\"order\": " + std::to_string(x % 1000003) + ", \"sku\": \"item-" + std::to_string((x >> 9) % 4093) +
         "\", \"qty\": " + std::to_string((x >> 3) % 17) + "},\n";
  }
  s.resize(kPiece);
  return s;
}

/// The digest of the whole upstream body, as the upstream sends it.
Digest body_digest() {
  Digest d;
  for (std::size_t i = 0; i < kPieces; ++i) d.add(body_piece(i));
  return d;
}

/// An upstream on 127.0.0.1 that answers every request with `reply(request_head, fd)` (it writes
/// the response itself, so a large body is generated as it is sent, never held whole).
class StreamingUpstream {
 public:
  using Reply = std::function<void(int fd, const std::string& head)>;
  explicit StreamingUpstream(Reply reply) : reply_(std::move(reply)) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd_, 8) != 0)
      throw std::runtime_error("StreamingUpstream: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int fd = ::accept(lfd_, nullptr, nullptr);
        if (fd < 0) return;
        for (;;) {
          std::string head;
          if (!read_head(fd, head)) break;
          requests_.fetch_add(1);
          reply_(fd, head);
        }
        ::close(fd);
      }
    });
  }
  ~StreamingUpstream() {
    ::shutdown(lfd_, SHUT_RDWR);
    ::close(lfd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::size_t requests() const { return requests_.load(); }

 private:
  Reply reply_;
  int lfd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> requests_{0};
  std::thread thread_;
};

void send_big_chunked(int fd) {
  if (!write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nETag: \"big-1\"\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"))
    return;
  char hex[32];
  std::snprintf(hex, sizeof hex, "%zx\r\n", kPiece);
  for (std::size_t i = 0; i < kPieces; ++i)
    if (!write_all(fd, hex) || !write_all(fd, body_piece(i)) || !write_all(fd, "\r\n")) return;
  write_all(fd, "0\r\n\r\n");
}

/// 4000 'z' as one gzip member, compressed here with zlib (an upstream that encodes itself).
std::string gzip_member_for_test() {
  std::string in(4000, 'z'), out(8192, '\0');
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

Config load(const std::string& json) {
  auto loaded = config::load_ocelot(json);
  if (!loaded) FAIL("load_ocelot: " << loaded.error().to_string());
  CHECK(loaded->warnings.empty());
  return std::move(loaded->config);
}

std::string ocelot_json(std::uint16_t port) {
  return R"({"Routes": [{"DownstreamPathTemplate": "/{everything}", "DownstreamScheme": "http",
             "DownstreamHostAndPorts": [{"Host": "127.0.0.1", "Port": )" +
         std::to_string(port) + R"(}], "UpstreamPathTemplate": "/{everything}", "UpstreamHttpMethod": ["Get"],
             "CompressionOptions": {"Algorithms": ["br", "gzip"]}}],
           "GlobalConfiguration": {"CompressionOptions": {"MinBytes": 1024, "ContentTypes": ["application/json", "text/*"],
                                                          "GzipLevel": 6, "BrotliQuality": 4}}})";
}

struct Streamed {
  std::string head;
  Digest digest;       // of the decoded body
  std::uint64_t wire = 0;  // body bytes on the wire (after dechunking)
  bool complete = false;
};

/// GET /big with `accept` (none when empty); decodes the body as it arrives per Content-Encoding.
Streamed fetch_big(std::uint16_t port, std::string_view accept) {
  Streamed out;
  RawClient c(port);
  std::string req = "GET /big HTTP/1.1\r\nHost: gw\r\n";
  if (!accept.empty()) req += "Accept-Encoding: " + std::string(accept) + "\r\n";
  req += "\r\n";
  REQUIRE(c.send(req));
  REQUIRE(read_head(c.fd(), out.head));
  const auto end = out.head.find("\r\n\r\n");
  std::string rest = out.head.substr(end + 4);
  out.head.resize(end + 4);
  const std::string encoding = header_of(out.head, "Content-Encoding");
  std::unique_ptr<StreamDecoder> decoder;
  if (encoding == "gzip" || encoding == "br")
    decoder = std::make_unique<StreamDecoder>(encoding == "gzip" ? StreamDecoder::Kind::Gzip : StreamDecoder::Kind::Brotli,
                                              [&](std::string_view d) { out.digest.add(d); });
  Dechunker d;
  d.on_data = [&](std::string_view data) {
    out.wire += data.size();
    if (!decoder) {
      out.digest.add(data);
      return true;
    }
    return decoder->feed(data);
  };
  REQUIRE(d.feed(rest));
  char buf[65536];
  while (!d.done) {
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) break;
    auto n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    REQUIRE(d.feed(std::string_view(buf, static_cast<std::size_t>(n))));
  }
  out.complete = d.done && (!decoder || decoder->done());
  return out;
}

}  // namespace

TEST_CASE("a 24 MiB chunked body is gzip- and brotli-compressed on the way and decodes to the upstream's bytes",
          "[integration][compression]") {
  StreamingUpstream up([](int fd, const std::string&) { send_big_chunked(fd); });
  GatewayRunner gw(load(ocelot_json(up.port())));
  const Digest expected = body_digest();
  REQUIRE(expected.bytes == kPiece * kPieces);
  for (auto [accept, coding] : {std::pair{"gzip", "gzip"}, std::pair{"gzip;q=0.5, br;q=0.9", "br"},
                                std::pair{"br, gzip", "br"}, std::pair{"br;q=0, *", "gzip"}}) {
    INFO("Accept-Encoding: " << accept);
    reset_peak_rss();
    const long before = peak_rss_kib();
    auto got = fetch_big(gw.port(), accept);
    const long after = peak_rss_kib();
    CHECK(status_of(got.head) == 200);
    CHECK(header_of(got.head, "Content-Encoding") == coding);
    CHECK(header_of(got.head, "Vary") == "Accept-Encoding");
    CHECK(header_of(got.head, "ETag") == "W/\"big-1\"");
    CHECK(header_of(got.head, "Transfer-Encoding") == "chunked");
    CHECK(header_of(got.head, "Content-Length").empty());
    REQUIRE(got.complete);
    CHECK(got.digest == expected);
    INFO("wire bytes " << got.wire << " for " << expected.bytes);
    CHECK(got.wire < expected.bytes / 3);
    INFO("peak RSS grew by " << (after - before) << " KiB while 24 MiB went through " << coding);
    CHECK(after - before < 16 * 1024);
  }
}

TEST_CASE("a client that takes no coding gets the upstream's bytes, with Vary", "[integration][compression]") {
  StreamingUpstream up([](int fd, const std::string&) { send_big_chunked(fd); });
  GatewayRunner gw(load(ocelot_json(up.port())));
  for (const char* accept : {"", "identity", "gzip;q=0, br;q=0", "deflate"}) {
    INFO("Accept-Encoding: " << accept);
    auto got = fetch_big(gw.port(), accept);
    CHECK(header_of(got.head, "Content-Encoding").empty());
    CHECK(header_of(got.head, "Vary") == "Accept-Encoding");
    CHECK(header_of(got.head, "ETag") == "\"big-1\"");
    REQUIRE(got.complete);
    CHECK(got.digest == body_digest());
  }
}

TEST_CASE("an upstream-encoded body and a small body pass untouched", "[integration][compression]") {
  const std::string small = R"({"ok": true})";
  const std::string pre = gzip_member_for_test();
  ScriptedUpstream up([&](const Received& r) {
    if (r.request_line().rfind("GET /small ", 0) == 0)
      return ScriptedUpstream::Reply{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                     std::to_string(small.size()) + "\r\n\r\n" + small};
    return ScriptedUpstream::Reply{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n"
                                   "Content-Length: " + std::to_string(pre.size()) + "\r\n\r\n" + pre};
  });
  GatewayRunner gw(load(ocelot_json(up.port())));
  RawClient c(gw.port());
  REQUIRE(c.send("GET /small HTTP/1.1\r\nHost: gw\r\nAccept-Encoding: gzip, br\r\n\r\n"));
  auto s = c.read_response();
  CHECK(status_of(s) == 200);
  CHECK(header_of(s, "Content-Encoding").empty());
  CHECK(header_of(s, "Content-Length") == std::to_string(small.size()));
  CHECK(body_of(s) == small);
  REQUIRE(c.send("GET /pre HTTP/1.1\r\nHost: gw\r\nAccept-Encoding: gzip, br\r\n\r\n"));
  auto p = c.read_response();
  CHECK(header_of(p, "Content-Encoding") == "gzip");
  CHECK(body_of(p) == pre);  // once, not twice
  CHECK(gunzip(body_of(p)) == std::string(4000, 'z'));
}

TEST_CASE("a Content-Length body compressed: chunked for HTTP/1.1, close-delimited for HTTP/1.0",
          "[integration][compression]") {
  std::string body;
  for (std::size_t i = 0; i < 4; ++i) body += body_piece(i);  // 256 KiB
  ScriptedUpstream up([&](const Received&) {
    return ScriptedUpstream::Reply{"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body};
  });
  GatewayRunner gw(load(ocelot_json(up.port())));
  SECTION("HTTP/1.1: chunked, and the connection stays open for the next request") {
    RawClient c(gw.port());
    for (int i = 0; i < 2; ++i) {
      REQUIRE(c.send("GET /page HTTP/1.1\r\nHost: gw\r\nAccept-Encoding: gzip\r\n\r\n"));
      auto r = c.read_response(20000ms);
      CHECK(status_of(r) == 200);
      CHECK(header_of(r, "Content-Encoding") == "gzip");
      CHECK(header_of(r, "Transfer-Encoding") == "chunked");
      CHECK(header_of(r, "Content-Length").empty());
      CHECK(gunzip(body_of(r)) == body);
    }
  }
  SECTION("HTTP/1.0: the body ends with the connection") {
    RawClient c(gw.port());
    REQUIRE(c.send("GET /page HTTP/1.0\r\nHost: gw\r\nAccept-Encoding: br\r\n\r\n"));
    auto r = c.read_until_close(20000ms);
    CHECK(status_of(r) == 200);
    CHECK(header_of(r, "Content-Encoding") == "br");
    CHECK(header_of(r, "Transfer-Encoding").empty());
    CHECK(header_of(r, "Content-Length").empty());
    auto head_end = r.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    CHECK(unbrotli(std::string_view(r).substr(head_end + 4)) == body);
  }
}
