// A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory, listening
// on a free port of 127.0.0.1 (and a socket in that directory), trust authentication for the
// `postgres` user, fsync off (the tests check transactions, not power loss).
//
// PostgresServer::Shared() starts one server per test process, on first use, and stops it and
// deletes its directory when the process exits; a watchdog process does the same if the test
// process dies without exiting (a crash, an abort, a kill). NewDatabase() gives each test a
// database of its own.
//
// The binaries are looked for in $ACCRUE_PG_BIN, then /usr/lib/postgresql/<version>/bin
// (Debian's `postgresql` package; the newest version wins). Missing binaries are an error for
// the caller to fail the test with, not a reason to skip it. Run as root, the server runs as
// the `postgres` user (initdb refuses root), through runuser.
#pragma once

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace accrue::testing {

class PostgresServer {
 public:
  // The process's server, started on first use. Check ok() before using it.
  static PostgresServer& Shared() {
    static PostgresServer server;
    return server;
  }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer() { Stop(); }

  bool ok() const { return error_.empty(); }
  // Why the server could not be started, with the tail of the tools' output.
  const std::string& error() const { return error_; }

  // Creates an empty database and returns its URL; "" on failure (see error()).
  std::string NewDatabase() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok()) return "";
    const std::string name = "accrue_test_" + std::to_string(++databases_);
    PGconn* conn = PQconnectdb(Url("postgres").c_str());
    std::string err;
    if (PQstatus(conn) != CONNECTION_OK) {
      err = PQerrorMessage(conn);
    } else {
      PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) err = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(conn);
    if (!err.empty()) {
      error_ = "cannot create a test database: " + err;
      return "";
    }
    return Url(name);
  }

  std::string Url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  int port() const { return port_; }

 private:
  PostgresServer() { Start(); }

  static std::string Quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    return out + "'";
  }

  static std::string Tail(const std::filesystem::path& log) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
    return text;
  }

  static std::string FindBinaries() {
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("ACCRUE_PG_BIN"); env != nullptr && *env != '\0') {
      return fs::exists(fs::path(env) / "initdb") ? env : "";
    }
    std::string best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& d : fs::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string v = d.path().filename().string();
      const fs::path bin = d.path() / "bin";
      if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl")) continue;
      const int n = std::atoi(v.c_str());
      if (n > best_version) {
        best_version = n;
        best = bin.string();
      }
    }
    return best;
  }

  // A port on 127.0.0.1 that was free a moment ago.
  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  // Runs a shell command as the server's user, output to `log`; true on success.
  bool Run(const std::string& cmd, const std::filesystem::path& log) const {
    const std::string full = as_user_ + cmd + " > " + Quote(log.string()) + " 2>&1 < /dev/null";
    return std::system(full.c_str()) == 0;
  }

  void Start() {
    namespace fs = std::filesystem;
    bin_ = FindBinaries();
    if (bin_.empty()) {
      error_ =
          "PostgreSQL server binaries not found (looked in $ACCRUE_PG_BIN and "
          "/usr/lib/postgresql/*/bin). Install Debian's `postgresql` package "
          "(./scripts/install-deps.sh does) to run the PostgreSQL store tests.";
      return;
    }
    std::string tmpl = (fs::temp_directory_path() / "accrue-pg-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      error_ = "cannot create a temporary directory for PostgreSQL";
      return;
    }
    dir_ = tmpl;
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr) {
        error_ =
            "running as root, but there is no `postgres` user to run the server as "
            "(Debian's `postgresql` package creates it)";
        return;
      }
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        error_ = "cannot hand " + dir_.string() + " to the postgres user";
        return;
      }
      as_user_ = "runuser -u postgres -- ";
    }
    const fs::path data = dir_ / "data";
    const std::string pg_ctl = Quote(bin_ + "/pg_ctl") + " -D " + Quote(data.string());
    if (!Run(Quote(bin_ + "/initdb") + " -D " + Quote(data.string()) +
                 " -U postgres -A trust -E UTF8 --locale=C --no-sync",
             dir_ / "initdb.log")) {
      error_ = "initdb failed:\n" + Tail(dir_ / "initdb.log");
      return;
    }
    // Stops the server and removes the directory once this process is gone, however it ends.
    const std::string watchdog = "while kill -0 " + std::to_string(getpid()) +
                                 " 2>/dev/null; do sleep 1; done; " + as_user_ + pg_ctl +
                                 " stop -m immediate; rm -rf " + Quote(dir_.string());
    const std::string spawn = "setsid sh -c " + Quote(watchdog) + " > /dev/null 2>&1 < /dev/null &";
    if (std::system(spawn.c_str()) != 0) {
      error_ = "cannot start the PostgreSQL watchdog";
      return;
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      const std::string options = "-k " + dir_.string() + " -p " + std::to_string(port_) +
                                  " -c listen_addresses=127.0.0.1 -c fsync=off"
                                  " -c full_page_writes=off -c shared_buffers=16MB"
                                  " -c max_connections=40";
      if (Run(pg_ctl + " -l " + Quote((dir_ / "server.log").string()) + " -w -t 60 -o " +
                  Quote(options) + " start",
              dir_ / "pg_ctl.log")) {
        started_ = true;
        return;
      }
    }
    error_ = "the PostgreSQL server did not start:\n" + Tail(dir_ / "pg_ctl.log") + "\n" +
             Tail(dir_ / "server.log");
  }

  void Stop() {
    if (dir_.empty()) return;
    if (started_) {
      Run(Quote(bin_ + "/pg_ctl") + " -D " + Quote((dir_ / "data").string()) +
              " stop -m fast -w -t 60",
          "/dev/null");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }

  std::mutex mu_;
  std::string bin_;
  std::string as_user_;  // "runuser -u postgres -- " when run as root
  std::filesystem::path dir_;
  int port_ = 0;
  bool started_ = false;
  int databases_ = 0;
  std::string error_;
};

}  // namespace accrue::testing
