// ingest_bench: end-to-end CSV → durable ledger throughput, against `sqlite3 .import` of the
// same file as the floor.
//
// Contract:
//   - Generates a deterministic month of work (September 2026, seed 42) with MakeWorkload and
//     ReportStream: --workers workers, --entities hiring entities across the example programs'
//     jurisdictions and sectors (some workers with two or three entities), --reports reports,
//     written as a work-report CSV in --dir.
//   - Seeds a fresh SQLite store in --dir exactly as `accrue demo` does (jurisdictions,
//     policies, entities, workers), then times IngestCsv on the file: CSV parse → validate →
//     engine → ledger → durable commit of every batch (WAL, synchronous=FULL). Every row must
//     be recorded; a refused row fails the run. Batches are pipelined as `accrue ingest` does
//     (a second connection reads while a background thread writes); --serial writes them one
//     at a time instead.
//   - Reports reports/s, bytes on disk per report (database + WAL after a TRUNCATE
//     checkpoint), peak RSS of the process (getrusage; it includes the generator and the
//     registries) and of the ingest phase alone where Linux lets the high-water mark be reset.
//   - Unless --skip-import: runs the sqlite3 CLI to `.import --csv --skip 1` the same CSV into a
//     plain table with a unique (hiring_entity, report_id) key in a fresh database with the
//     same pragmas, timed the same way, and prints both rates and their ratio.
//   - Finally reopens the store, runs Verify() and prints whether the ledger verifies and how
//     long it took. Exit status: 0 when everything was recorded and the ledger verifies,
//     1 on a failure, 2 when the ledger does not verify.
//   - Without --keep the files in --dir are removed at the end.
//
// Usage:
//   ingest_bench [--workers N] [--entities N] [--reports N] [--batch-rows N] [--dir D]
//                [--policies D] [--skip-import] [--serial] [--keep] [--json]
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/status.h"
#include "csv/csv_reader.h"
#include "ingest/csv_ingest.h"
#include "ingest/report_csv.h"
#include "registry/registry.h"
#include "seed.h"
#include "store/store.h"
#include "workload/workload.h"

namespace accrue {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  int64_t workers = 100'000;
  int64_t entities = 50;
  int64_t reports = 5'000'000;
  size_t batch_rows = CsvIngestOptions{}.batch_rows;
  std::string dir = "/tmp/accrue-bench";
  std::string policies;
  bool skip_import = false;
  bool serial = false;  // one batch at a time, without the background writer
  bool keep = false;
  bool json = false;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int64_t FileSize(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

// ru_maxrss of this process (kilobytes on Linux), in bytes.
int64_t PeakRss(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<int64_t>(u.ru_maxrss) * 1024;
}

// User + system CPU time of `who` so far, in seconds.
double CpuSeconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Resets the kernel's high-water mark of this process's resident set (Linux 4.0+).
bool ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

// VmHWM from /proc/self/status, in bytes; -1 if unavailable.
int64_t HighWaterRss() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

std::string Mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

Result<Args> ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return Status::Invalid(f + " needs a value");
      return std::string(argv[++i]);
    };
    auto number = [&](int64_t min) -> Result<int64_t> {
      ASSIGN_OR_RETURN(std::string v, value());
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < min) {
        return Status::Invalid(f + ": '" + v + "' is not a whole number >= " + std::to_string(min));
      }
      return static_cast<int64_t>(n);
    };
    if (f == "--workers") {
      ASSIGN_OR_RETURN(a.workers, number(1));
    } else if (f == "--entities") {
      ASSIGN_OR_RETURN(a.entities, number(1));
    } else if (f == "--reports") {
      ASSIGN_OR_RETURN(a.reports, number(1));
    } else if (f == "--batch-rows") {
      ASSIGN_OR_RETURN(int64_t n, number(1));
      a.batch_rows = static_cast<size_t>(n);
    } else if (f == "--dir") {
      ASSIGN_OR_RETURN(a.dir, value());
    } else if (f == "--policies") {
      ASSIGN_OR_RETURN(a.policies, value());
    } else if (f == "--skip-import") {
      a.skip_import = true;
    } else if (f == "--serial") {
      a.serial = true;
    } else if (f == "--keep") {
      a.keep = true;
    } else if (f == "--json") {
      a.json = true;
    } else if (f == "--help" || f == "-h") {
      return Status::Invalid(
          "usage: ingest_bench [--workers N] [--entities N] [--reports N] [--batch-rows N] "
          "[--dir D] [--policies D] [--skip-import] [--serial] [--keep] [--json]");
    } else {
      return Status::Invalid("unknown argument '" + f + "' (try --help)");
    }
  }
  if (a.policies.empty()) {
    // ./policies when run from the source tree, else the source tree's own.
    a.policies = fs::exists("policies/benefits.toml")
                     ? "policies"
                     : (fs::path(__FILE__).parent_path().parent_path() / "policies").string();
  }
  return a;
}

