// `accrue serve` as a child process for tests: started on a free port of 127.0.0.1 (the port
// read from its first line of output), stopped with a signal, its exit status returned.
#pragma once

#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "testing/cli_runner.h"

namespace accrue::testing {

class ServeProcess {
 public:
  // Starts `accrue serve --port 0 --quiet ARGS...`; port() is 0 if it did not come up.
  ServeProcess(const TempDir& dir, std::vector<std::string> args) : out_(dir / NextName()) {
    args.insert(args.begin(), {"serve", "--port", "0", "--quiet"});
    pid_ = SpawnAccrue(args, out_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    static const std::regex kServing("serving on http://127\\.0\\.0\\.1:([0-9]+)/");
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string text = ReadFile(out_);
      if (std::regex_search(text, m, kServing)) {
        port_ = static_cast<uint16_t>(std::stoi(m[1]));
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitForChild(pid_);
    }
  }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 once stopped
  std::string output() const { return ReadFile(out_); }

  // Sends `sig` and waits; returns the exit code (-1 if a signal ended it).
  int Stop(int sig = SIGTERM) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    const int status = WaitForChild(pid_);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  static std::string NextName() {
    static int n = 0;
    return "serve-" + std::to_string(++n) + ".out";
  }
  std::string out_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace accrue::testing
