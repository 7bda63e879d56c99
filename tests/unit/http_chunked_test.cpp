// ChunkedDecoder and append_chunk.

#include <catch2/catch.hpp>

#include "http/codec.hpp"

using namespace portico::detail;
using Status = ChunkedDecoder::Status;

namespace {

struct Decoded {
  Status status = Status::NeedMore;
  std::string data;
  std::size_t consumed = 0;  // bytes of the input used (up to the end of the chunked body when Done)
};

Decoded decode_whole(std::string_view in, std::size_t max_trailer = 8192) {
  ChunkedDecoder d(max_trailer);
  Decoded r;
  r.status = d.feed(in, r.consumed, r.data);
  return r;
}

Decoded decode_bytewise(std::string_view in, std::size_t max_trailer = 8192) {
  ChunkedDecoder d(max_trailer);
  Decoded r;
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::size_t used = 0;
    r.status = d.feed(in.substr(i, 1), used, r.data);
    r.consumed += used;
    if (r.status != Status::NeedMore) break;
  }
  return r;
}

Status decode_status(std::string_view in) {
  auto whole = decode_whole(in);
  auto bytes = decode_bytewise(in);
  CHECK(whole.status == bytes.status);
  if (whole.status != Status::Error) {
    CHECK(whole.data == bytes.data);
    CHECK(whole.consumed == bytes.consumed);
  }
  return whole.status;
}

}  // namespace

TEST_CASE("chunked: data, extensions, trailers; the rest of the buffer is left alone", "[http][chunked]") {
  const std::string body = "5\r\nhello\r\n6;name=value;x=\"q s\"\r\n world\r\nA\r\n0123456789\r\n0\r\n\r\n";
  for (auto* fn : {&decode_whole, &decode_bytewise}) {
    auto r = fn(body + "GET / HTTP/1.1\r\n", 8192);
    REQUIRE(r.status == Status::Done);
    CHECK(r.data == "hello world0123456789");
    CHECK(r.consumed == body.size());
  }
  ChunkedDecoder d;
  std::string out;
  std::size_t used = 0;
  REQUIRE(d.feed(body, used, out) == Status::Done);
  CHECK(d.data_bytes() == 21);
  CHECK(d.feed("more", used, out) == Status::Done);  // stays Done, consumes nothing
  CHECK(used == 0);
  d.reset();
  out.clear();
  REQUIRE(d.feed("3\r\nabc\r\n0\r\n\r\n", used, out) == Status::Done);
  CHECK(out == "abc");
  CHECK(d.data_bytes() == 3);
}

TEST_CASE("chunked: upper- and lower-case hex, leading zeros within 16 digits", "[http][chunked]") {
  CHECK(decode_whole("aB\r\n" + std::string(0xab, 'x') + "\r\n0\r\n\r\n").data.size() == 0xab);
  CHECK(decode_status("000000000000000A\r\n0123456789\r\n0000\r\n\r\n") == Status::Done);
  CHECK(decode_status("0\r\n\r\n") == Status::Done);
  // 16 digits parse (and then wait for the data)
  ChunkedDecoder d;
  std::string out;
  std::size_t used = 0;
  CHECK(d.feed("ffffffffffffffff\r\nabc", used, out) == Status::NeedMore);
  CHECK(d.chunk_remaining() == 0xffffffffffffffffull - 3);
  CHECK(out == "abc");
}

TEST_CASE("chunked: chunk sizes are strict 1*HEXDIG of at most 16 digits", "[http][chunked]") {
  for (const char* bad : {"0x3\r\nabc\r\n0\r\n\r\n", "3zz\r\nabc\r\n0\r\n\r\n", "-2\r\nab\r\n0\r\n\r\n",
                          "1ffffffffffffffff\r\na\r\n0\r\n\r\n", "00000000000000001\r\na\r\n0\r\n\r\n",
                          "z\r\n0\r\n\r\n", "\r\nabc\r\n0\r\n\r\n", "+3\r\nabc\r\n0\r\n\r\n", " 3\r\nabc\r\n0\r\n\r\n",
                          "3 \r\nabc\r\n0\r\n\r\n", "3\t\r\nabc\r\n0\r\n\r\n", ";\r\n0\r\n\r\n"}) {
    INFO(bad);
    CHECK(decode_status(bad) == Status::Error);
  }
  // ATS malformed_chunked_header: a size that is larger than the data that follows waits for more
  CHECK(decode_status("111111113\r\nabc\r\n0\r\n\r\n") == Status::NeedMore);
}

TEST_CASE("chunked: CRLF is strict after the size line and after the data", "[http][chunked]") {
  for (const char* bad : {"3\nabc\r\n0\r\n\r\n", "3\rabc\r\n0\r\n\r\n", "3\r\nabc\n0\r\n\r\n",
                          "3\r\nabcd\r\n0\r\n\r\n",  // data longer than the size
                          "3\r\nabc0\r\n\r\n", "3\r\nabc\r\r\n0\r\n\r\n", "3\r\nabc\r\n0\n\r\n", "3\r\nabc\r\n0\r\n\n",
                          "3\r\nabc\r\n0\r\n\r\r", "3;a\nabc\r\n0\r\n\r\n", "3;a\rb\r\nabc\r\n0\r\n\r\n"}) {
    INFO(bad);
    CHECK(decode_status(bad) == Status::Error);
  }
}