// Writes the month's reports as a CSV, streaming; returns the rows written.
Result<int64_t> WriteCsv(const Workload& w, const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::Io("cannot write " + path.string());
  std::string text = ReportCsvHeaderLine();
  ReportStream stream(w);
  WorkReport r;
  bool ok = true;
  while (stream.Next(&r)) {
    AppendReportCsvRow(r, &text);
    if (text.size() >= (1 << 20)) {
      ok = ok && std::fwrite(text.data(), 1, text.size(), f) == text.size();
      text.clear();
    }
  }
  ok = ok && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) return Status::Io("cannot write " + path.string());
  return stream.produced();
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Io(std::string("database: ") + msg);
  }
  return Status::Ok();
}

// Folds the WAL into the database file and truncates it, so the file sizes are the data's.
Status Checkpoint(const fs::path& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Status::Io("cannot open " + db_path.string());
  }
  Status st = Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return st;
}

int64_t DiskBytes(const fs::path& db_path) {
  return FileSize(db_path) + FileSize(db_path.string() + "-wal");
}

void RemoveDb(const fs::path& db_path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(db_path.string() + suffix, ec);
  }
}

struct Figures {
  int64_t rows = 0;
  int64_t csv_bytes = 0;
  double generate_s = 0, seed_s = 0;
  double ingest_s = 0, ingest_cpu_s = 0;
  int64_t recorded = 0, rejected = 0, batches = 0, background_batches = 0;
  double checkpoint_s = 0;
  int64_t db_bytes = 0;
  int64_t peak_rss = 0;          // whole process
  int64_t ingest_peak_rss = -1;  // ingest phase alone, if measurable
  std::optional<double> import_s;
  double import_cpu_s = 0;
  int64_t import_db_bytes = 0;
  bool verified = false;
  double verify_s = 0;
  VerifyResult verify;
};

