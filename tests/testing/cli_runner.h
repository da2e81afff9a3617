// Running the real `accrue` binary from tests: a scratch directory, a child process with its
// stdout and stderr captured (optionally under a memory limit, with its peak memory measured),
// and a database set up the way an operator would with `accrue init`, `import` and `ingest`.
//
// Header-only on purpose: tests/*_test.cc are globbed into one binary, so helper code lives
// here rather than in a .cc of its own.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace accrue::testing {

inline std::string AccrueBinary() { return ACCRUE_BINARY; }
inline std::string PoliciesDir() { return std::string(ACCRUE_SOURCE_DIR) + "/policies"; }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The lines of `text` (without their line breaks).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct RunOptions {
  // RLIMIT_AS for the child (bytes), to prove its memory stays bounded.
  std::optional<rlim_t> address_space_limit;
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  // Another `accrue` to run (an installed copy); empty for the one built beside the tests.
  std::string binary;
  // The child's working directory; empty for the test's own.
  std::string cwd;
};

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended the process, if any
  bool timed_out = false;
  std::string out;
  std::string err;
  int64_t max_rss_kb = 0;  // the child's peak resident memory
  double seconds = 0;

  // For assertion messages.
  std::string Describe() const {
    return "exit " + std::to_string(exit_code) +
           (signal != 0 ? " signal " + std::to_string(signal) : "") +
           (timed_out ? " (timed out)" : "") + "\n--- stdout ---\n" + out + "--- stderr ---\n" +
           err;
  }
};

namespace internal {

// argv for execv: the binary, then `args`. The strings must outlive the call.
inline std::vector<char*> Argv(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

}  // namespace internal

// Runs `accrue ARGS...` to completion with stdout and stderr captured. Only async-signal-safe
// calls happen between fork and exec.
inline CliResult RunAccrue(const std::vector<std::string>& args, const RunOptions& options = {}) {
  const std::string binary = options.binary.empty() ? AccrueBinary() : options.binary;
  std::vector<char*> argv = internal::Argv(binary, args);
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    if (options.address_space_limit) {
      struct rlimit limit = {*options.address_space_limit, *options.address_space_limit};
      setrlimit(RLIMIT_AS, &limit);
    }
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  CliResult result;
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  const auto deadline = start + options.timeout;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    const int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  struct rusage usage = {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

// Starts `accrue ARGS...` without waiting: stdin from /dev/null, stdout to `out_path` (or
// /dev/null), stderr to the file descriptor `stderr_fd` if >= 0 (e.g. a pseudo-terminal) or
// else /dev/null. Returns the child's pid.
inline pid_t SpawnAccrue(const std::vector<std::string>& args, const std::string& out_path = "",
                         int stderr_fd = -1) {
  const std::string binary = AccrueBinary();
  std::vector<char*> argv = internal::Argv(binary, args);
  const std::string out = out_path.empty() ? "/dev/null" : out_path;
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDWR);
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd < 0 || out_fd < 0) _exit(126);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(stderr_fd >= 0 ? stderr_fd : null_fd, STDERR_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for a child started by SpawnAccrue; returns its raw wait status.
inline int WaitForChild(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// A database in a scratch directory, driven through the CLI.
class AccrueDb {
 public:
  AccrueDb() : db_(dir_ / "accrue.db") {}

  const TempDir& dir() const { return dir_; }
  const std::string& db() const { return db_; }
  std::string File(const std::string& name) const { return dir_ / name; }

  // `accrue ARGS... --db DB`.
  CliResult Run(std::vector<std::string> args, const RunOptions& options = {}) const {
    args.push_back("--db");
    args.push_back(db_);
    return RunAccrue(args, options);
  }

  // `accrue init --policies <source>/policies`; throws if it fails.
  void Init() const { Must(Run({"init", "--policies", PoliciesDir()}), "init"); }

  // Writes `csv` to a file NAME in the directory and imports it as `what`
  // (entities, workers, jurisdictions).
  void Import(const std::string& what, const std::string& csv) const {
    const std::string path = File("import-" + what + ".csv");
    WriteFile(path, csv);
    Must(Run({"import", what, path}), "import " + what);
  }

  // Writes `csv` to FILE in the directory and ingests it with extra `flags`.
  CliResult Ingest(const std::string& file, const std::string& csv,
                   std::vector<std::string> flags = {}, const RunOptions& options = {}) const {
    const std::string path = File(file);
    WriteFile(path, csv);
    std::vector<std::string> args = {"ingest", path};
    args.insert(args.end(), flags.begin(), flags.end());
    return Run(args, options);
  }

  // `accrue balance ACCOUNT --json`, parsed.
  nlohmann::json Balance(const std::string& account) const {
    return ParseJson(Must(Run({"balance", account, "--json"}), "balance " + account));
  }

  // `accrue verify --json`, parsed (its exit status is checked by the caller via "ok").
  nlohmann::json Verify() const {
    const CliResult r = Run({"verify", "--json"});
    if (r.exit_code != 0 && r.exit_code != 2) throw std::runtime_error("verify: " + r.Describe());
    return ParseJson(r);
  }
  int64_t Entries() const { return Verify().at("entries").get<int64_t>(); }

  static nlohmann::json ParseJson(const CliResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("not JSON (") + e.what() + "): " + r.Describe());
    }
  }

  static const CliResult& Must(const CliResult& r, const std::string& what) {
    if (r.exit_code != 0) throw std::runtime_error("accrue " + what + " failed: " + r.Describe());
    return r;
  }

 private:
  TempDir dir_;
  std::string db_;
};

// The per-benefit figures of a `balance --json` answer: benefit → (money, leave hours).
inline std::map<std::string, std::pair<std::string, std::string>> Benefits(
    const nlohmann::json& balance) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto& b : balance.at("benefits")) {
    out[b.at("benefit").get<std::string>()] = {b.at("money").get<std::string>(),
                                               b.at("leave_hours").get<std::string>()};
  }
  return out;
}

}  // namespace accrue::testing
