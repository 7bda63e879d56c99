// normalize_path: one spelling per path (security.md §3.5), and Request::make.

#include <catch2/catch.hpp>

#include "http/codec.hpp"

using namespace portico;
using namespace portico::detail;

namespace {

std::string norm(std::string_view raw, EncodedSlashes slashes = EncodedSlashes::Reject) {
  std::string out;
  auto e = normalize_path(raw, slashes, out);
  return e ? "<" + std::to_string(e.status) + ">" : out;
}

}  // namespace

TEST_CASE("normalize_path removes dot segments, merges slashes, keeps a trailing slash", "[http][path]") {
  CHECK(norm("/") == "/");
  CHECK(norm("/a/b/c") == "/a/b/c");
  CHECK(norm("/a/b/") == "/a/b/");
  CHECK(norm("//admin/x") == "/admin/x");
  CHECK(norm("/a///b//") == "/a/b/");
  CHECK(norm("///") == "/");
  CHECK(norm("/./admin/x") == "/admin/x");
  CHECK(norm("/api/../admin/x") == "/admin/x");
  CHECK(norm("/a/b/..") == "/a/");
  CHECK(norm("/a/b/.") == "/a/b/");
  CHECK(norm("/a/./b/../../c") == "/c");
  CHECK(norm("/..") == "/");
  CHECK(norm("/../../admin") == "/admin");  // above the root stays at the root
  CHECK(norm("/a/..b/c..") == "/a/..b/c..");
  CHECK(norm("/a/.../b") == "/a/.../b");
  CHECK(norm("/admin.") == "/admin.");
  CHECK(norm("/a/.hidden") == "/a/.hidden");
}

TEST_CASE("normalize_path decodes unreserved escapes only and upper-cases the others", "[http][path]") {
  CHECK(norm("/%61%62%63") == "/abc");
  CHECK(norm("/%7Euser/%2D%2e%5F%30") == "/~user/-._0");
  CHECK(norm("/a%20b%3bc%3Fd%25e%23") == "/a%20b%3Bc%3Fd%25e%23");
  CHECK(norm("/caf%c3%a9") == "/caf%C3%A9");
  CHECK(norm("/api/%2e%2e/admin/x") == "/admin/x");
  CHECK(norm("/api/%2E%2e/admin/x") == "/admin/x");
  CHECK(norm("/api/.%2E/admin") == "/admin");
  CHECK(norm("/api/%2e/admin") == "/api/admin");
  CHECK(norm("/api/%252e%252e/admin/x") == "/api/%252e%252e/admin/x");  // double-encoded: not a dot segment
  CHECK(norm("/admin;x=1/x") == "/admin;x=1/x");
  CHECK(norm("/admin%3bx/x") == "/admin%3Bx/x");
  CHECK(norm("/a:b@c!$&'()*+,=") == "/a:b@c!$&'()*+,=");
}

TEST_CASE("normalize_path rejects bytes outside pchar, bad escapes, %00 and encoded slashes", "[http][path]") {
  for (std::string bad : {"", "a/b", "*", "/a b", "/a\tb", "/a\x01", "/a\x7f", "/caf\xc3\xa9", "/a#b", "/a?b",
                          "/a\\b", "/api\\..\\admin", "/a\"b", "/a<b>", "/a{b}", "/a|b", "/a^b", "/a`b", "/a[b]",
                          "/%", "/%1", "/%1g", "/%g1", "/a%", "/%u002e%u002e/admin", "/admin%00/x", "/%2e%00",
                          "/api%2fadmin", "/api%2Fadmin", "/api%5cadmin", "/api%5Cadmin", "/..;/admin",
                          "/api/..;x/admin", "/.;/admin", "/api/%2e%2e;/admin"}) {
    INFO(bad);
    CHECK(norm(bad) == "<400>");
  }
  CHECK(norm(std::string("/a\0b", 4)) == "<400>");
}

TEST_CASE("normalize_path keeps %2F and %5C encoded (never a separator) when asked", "[http][path]") {
  CHECK(norm("/api%2fadmin", EncodedSlashes::Keep) == "/api%2Fadmin");
  CHECK(norm("/a/%2e%2e%2fadmin", EncodedSlashes::Keep) == "/a/..%2Fadmin");
  CHECK(norm("/a/b/..%2f..", EncodedSlashes::Keep) == "/a/b/..%2F..");
  CHECK(norm("/a/%5c/..", EncodedSlashes::Keep) == "/a/");
  CHECK(norm("/a%00", EncodedSlashes::Keep) == "<400>");
}

TEST_CASE("normalize_path is idempotent", "[http][path]") {
  for (const char* raw : {"/", "/a/../b/./c//", "/%7e%2e%2E/%41%3b", "/x/%252e/..", "/a/b/c/../../..", "/%C3%a9/"}) {
    const auto once = norm(raw);
    INFO(raw << " -> " << once);
    CHECK(norm(once) == once);
  }
}

TEST_CASE("Request::make splits the target and normalizes the path like the engine", "[http][make]") {
  auto r = Request::make("POST", "/api/../users/%7e1?x=%2e%2e&y", {{"Content-Type", "text/plain"}}, "body");
  CHECK(r.method == "POST");
  CHECK(r.target == "/api/../users/%7e1?x=%2e%2e&y");
  CHECK(r.path == "/users/~1");
  CHECK(r.query == "x=%2e%2e&y");
  CHECK(r.body == "body");
  CHECK(r.headers.get("content-type") == "text/plain");
  CHECK(r.version == 11);

  r = Request::make("GET", "/a%2fb/../c");
  CHECK(r.path == "/c");  // encoded slashes kept encoded
  r = Request::make("GET", "/a b/../c?q");  // not normalizable: the raw path is kept
  CHECK(r.path == "/a b/../c");
  CHECK(r.query == "q");
  r = Request::make("GET", "");
  CHECK(r.target == "/");
  CHECK(r.path == "/");
  r = Request::make("GET", "http://api.example:81/x/./y?z=1");
  CHECK(r.path == "/x/y");
  CHECK(r.query == "z=1");
  CHECK(r.headers.get("Host") == "api.example:81");
  r = Request::make("OPTIONS", "*");
  CHECK(r.path == "*");
  r = Request::make("GET", "relative/x?y");
  CHECK(r.path == "relative/x");
  CHECK(r.query == "y");
}