Result<Figures> Run(const Args& a) {
  Figures fig;
  const fs::path dir = a.dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Io("cannot create " + dir.string() + ": " + ec.message());
  const fs::path csv = dir / "reports.csv";
  const fs::path db_path = dir / "ledger.db";
  const fs::path import_path = dir / "import.db";
  RemoveDb(db_path);
  RemoveDb(import_path);

  WorkloadSpec spec;
  spec.seed = 42;
  spec.workers = a.workers;
  spec.entities = a.entities;
  spec.reports = a.reports;
  spec.first_day = Date::FromYmd(2026, 9, 1);
  spec.days = 30;
  auto t = Clock::now();
  const Workload w = MakeWorkload(spec);
  ASSIGN_OR_RETURN(fig.rows, WriteCsv(w, csv));
  fig.csv_bytes = FileSize(csv);
  fig.generate_s = Seconds(t);

  {
    t = Clock::now();
    ASSIGN_OR_RETURN(auto store, OpenSqliteStore(db_path.string()));
    RETURN_IF_ERROR(bench::Seed(*store, a.policies, w).WithContext("seeding the store"));
    ASSIGN_OR_RETURN(auto registry, Registry::Load(*store));
    ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(csv.string()));
    fig.seed_s = Seconds(t);

    CsvIngestOptions options;
    std::unique_ptr<Store> snapshots;
    if (!a.serial) {  // as `accrue ingest` does
      ASSIGN_OR_RETURN(snapshots, OpenSqliteStore(db_path.string()));
      options.reader = snapshots.get();
    }
    options.batch_rows = a.batch_rows;
    options.source = "bench";
    // "Now" is after the month, so no work date lies in the future.
    options.now = std::chrono::sys_days(std::chrono::year{2026} / 10 / 15);
    std::string first_refusal;
    options.on_reject = [&](const std::vector<FieldError>& errors, auto) {
      if (first_refusal.empty() && !errors.empty()) first_refusal = errors[0].ToString();
    };
    const bool reset = ResetPeakRss();
    t = Clock::now();
    const double cpu = CpuSeconds();
    ASSIGN_OR_RETURN(CsvIngestSummary summary,
                     IngestCsv(*store, *registry, std::move(reader), options));
    fig.ingest_s = Seconds(t);
    fig.ingest_cpu_s = CpuSeconds() - cpu;
    if (reset) fig.ingest_peak_rss = HighWaterRss();
    fig.recorded = summary.recorded + summary.corrected;
    fig.rejected = summary.rejected;
    fig.batches = summary.batches;
    fig.background_batches = summary.background_batches;
    if (summary.rejected > 0) {
      return Status::Invalid(std::to_string(summary.rejected) +
                             " rows were refused; the first: " + first_refusal);
    }
  }
  fig.peak_rss = PeakRss();
  t = Clock::now();
  RETURN_IF_ERROR(Checkpoint(db_path));
  fig.checkpoint_s = Seconds(t);
  fig.db_bytes = DiskBytes(db_path);

  if (!a.skip_import) {
    const fs::path script = dir / "import.sql";
    {
      std::ofstream s(script, std::ios::trunc);
      s << "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n"
        << "CREATE TABLE r(report_id TEXT, hiring_entity TEXT, worker TEXT, work_date TEXT, "
           "jurisdiction TEXT, hours TEXT, earnings TEXT, tips TEXT, jobs TEXT, "
           "classification TEXT, sector TEXT, replaces TEXT, UNIQUE(hiring_entity, report_id));\n"
        << ".import --csv --skip 1 " << csv.string() << " r\n";
      if (!s) return Status::Io("cannot write " + script.string());
    }
    const std::string cmd = "sqlite3 -bail " + Quote(import_path.string()) + " < " +
                            Quote(script.string()) + " > /dev/null";
    t = Clock::now();
    const double cpu = CpuSeconds(RUSAGE_CHILDREN);
    const int rc = std::system(cmd.c_str());
    fig.import_s = Seconds(t);
    fig.import_cpu_s = CpuSeconds(RUSAGE_CHILDREN) - cpu;
    if (rc != 0) return Status::Io("`" + cmd + "` failed (status " + std::to_string(rc) + ")");
    RETURN_IF_ERROR(Checkpoint(import_path));
    fig.import_db_bytes = DiskBytes(import_path);
    fs::remove(script, ec);
  }

  {
    ASSIGN_OR_RETURN(auto store, OpenSqliteStore(db_path.string()));
    t = Clock::now();
    ASSIGN_OR_RETURN(fig.verify, store->Verify());
    fig.verify_s = Seconds(t);
    fig.verified = fig.verify.problems.empty();
  }
  if (!a.keep) {
    RemoveDb(db_path);
    RemoveDb(import_path);
    fs::remove(csv, ec);
  }
  return fig;
}