TEST_CASE("chunked: extensions are skipped but bounded and free of CTL", "[http][chunked]") {
  CHECK(decode_status("3 ; a=b\r\nabc\r\n0;last\r\n\r\n") == Status::Done);
  const std::string ok_ext(ChunkedDecoder::kMaxChunkExtBytes, 'e');
  CHECK(decode_status("3;" + ok_ext.substr(1) + "\r\nabc\r\n0\r\n\r\n") == Status::Done);
  CHECK(decode_status("3;" + ok_ext + "e\r\nabc\r\n0\r\n\r\n") == Status::Error);
  CHECK(decode_status("3;a\x01\r\nabc\r\n0\r\n\r\n") == Status::Error);
  CHECK(decode_status("3;a\x7f\r\nabc\r\n0\r\n\r\n") == Status::Error);
  CHECK(decode_status(std::string("3;a\0\r\nabc\r\n0\r\n\r\n", 16)) == Status::Error);
}

TEST_CASE("chunked: trailers are read, validated, bounded and discarded", "[http][chunked]") {
  auto r = decode_whole("3\r\nabc\r\n0\r\nContent-Length: 100\r\nHost: evil\r\nX: y\r\n\r\nNEXT");
  REQUIRE(r.status == Status::Done);
  CHECK(r.data == "abc");  // trailers never show up as data (nor anywhere else)
  CHECK(decode_status("0\r\nX: a\r\n\r\n") == Status::Done);
  for (const char* bad : {"0\r\nX: a\nY: b\r\n\r\n", "0\r\nX: a\r\n b\r\n\r\n", "0\r\nX : a\r\n\r\n",
                          "0\r\n: a\r\n\r\n", "0\r\nX: a\x01\r\n\r\n", "0\r\nX a\r\n\r\n", "0\r\nX: a\rb\r\n\r\n"}) {
    INFO(bad);
    CHECK(decode_status(bad) == Status::Error);
  }
  const std::string trailer = "0\r\nX: " + std::string(50, 'v') + "\r\n\r\n";  // 57 trailer bytes after "0\r\n"
  CHECK(decode_whole(trailer, 57).status == Status::Done);
  CHECK(decode_whole(trailer, 56).status == Status::Error);
  CHECK(decode_bytewise(trailer, 56).status == Status::Error);
}

TEST_CASE("chunked: byte-at-a-time feeding equals whole-buffer feeding", "[http][chunked]") {
  const std::string body =
      "1\r\na\r\n10;ext=1\r\n0123456789abcdef\r\n3\r\n\r\n\r\r\n0\r\nTrailer-A: 1\r\nTrailer-B:\t2\r\n\r\nrest";
  const auto whole = decode_whole(body);
  const auto bytes = decode_bytewise(body);
  REQUIRE(whole.status == Status::Done);
  CHECK(bytes.status == Status::Done);
  CHECK(whole.data == "a0123456789abcdef\r\n\r");
  CHECK(bytes.data == whole.data);
  CHECK(bytes.consumed == whole.consumed);
  CHECK(whole.consumed == body.size() - 4);
  // every two-piece split too
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    ChunkedDecoder d;
    std::string out;
    std::size_t a = 0;
    std::size_t b = 0;
    auto s1 = d.feed(std::string_view(body).substr(0, cut), a, out);
    Status s2 = s1;
    if (s1 == Status::NeedMore) s2 = d.feed(std::string_view(body).substr(a), b, out);
    INFO("cut at " << cut);
    CHECK(s2 == Status::Done);
    CHECK(out == whole.data);
    CHECK(a + b == whole.consumed);
  }
}

TEST_CASE("chunked: after an error the decoder stays in error", "[http][chunked]") {
  ChunkedDecoder d;
  std::string out;
  std::size_t used = 0;
  REQUIRE(d.feed("x", used, out) == Status::Error);
  CHECK_FALSE(d.error_reason().empty());
  CHECK(d.feed("0\r\n\r\n", used, out) == Status::Error);
  d.reset();
  CHECK(d.feed("0\r\n\r\n", used, out) == Status::Done);
  CHECK(d.error_reason().empty());
}

TEST_CASE("append_chunk writes size CRLF data CRLF, skips empty data; the decoder reads it back", "[http][chunked]") {
  std::string out;
  append_chunk("", out);
  CHECK(out.empty());
  append_chunk("hello", out);
  CHECK(out == "5\r\nhello\r\n");
  append_chunk(std::string(300, 'z'), out);
  CHECK(out.substr(10, 5) == "12c\r\n");
  out += kLastChunk;
  auto r = decode_whole(out);
  REQUIRE(r.status == Status::Done);
  CHECK(r.data == "hello" + std::string(300, 'z'));
  CHECK(r.consumed == out.size());
}
