#pragma once
// Internal: the exchanges behind Gateway::handle(), whose request and response bodies are whole
// and which have no client socket.
//
// Without a host Transport, an exchange runs on one of the gateway's running loops (round robin),
// or, when none runs, on a private loop that the calling thread runs until the response is ready.
// Either way its upstream call goes through that loop's pooled client with the upstream's TLS
// settings (net/loop_client.hpp), its filters get that loop's services (timer, HTTP client,
// worker), and a deferred filter is cut short at the filter deadline. A loop that stops first
// answers the exchange with a 503.
//
// With a host Transport, the exchange runs on whichever thread posts to it (a strand) and calls
// the transport; its filters get the off-loop services.

#include <functional>
#include <memory>

#include "net/engine.hpp"

namespace portico::net {

/// Runs `request` through the gateway's pipeline on the engine; `done` is called exactly once,
/// from a loop thread or (private loop) the calling thread before this returns.
void handle_on_engine(detail::GatewayImpl& gw, Request request, std::function<void(Response)> done);

/// Runs `request` through the gateway's pipeline with the host's `transport`.
void handle_with_transport(detail::GatewayImpl& gw, std::shared_ptr<Transport> transport, Request request,
                           std::function<void(Response)> done);

}  // namespace portico::net
