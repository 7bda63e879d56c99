// The command-line gateway: serves an ocelot.json (see `ocelot_gateway --help` below, and the
// "Command-line gateway" section of docs/config/ocelot.md). An invalid config prints the JSON path
// of the problem and exits 2; --check validates without listening (for CI, as `nginx -t`).
// SIGTERM/SIGINT drain gracefully and exit 0; SIGHUP (or POST /reload on the admin listener)
// re-reads the file and the TLS certificates (a bad file keeps the running config and logs why).
#include <httplib.h>
#include <portico/portico.hpp>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#ifndef PORTICO_VERSION
#define PORTICO_VERSION "unknown"
#endif

namespace {

constexpr const char* kHelp = R"(usage: ocelot_gateway --config PATH [options]

Serves the routes of an Ocelot-format ocelot.json with Portico.

options:
  --config PATH      the ocelot.json to serve (required)
  --listen ADDRESS   where to accept connections: PORT (all interfaces), HOST:PORT, [IPv6]:PORT,
                     or a URL http://HOST:PORT or https://HOST:PORT
                     (default: GlobalConfiguration.BaseUrl, else 0.0.0.0:5000)
  --tls-cert FILE    terminate TLS with this PEM certificate chain (needs --tls-key); replaces
                     GlobalConfiguration.ServerOptions.Certificates
  --tls-key FILE     the PEM private key of --tls-cert
  --admin ADDRESS    serve the admin API there: GET /health, GET /metrics, POST /reload
                     (default: off; a bare PORT means 127.0.0.1:PORT)
  --threads N        event loops, 1..256 (default: the number of CPUs)
  --check            load and validate the config and its certificates, print the warnings, and
                     exit without listening: 0 if it can be served, 2 if not
  --version          print the version and exit
  -h, --help         print this help and exit

TLS is on when certificates are given (--tls-cert/--tls-key, or ServerOptions.Certificates: the
first is the default, the others are chosen by SNI from their ServerNames; relative paths are
relative to the config file). An https:// address without a certificate is an error.

signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config and the certificates.
exit status: 0 stopped cleanly or --check passed; 1 cannot listen; 2 invalid config or usage.
)";

struct Args {
  std::string config;
  std::string listen;
  std::string admin;
  std::string tls_cert;
  std::string tls_key;
  unsigned threads = 0;
  bool check = false;
};

int usage(const std::string& why) {
  std::fprintf(stderr, "ocelot_gateway: %s\nusage: ocelot_gateway --config PATH [--listen ADDRESS] [--tls-cert FILE "
                       "--tls-key FILE] [--admin ADDRESS] [--threads N] [--check]; see --help\n",
               why.c_str());
  return 2;
}

/// A listen address; `scheme` is "http", "https" or "" (none given).
struct Address {
  std::string host;
  std::uint16_t port = 0;
  std::string scheme;
};

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parse_port(const std::string& text, std::uint16_t& port) {
  if (!all_digits(text) || text.size() > 5) return false;
  unsigned long p = std::strtoul(text.c_str(), nullptr, 10);
  if (p > 65535) return false;
  port = static_cast<std::uint16_t>(p);
  return true;
}

/// "PORT", "HOST:PORT", "[v6]:PORT", "HOST", or a URL "http(s)://host[:port][/...]".
bool parse_address(std::string text, const std::string& bare_port_host, std::uint16_t default_port, Address& out) {
  out = Address{};
  if (all_digits(text)) {
    out.host = bare_port_host;
    return parse_port(text, out.port);
  }
  if (auto sep = text.find("://"); sep != std::string::npos) {
    std::string scheme = text.substr(0, sep);
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") return false;
    out.scheme = scheme;
    default_port = scheme == "https" ? 443 : 80;
    text = text.substr(sep + 3);
    if (auto slash = text.find('/'); slash != std::string::npos) text.resize(slash);
  }
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return false;
    out.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port_text = text.substr(close + 2);
      if (port_text.empty()) return false;
    }
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    out.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) return false;
  } else {
    out.host = text;
  }
  if (out.host.empty()) return false;
  if (out.host == "localhost") out.host = "127.0.0.1";
  if (out.host == "*" || out.host == "+") out.host = "0.0.0.0";
  if (port_text.empty()) {
    out.port = default_port;
    return true;
  }
  return parse_port(port_text, out.port);
}

void print_messages(const portico::config::OcelotConfig& c) {
  for (const auto& w : c.warnings) std::fprintf(stderr, "warning: %s: %s\n", w.where.c_str(), w.message.c_str());
  for (const auto& n : c.notes) {
    if (n.where.empty())
      std::fprintf(stderr, "info: %s\n", n.message.c_str());
    else
      std::fprintf(stderr, "info: %s: %s\n", n.where.c_str(), n.message.c_str());
  }
}

/// The certificates to serve: --tls-cert/--tls-key, else the config's ServerOptions.Certificates.
std::vector<portico::TlsCertificate> certificates_of(const Args& args, const portico::config::OcelotConfig& c) {
  if (!args.tls_cert.empty()) return {portico::TlsCertificate{args.tls_cert, args.tls_key, {}}};
  return c.certificates;
}

