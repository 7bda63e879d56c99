// The demo's microservices, on cpp-httplib (fine for test upstreams; never Portico's data path):
// products, users (two instances, to show load balancing) and orders, each its own server. Every
// service also answers /debug/echo with the request it received, to show what the gateway forwards.
//   demo_services [--host 127.0.0.1] [--products 5001] [--users 5002] [--orders 5003] [--users-b 5004]
#include <httplib.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

void add_echo(httplib::Server& svr, const std::string& service) {
  svr.Get("/debug/echo", [service](const httplib::Request& req, httplib::Response& res) {
    std::string body = "{\"service\":\"" + service + "\",\"method\":\"" + req.method + "\",\"path\":\"" +
                       json_escape(req.path) + "\",\"headers\":{";
    bool first = true;
    for (const auto& [k, v] : req.headers) {
      if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
      body += (first ? "\"" : ",\"") + json_escape(k) + "\":\"" + json_escape(v) + "\"";
      first = false;
    }
    body += "}}\n";
    res.set_content(body, "application/json");
  });
  svr.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
}

std::atomic<bool> g_stop{false};
std::vector<httplib::Server*> g_servers;

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int products_port = 5001, users_port = 5002, orders_port = 5003, users_b_port = 5004;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--host") host = argv[i + 1];
    else if (a == "--products") products_port = std::atoi(argv[i + 1]);
    else if (a == "--users") users_port = std::atoi(argv[i + 1]);
    else if (a == "--orders") orders_port = std::atoi(argv[i + 1]);
    else if (a == "--users-b") users_b_port = std::atoi(argv[i + 1]);
    else return std::fprintf(stderr, "unknown option %s\n", argv[i]), 2;
  }

  httplib::Server products, users, users_b, orders;
  const char* catalog[] = {"keyboard", "mouse", "monitor", "laptop", "headset"};
  products.Get("/products", [&](const httplib::Request&, httplib::Response& res) {
    std::string body = "[";
    for (int i = 0; i < 5; ++i)
      body += std::string(i ? "," : "") + "{\"id\":" + std::to_string(i + 1) + ",\"name\":\"" + catalog[i] + "\"}";
    res.set_content(body + "]\n", "application/json");
  });
  products.Get(R"(/products/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    int id = std::atoi(req.matches[1].str().c_str());
    if (id < 1 || id > 5) {
      res.status = 404;
      res.set_content("{\"error\":\"no such product\"}\n", "application/json");
      return;
    }
    res.set_content("{\"id\":" + std::to_string(id) + ",\"name\":\"" + catalog[id - 1] + "\"}\n", "application/json");
  });
  for (auto [svr, name] : {std::pair{&users, "users-a"}, std::pair{&users_b, "users-b"}}) {
    std::string instance = name;
    svr->Get(R"(/users/(\d+))", [instance](const httplib::Request& req, httplib::Response& res) {
      res.set_content("{\"id\":" + req.matches[1].str() + ",\"name\":\"user " + req.matches[1].str() +
                          "\",\"served_by\":\"" + instance + "\"}\n",
                      "application/json");
    });
    svr->Post("/users", [instance](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content("{\"created\":true,\"received_bytes\":" + std::to_string(req.body.size()) +
                          ",\"served_by\":\"" + instance + "\"}\n",
                      "application/json");
    });
  }
  std::mutex orders_mu;
  std::vector<std::string> order_list;
  orders.Get("/orders", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(orders_mu);
    std::string body = "[";
    for (std::size_t i = 0; i < order_list.size(); ++i) body += (i ? "," : "") + order_list[i];
    res.set_content(body + "]\n", "application/json");
  });
  orders.Post("/orders", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(orders_mu);
    std::string order = "{\"id\":" + std::to_string(order_list.size() + 1) + ",\"bytes\":" +
                        std::to_string(req.body.size()) + "}";
    order_list.push_back(order);
    res.status = 201;
    res.set_content(order + "\n", "application/json");
  });
  add_echo(products, "products");
  add_echo(users, "users-a");
  add_echo(users_b, "users-b");
  add_echo(orders, "orders");

  g_servers = {&products, &users, &users_b, &orders};
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });

  std::vector<std::thread> threads;
  struct Svc { httplib::Server* s; int port; const char* name; };
  for (Svc svc : {Svc{&products, products_port, "products"}, Svc{&users, users_port, "users-a"},
                  Svc{&users_b, users_b_port, "users-b"}, Svc{&orders, orders_port, "orders"}}) {
    if (!svc.s->bind_to_port(host.c_str(), svc.port))
      return std::fprintf(stderr, "demo_services: cannot bind %s:%d (%s)\n", host.c_str(), svc.port, svc.name), 1;
    std::printf("demo_services: %s on http://%s:%d\n", svc.name, host.c_str(), svc.port);
    threads.emplace_back([s = svc.s] { s->listen_after_bind(); });
  }
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (auto* s : g_servers) s->stop();
  for (auto& t : threads) t.join();
}
