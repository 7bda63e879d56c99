// The command-line gateway: serves an ocelot.json.
//   ocelot_gateway --config PATH [--listen HOST:PORT] [--admin HOST:PORT] [--threads N]
// --listen overrides GlobalConfiguration.BaseUrl. An invalid config prints the JSON path of the
// problem and exits 2. SIGTERM/SIGINT drain gracefully and exit 0; SIGHUP reloads the file (a bad
// file keeps the running config and logs why). The admin listener (optional) answers
// GET /health, GET /metrics and POST /reload.
#include <httplib.h>
#include <portico/portico.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Args {
  std::string config;
  std::string listen;
  std::string admin;
  unsigned threads = 0;
};

int usage(const char* why) {
  std::fprintf(stderr, "ocelot_gateway: %s\nusage: ocelot_gateway --config PATH [--listen HOST:PORT] "
                       "[--admin HOST:PORT] [--threads N]\n", why);
  return 2;
}

/// "HOST:PORT", "[v6]:PORT" or a URL "http://host:port/..." → host and port.
bool split_host_port(std::string text, std::string& host, std::uint16_t& port, std::uint16_t default_port) {
  if (auto scheme = text.find("://"); scheme != std::string::npos) {
    default_port = text.compare(0, scheme, "https") == 0 ? 443 : 80;
    text = text.substr(scheme + 3);
    if (auto slash = text.find('/'); slash != std::string::npos) text.resize(slash);
  }
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port_text = text.substr(close + 2);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  } else {
    host = text;
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host == "*" || host == "+") host = "0.0.0.0";
  if (port_text.empty()) {
    port = default_port;
    return true;
  }
  char* end = nullptr;
  long p = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) return false;
  port = static_cast<std::uint16_t>(p);
  return true;
}

void print_warnings(const std::vector<portico::config::Warning>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s: %s\n", w.where.c_str(), w.message.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--config" && value(args.config)) continue;
    if (a == "--listen" && value(args.listen)) continue;
    if (a == "--admin" && value(args.admin)) continue;
    if (a == "--threads" && value(v)) {
      args.threads = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
      if (args.threads == 0 || args.threads > 256) return usage("--threads must be 1..256");
      continue;
    }
    if (a == "--help" || a == "-h") return usage("help");
    return usage(("unknown or incomplete option " + a).c_str());
  }
  if (args.config.empty()) return usage("--config is required");
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
  print_warnings(loaded->warnings);

  std::string host = "0.0.0.0";
  std::uint16_t port = 5000;
  std::string listen_text = !args.listen.empty() ? args.listen : loaded->base_url;
  if (!listen_text.empty() && !split_host_port(listen_text, host, port, 5000))
    return usage(("cannot parse listen address '" + listen_text + "'").c_str());

  portico::Gateway gateway;
  gateway.set_log_sink([](portico::LogLevel level, std::string_view msg) {
    static const char* names[] = {"debug", "info", "warn", "error"};
    if (level == portico::LogLevel::Debug) return;
    std::fprintf(stderr, "ocelot_gateway %s: %.*s\n", names[static_cast<int>(level)], static_cast<int>(msg.size()),
                 msg.data());
  });
  if (auto ok = gateway.apply(std::move(loaded->config)); !ok) {
    std::fprintf(stderr, "ocelot_gateway: invalid config %s: %s\n", args.config.c_str(), ok.error().to_string().c_str());
    return 2;
  }
  if (auto ok = gateway.listen({.host = host, .port = port}); !ok) {
    std::fprintf(stderr, "ocelot_gateway: %s\n", ok.error().to_string().c_str());
    return 1;
  }

  std::mutex reload_mu;
  auto reload = [&]() -> std::string {
    std::lock_guard lock(reload_mu);
    auto next = portico::config::load_ocelot_file(args.config);
    if (!next) return "reload failed, keeping the running config: " + next.error().to_string();
    print_warnings(next->warnings);
    if (auto ok = gateway.apply(std::move(next->config)); !ok)
      return "reload failed, keeping the running config: " + ok.error().to_string();
    return "reloaded " + args.config;
  };

  std::unique_ptr<httplib::Server> admin;
  std::thread admin_thread;
  if (!args.admin.empty()) {
    std::string ahost;
    std::uint16_t aport = 0;
    if (!split_host_port(args.admin, ahost, aport, 9000)) return usage("cannot parse --admin");
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
    if (!admin->bind_to_port(ahost.c_str(), aport)) {
      std::fprintf(stderr, "ocelot_gateway: cannot bind admin %s:%u\n", ahost.c_str(), aport);
      return 1;
    }
    admin_thread = std::thread([&] { admin->listen_after_bind(); });
    std::fprintf(stderr, "ocelot_gateway: admin on http://%s:%u\n", ahost.c_str(), aport);
  }

  std::vector<std::thread> loops;
  for (unsigned i = 0; i < args.threads; ++i) loops.emplace_back([&] { gateway.run(); });
  std::fprintf(stderr, "ocelot_gateway: serving %s on http://%s:%u with %u loop(s)\n", args.config.c_str(),
               host.c_str(), gateway.port(), args.threads);

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
