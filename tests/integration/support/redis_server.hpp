#pragma once
// A real redis-server (Debian's) for tests: in the foreground, no persistence, on 127.0.0.1:`port`,
// its output discarded; killed (SIGKILL, as a crash) by stop() or the destructor.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/net_helpers.hpp"

extern char** environ;

namespace portico::testing {

class RedisServer {
 public:
  explicit RedisServer(std::uint16_t port) : port_(port) {
    std::vector<std::string> args{"/usr/bin/redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--loglevel", "warning"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t quiet;  // its banner and warnings would bury the test's output
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&quiet, 1, 2);
    REQUIRE(::posix_spawn(&pid_, argv[0], &quiet, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&quiet);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!RawClient(port).connected()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~RedisServer() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace portico::testing
