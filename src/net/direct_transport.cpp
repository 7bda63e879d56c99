// The Transport behind Gateway::handle() when the host gave none: one HTTP/1.1 exchange per
// call on a private io_context run by the calling thread (no pooling, no hidden thread). It uses
// the same strict codec as the engine.

#include <array>

#include "http/codec.hpp"
#include "net/body_reader.hpp"
#include "net/connect.hpp"
#include "net/engine.hpp"
#include "net/tls.hpp"

namespace portico::detail {

namespace {

using net::awaitable;
using net::BodyStep;
using net::Stream;
using net::tcp;
using net::use_nothrow;
using net::Watchdog;

awaitable<Result<Response>> exchange_once(asio::io_context& io, const Endpoint& ep, Request req,
                                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto connected = co_await net::connect_tcp(io, ep, deadline);
  if (!connected) co_return std::move(connected).error();
  tcp::socket socket = std::move(*connected);
  std::shared_ptr<asio::ssl::context> ctx;
  std::unique_ptr<Stream> stream;
  if (ep.scheme == "https") {
    UpstreamTls tls;  // the default: verify against the system store
    auto made = net::make_client_tls(tls);
    if (!made) co_return std::move(made).error();
    ctx = *made;
    stream = std::make_unique<Stream>(std::move(socket), *ctx);
    if (auto r = net::prepare_client_ssl(stream->tls()->native_handle(), tls, ep.host); !r)
      co_return std::move(r).error();
  } else {
    stream = std::make_unique<Stream>(std::move(socket));
  }
  Watchdog wd(io.get_executor(), stream.get());
  wd.arm_at(deadline);
  if (stream->is_tls()) {
    auto [hec] = co_await stream->tls()->async_handshake(asio::ssl::stream_base::client, use_nothrow);
    if (hec) co_return make_error(Errc::ConnectFailed, "TLS handshake failed: " + hec.message());
  }
  req.headers.set("Connection", "close");
  std::string head;
  if (!serialize_request_head(req.method, req.target, req.headers, head))
    co_return make_error(Errc::Internal, "a header cannot be sent upstream");
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(req.body)};
  auto [wec, wn] = co_await stream->write_all(bufs);
  if (wec) co_return make_error(wd.fired() ? Errc::UpstreamTimeout : Errc::UpstreamReset, "send failed");

  std::string buffer;
  HeadLimits limits{8192, 65536, 1000, EncodedSlashes::Keep};
  ResponseHead rh;
  for (;;) {
    std::size_t scanned = 0;
    HeadScan scan;
    for (;;) {
      scan = scan_head(buffer, scanned, limits, true);
      if (scan.state != HeadScan::State::Incomplete) break;
      auto [ec, n] = co_await stream->read_append(buffer);
      if (ec && n == 0)
        co_return make_error(wd.fired() ? Errc::UpstreamTimeout : Errc::UpstreamReset,
                             ep.authority() + " gave no complete response");
    }
    if (scan.state == HeadScan::State::Error) co_return make_error(Errc::UpstreamProtocol, std::string(scan.error.reason));
    rh = ResponseHead{};
    if (auto err = parse_response_head(std::string_view(buffer).substr(0, scan.head_length), req.method, limits, rh))
      co_return make_error(Errc::UpstreamProtocol, std::string(err.reason));
    buffer.erase(0, scan.head_length);
    if (rh.response.status >= 100 && rh.response.status < 200) continue;
    break;
  }
  net::BodyReader body(rh.body, rh.content_length);
  std::string out;
  for (;;) {
    auto step = co_await body.read(*stream, buffer, out, 65536, wd, deadline - std::chrono::steady_clock::now());
    if (step == BodyStep::Data) continue;
    if (step == BodyStep::Done) break;
    co_return make_error(step == BodyStep::TimedOut ? Errc::UpstreamTimeout : Errc::UpstreamReset,
                         "the response body broke off");
  }
  stream->close();
  rh.response.body = std::move(out);
  rh.response.headers.remove("Transfer-Encoding");
  co_return std::move(rh.response);
}

class DirectTransport final : public Transport {
 public:
  void send(const Endpoint& endpoint, Request request, std::chrono::milliseconds timeout,
            std::function<void(Result<Response>)> done) override {
    asio::io_context io(1);
    std::optional<Result<Response>> result;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> { result.emplace(co_await exchange_once(io, endpoint, std::move(request), timeout)); },
        asio::detached);
    io.run();
    if (!result) result.emplace(make_error(Errc::Internal, "the direct transport did not finish"));
    done(std::move(*result));
  }
};

}  // namespace

std::shared_ptr<Transport> make_direct_transport() { return std::make_shared<DirectTransport>(); }

}  // namespace portico::detail
