#include "portico/error.hpp"

namespace portico {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::InvalidConfig: return "invalid_config";
    case Errc::InvalidArgument: return "invalid_argument";
    case Errc::Unsupported: return "unsupported";
    case Errc::Io: return "io";
    case Errc::NoRoute: return "no_route";
    case Errc::BadRequest: return "bad_request";
    case Errc::BodyTooLarge: return "body_too_large";
    case Errc::RequestTimeout: return "request_timeout";
    case Errc::NoHealthyEndpoint: return "no_healthy_endpoint";
    case Errc::Overloaded: return "overloaded";
    case Errc::ConnectFailed: return "connect_failed";
    case Errc::UpstreamReset: return "upstream_reset";
    case Errc::UpstreamProtocol: return "upstream_protocol";
    case Errc::UpstreamTimeout: return "upstream_timeout";
    case Errc::FilterThrew: return "filter_failed";
    case Errc::FilterTimeout: return "filter_timeout";
    case Errc::Internal: return "internal";
  }
  return "unknown";
}

int status_for(Errc code) noexcept {
  switch (code) {
    case Errc::NoRoute: return 404;
    case Errc::BadRequest: return 400;
    case Errc::BodyTooLarge: return 413;
    case Errc::RequestTimeout: return 408;
    case Errc::NoHealthyEndpoint:
    case Errc::Overloaded: return 503;
    case Errc::ConnectFailed:
    case Errc::UpstreamReset:
    case Errc::UpstreamProtocol: return 502;
    case Errc::UpstreamTimeout:
    case Errc::FilterTimeout: return 504;
    case Errc::InvalidConfig:
    case Errc::InvalidArgument:
    case Errc::Unsupported:
    case Errc::Io:
    case Errc::FilterThrew:
    case Errc::Internal: return 500;
  }
  return 500;
}

std::string_view public_detail(Errc code) noexcept {
  switch (code) {
    case Errc::NoRoute: return "no route matches this request";
    case Errc::BadRequest: return "the request is invalid";
    case Errc::BodyTooLarge: return "the request body is larger than allowed";
    case Errc::RequestTimeout: return "the request body stopped arriving";
    case Errc::NoHealthyEndpoint: return "no upstream endpoint is available";
    case Errc::Overloaded: return "the gateway is overloaded";
    case Errc::ConnectFailed: return "the upstream could not be reached";
    case Errc::UpstreamReset: return "the upstream closed the connection";
    case Errc::UpstreamProtocol: return "the upstream sent an invalid response";
    case Errc::UpstreamTimeout: return "the upstream did not answer in time";
    case Errc::FilterThrew: return "a filter failed";
    case Errc::FilterTimeout: return "a filter did not finish in time";
    default: return "internal error";
  }
}

std::string Error::to_string() const {
  if (where.empty()) return message;
  return where + ": " + message;
}

}  // namespace portico
