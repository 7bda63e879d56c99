// Opens N keep-alive connections to HOST:PORT, sends one GET on each and reads its whole response
// (Content-Length framed), then holds every connection open and idle until SIGTERM/SIGINT.
// Used by benchmarks/idle_connections to measure a server's memory per idle keep-alive connection.
//
//   idle_client --port PORT [--host 127.0.0.1] [--connections 10000] [--path /]
//               [--ready-file PATH] [--hold-seconds 600]
//
// When every connection has had its answer it prints "ok=N failed=M" to stdout and, if given,
// writes the same line to --ready-file (atomically, via rename). Sockets close with RST
// (SO_LINGER 0) so repeated runs leave no TIME_WAIT behind.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int usage() {
  std::fprintf(stderr,
               "usage: idle_client --port PORT [--host 127.0.0.1] [--connections N] [--path /] "
               "[--ready-file PATH] [--hold-seconds S]\n");
  return 2;
}

/// Connects, sends one request, reads one Content-Length-framed response. Returns the fd or -1.
int one_connection(const sockaddr_in& addr, const std::string& request, std::string& why) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    why = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    why = std::string("send: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  std::string in;
  char buf[4096];
  std::size_t need = std::string::npos;  // total bytes of head + body, once the head is known
  while (need == std::string::npos || in.size() < need) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      why = n == 0 ? "closed before a whole response" : std::string("recv: ") + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    in.append(buf, static_cast<std::size_t>(n));
    if (need == std::string::npos) {
      auto end = in.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (in.compare(0, 12, "HTTP/1.1 200") != 0) {
        why = "status line: " + in.substr(0, in.find('\r'));
        ::close(fd);
        return -1;
      }
      std::string head = in.substr(0, end);
      for (auto& ch : head) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      auto cl = head.find("\r\ncontent-length:");
      if (cl == std::string::npos) {
        why = "response without Content-Length";
        ::close(fd);
        return -1;
      }
      need = end + 4 + std::strtoull(head.c_str() + cl + 17, nullptr, 10);
    }
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", path = "/", ready_file;
  long port = 0, connections = 10000, hold_seconds = 600;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--host") host = v;
    else if (a == "--port") port = std::strtol(v.c_str(), nullptr, 10);
    else if (a == "--connections") connections = std::strtol(v.c_str(), nullptr, 10);
    else if (a == "--path") path = v;
    else if (a == "--ready-file") ready_file = v;
    else if (a == "--hold-seconds") hold_seconds = std::strtol(v.c_str(), nullptr, 10);
    else return usage();
  }
  if (port <= 0 || port > 65535 || connections <= 0) return usage();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return usage();

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                              "\r\nUser-Agent: portico-idle-client\r\nAccept: */*\r\n\r\n";
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(connections));
  long failed = 0;
  std::string first_error;
  for (long i = 0; i < connections && !g_stop; ++i) {
    std::string why;
    int fd = one_connection(addr, request, why);
    if (fd < 0) {
      if (failed++ == 0) first_error = why;
      continue;
    }
    fds.push_back(fd);
  }
  char line[256];
  std::snprintf(line, sizeof line, "ok=%zu failed=%ld%s%s\n", fds.size(), failed, failed ? " first_error=" : "",
                failed ? first_error.c_str() : "");
  std::fputs(line, stdout);
  std::fflush(stdout);
  if (!ready_file.empty()) {
    std::string tmp = ready_file + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
      std::fputs(line, f);
      std::fclose(f);
      std::rename(tmp.c_str(), ready_file.c_str());
    }
  }
  for (long s = 0; s < hold_seconds && !g_stop; ++s) ::sleep(1);
  for (int fd : fds) ::close(fd);
  return failed == 0 ? 0 : 1;
}