/// A certificate error ("listen.tls[1].key_file: ...") in the user's terms: the flag or the JSON path.
std::string certificate_error(const portico::Error& e, const Args& args) {
  std::string where = e.where;
  const std::string prefix = "listen.tls[";
  if (where.rfind(prefix, 0) == 0) {
    auto close = where.find(']');
    std::string index = where.substr(prefix.size(), close - prefix.size());
    std::string field = close + 1 < where.size() ? where.substr(close + 1) : "";
    if (!args.tls_cert.empty()) {
      where = field == ".key_file" ? "--tls-key" : field == ".cert_file" ? "--tls-cert" : "--tls-cert/--tls-key";
    } else {
      where = "GlobalConfiguration.ServerOptions.Certificates[" + index + "]" +
              (field == ".cert_file" ? ".CertFile" : field == ".key_file" ? ".KeyFile" : "");
    }
  }
  return where.empty() ? e.message : where + ": " + e.message;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string inline_value;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0) {
      if (auto eq = a.find('='); eq != std::string::npos) {
        inline_value = a.substr(eq + 1);
        a.resize(eq);
        has_inline = true;
      }
    }
    auto value = [&](std::string& out) {
      if (has_inline) {
        out = inline_value;
      } else {
        if (i + 1 >= argc) return false;
        out = argv[++i];
      }
      return !out.empty();
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (a == "--version" || a == "-V") {
      std::printf("ocelot_gateway (Portico) %s\n", PORTICO_VERSION);
      return 0;
    }
    if (a == "--check" && !has_inline) {
      args.check = true;
      continue;
    }
    std::string v;
    if (a == "--config" || a == "--listen" || a == "--admin" || a == "--tls-cert" || a == "--tls-key" ||
        a == "--threads") {
      if (!value(v)) return usage(a + " needs a value");
      if (a == "--config") args.config = v;
      if (a == "--listen") args.listen = v;
      if (a == "--admin") args.admin = v;
      if (a == "--tls-cert") args.tls_cert = v;
      if (a == "--tls-key") args.tls_key = v;
      if (a == "--threads") {
        if (!all_digits(v) || v.size() > 3 || std::stoul(v) == 0 || std::stoul(v) > 256)
          return usage("--threads must be 1..256");
        args.threads = static_cast<unsigned>(std::stoul(v));
      }
      continue;
    }
    return usage("unknown option " + a);
  }
  if (args.config.empty()) return usage("--config is required");
  if (args.tls_cert.empty() != args.tls_key.empty()) return usage("--tls-cert and --tls-key go together");
  if (args.threads == 0) args.threads = std::max(1u, std::thread::hardware_concurrency());

  // Signals are taken by one thread with sigwait, so block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto loaded = portico::config::load_ocelot_file(args.config);
  if (!loaded) {
    std::fprintf(stderr, "ocelot_gateway: invalid config %s: %s\n", args.config.c_str(),
                 loaded.error().to_string().c_str());
    return 2;
  }
  print_messages(*loaded);

  // Where to listen, and whether with TLS.
  Address address{"0.0.0.0", 5000, ""};
  const std::string listen_text = !args.listen.empty() ? args.listen : loaded->base_url;
  if (!listen_text.empty() && !parse_address(listen_text, "0.0.0.0", 5000, address)) {
    if (args.listen.empty()) {
      std::fprintf(stderr, "ocelot_gateway: invalid config %s: GlobalConfiguration.BaseUrl: cannot use '%s' as the "
                           "listen address\n", args.config.c_str(), listen_text.c_str());
      return 2;
    }
    return usage("cannot parse --listen '" + listen_text + "'");
  }
  auto certificates = certificates_of(args, *loaded);
  // A scheme that contradicts the certificates is refused rather than served the other way.
  auto refuse_scheme = [&](const std::string& why) {
    if (args.listen.empty())
      std::fprintf(stderr, "ocelot_gateway: invalid config %s: GlobalConfiguration.BaseUrl: \"%s\" %s, or use "
                           "--listen to choose another address\n", args.config.c_str(), listen_text.c_str(), why.c_str());
    else
      std::fprintf(stderr, "ocelot_gateway: --listen \"%s\" %s\n", listen_text.c_str(), why.c_str());
    return 2;
  };
  if (address.scheme == "https" && certificates.empty()) {
    // An https:// BaseUrl is often the public address of a gateway behind a TLS-terminating load
    // balancer: the config itself is valid (--check says so), serving it here needs --listen or a
    // certificate.
    if (args.check && args.listen.empty()) {
      std::fprintf(stderr, "ocelot_gateway: warning: GlobalConfiguration.BaseUrl \"%s\" is https:// and no certificate "
                           "is given: running without --listen would refuse to start\n", listen_text.c_str());
      address.scheme = "http";
    } else {
      return refuse_scheme("cannot be served without a certificate: give --tls-cert and --tls-key, or "
                           "GlobalConfiguration.ServerOptions.Certificates");
    }
  }
  if (address.scheme == "http" && !certificates.empty())
    return refuse_scheme("is http:// but certificates are given (the gateway cannot serve both): use https:// or "
                         "no scheme to terminate TLS, or drop the certificates");
  const bool tls = !certificates.empty();
  if (tls) {
    if (auto ok = portico::check_certificates(certificates); !ok) {
      std::fprintf(stderr, "ocelot_gateway: invalid certificate: %s\n", certificate_error(ok.error(), args).c_str());
      return 2;
    }
  }

  portico::Gateway gateway;
  gateway.set_log_sink([](portico::LogLevel level, std::string_view msg) {
    static const char* names[] = {"debug", "info", "warn", "error"};
    if (level == portico::LogLevel::Debug) return;
    std::fprintf(stderr, "ocelot_gateway %s: %.*s\n", names[static_cast<int>(level)], static_cast<int>(msg.size()),
                 msg.data());
  });
  const std::size_t route_count = loaded->config.routes().size();
  if (auto ok = gateway.apply(std::move(loaded->config)); !ok) {
    std::fprintf(stderr, "ocelot_gateway: invalid config %s: %s\n", args.config.c_str(), ok.error().to_string().c_str());
    return 2;
  }
  const char* scheme = tls ? "https" : "http";
  if (args.check) {
    std::fprintf(stderr, "ocelot_gateway: %s is valid (routes: %zu, warnings: %zu); it would listen on %s://%s:%u\n",
                 args.config.c_str(), route_count, loaded->warnings.size(), scheme, address.host.c_str(),
                 address.port);
    return 0;
  }
  if (auto ok = gateway.listen({.host = address.host, .port = address.port, .tls = certificates}); !ok) {
    std::fprintf(stderr, "ocelot_gateway: %s\n", ok.error().to_string().c_str());
    return 1;
  }

  std::mutex reload_mu;
  auto reload = [&]() -> std::string {
    std::lock_guard lock(reload_mu);
    const std::string failed = "reload failed, keeping the running config: ";
    auto next = portico::config::load_ocelot_file(args.config);
    if (!next) return failed + next.error().to_string();
    print_messages(*next);
    std::string what = args.config;
    if (tls) {
      auto certs = certificates_of(args, *next);
      if (certs.empty())
        return failed + "the listener terminates TLS but GlobalConfiguration.ServerOptions.Certificates is now empty";
      if (auto ok = gateway.reload_certificates(certs); !ok) return failed + certificate_error(ok.error(), args);
      what += " and its certificates";
    } else if (!next->certificates.empty()) {
      std::fprintf(stderr, "ocelot_gateway: GlobalConfiguration.ServerOptions.Certificates takes effect at the next "
                           "start (this listener was started without TLS)\n");
    }
    if (auto ok = gateway.apply(std::move(next->config)); !ok)
      return "reload failed, keeping the running routes: " + ok.error().to_string();
    return "reloaded " + what;
  };

  std::unique_ptr<httplib::Server> admin;
  std::thread admin_thread;
  if (!args.admin.empty()) {
    Address a;
    if (!parse_address(args.admin, "127.0.0.1", 9000, a) || a.scheme == "https")
      return usage("cannot parse --admin '" + args.admin + "' (HOST:PORT, PORT or http://HOST:PORT)");
    admin = std::make_unique<httplib::Server>();
    admin->Get("/health", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"status\":\"ok\"}\n", "application/json");
    });
    admin->Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content("# TYPE portico_requests_total counter\nportico_requests_total " +
                          std::to_string(gateway.requests_served()) + "\n",
                      "text/plain; version=0.0.4");
    });
    admin->Post("/reload", [&](const httplib::Request&, httplib::Response& res) {
      auto msg = reload();
      res.status = msg.rfind("reloaded", 0) == 0 ? 200 : 422;
      res.set_content(msg + "\n", "text/plain");
    });
    if (!admin->bind_to_port(a.host.c_str(), a.port)) {
      std::fprintf(stderr, "ocelot_gateway: cannot bind admin %s:%u\n", a.host.c_str(), a.port);
      return 1;
    }
    admin_thread = std::thread([&] { admin->listen_after_bind(); });
    std::fprintf(stderr, "ocelot_gateway: admin on http://%s:%u\n", a.host.c_str(), a.port);
  }

  std::vector<std::thread> loops;
  for (unsigned i = 0; i < args.threads; ++i) loops.emplace_back([&] { gateway.run(); });
  std::fprintf(stderr, "ocelot_gateway: serving %s on %s://%s:%u with %u loop(s)\n", args.config.c_str(), scheme,
               address.host.c_str(), gateway.port(), args.threads);

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      std::fprintf(stderr, "ocelot_gateway: %s\n", reload().c_str());
      continue;
    }
    std::fprintf(stderr, "ocelot_gateway: %s, draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  gateway.stop();
  for (auto& t : loops) t.join();
  if (admin) {
    admin->stop();
    admin_thread.join();
  }
  std::fprintf(stderr, "ocelot_gateway: stopped after %llu requests\n",
               static_cast<unsigned long long>(gateway.requests_served()));
  return 0;
}