void Print(const Args& a, const Figures& f) {
  const double rate = static_cast<double>(f.recorded) / f.ingest_s;
  if (a.json) {
    nlohmann::json j;
    j["workers"] = a.workers;
    j["entities"] = a.entities;
    j["reports"] = f.rows;
    j["batch_rows"] = a.batch_rows;
    j["csv_bytes"] = f.csv_bytes;
    j["generate_seconds"] = f.generate_s;
    j["seed_seconds"] = f.seed_s;
    j["ingest_seconds"] = f.ingest_s;
    j["recorded"] = f.recorded;
    j["rejected"] = f.rejected;
    j["batches"] = f.batches;
    j["background_batches"] = f.background_batches;
    j["ingest_reports_per_second"] = rate;
    j["ingest_cpu_seconds"] = f.ingest_cpu_s;
    j["checkpoint_seconds"] = f.checkpoint_s;
    j["db_bytes"] = f.db_bytes;
    j["db_bytes_per_report"] = static_cast<double>(f.db_bytes) / f.rows;
    j["peak_rss_bytes"] = f.peak_rss;
    j["ingest_peak_rss_bytes"] = f.ingest_peak_rss;
    if (f.import_s) {
      j["import_seconds"] = *f.import_s;
      j["import_reports_per_second"] = f.rows / *f.import_s;
      j["import_cpu_seconds"] = f.import_cpu_s;
      j["import_db_bytes"] = f.import_db_bytes;
      j["import_db_bytes_per_report"] = static_cast<double>(f.import_db_bytes) / f.rows;
      j["ingest_over_import"] = rate / (f.rows / *f.import_s);
    }
    j["verified"] = f.verified;
    j["verify_seconds"] = f.verify_s;
    j["verify_batches"] = f.verify.batches;
    j["verify_entries"] = f.verify.entries;
    j["verify_accounts"] = f.verify.accounts;
    j["verify_problems"] = f.verify.problems;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::ostringstream o;
  o << "accrue ingest benchmark: " << a.workers << " workers, " << a.entities << " entities, "
    << f.rows << " reports (September 2026, seed 42), batches of " << a.batch_rows << "\n"
    << "  csv              " << Mb(f.csv_bytes) << " (" << Fixed(double(f.csv_bytes) / f.rows, 1)
    << " bytes/report), generated in " << Fixed(f.generate_s, 1) << " s\n"
    << "  ingest           " << Fixed(f.ingest_s, 2) << " s  " << Fixed(rate, 0) << " reports/s  ("
    << f.recorded << " recorded, " << f.rejected << " refused, " << f.batches
    << " durable batches, " << f.background_batches << " written in the background; "
    << Fixed(f.ingest_cpu_s, 2) << " s CPU)\n"
    << "  on disk          " << Mb(f.db_bytes) << "  "
    << Fixed(static_cast<double>(f.db_bytes) / f.rows, 1) << " bytes/report (db + wal after a "
    << Fixed(f.checkpoint_s, 2) << " s checkpoint)\n"
    << "  peak RSS         " << Mb(f.peak_rss) << " (process, incl. generator)";
  if (f.ingest_peak_rss >= 0) o << "; ingest phase " << Mb(f.ingest_peak_rss);
  o << "\n";
  if (f.import_s) {
    const double irate = f.rows / *f.import_s;
    o << "  sqlite3 .import  " << Fixed(*f.import_s, 2) << " s  " << Fixed(irate, 0)
      << " reports/s  (" << Fixed(static_cast<double>(f.import_db_bytes) / f.rows, 1)
      << " bytes/report; " << Fixed(f.import_cpu_s, 2) << " s CPU)\n"
      << "  ingest / import  " << Fixed(rate / irate, 2) << "x\n";
  } else {
    o << "  sqlite3 .import  skipped\n";
  }
  o << "  verify           " << (f.verified ? "clean" : "PROBLEMS") << " in "
    << Fixed(f.verify_s, 2) << " s (" << f.verify.batches << " batches, " << f.verify.entries
    << " entries, " << f.verify.accounts << " accounts)\n";
  for (const auto& p : f.verify.problems) o << "    " << p << "\n";
  std::cout << o.str();
}

}  // namespace
}  // namespace accrue

int main(int argc, char** argv) {
  auto args = accrue::ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << args.status().message() << "\n";
    return 1;
  }
  auto figures = accrue::Run(*args);
  if (!figures.ok()) {
    std::cerr << "ingest_bench: " << figures.status().ToString() << "\n";
    return 1;
  }
  accrue::Print(*args, *figures);
  return figures->verified ? 0 : 2;
}
