// "Acknowledged means durable": `accrue ingest` is killed with SIGKILL at random points of a
// large ingest, many times, and rerun each time; then one uninterrupted run finishes the file.
//
// What is shown:
//   - every acknowledgement the CLI gave is durable: the CLI's progress line (printed after
//     each durable batch when stderr is a terminal, so the test gives it a pseudo-terminal)
//     says "N reports recorded"; after the kill the store holds at least what it held before
//     the run plus N, and the entry count never goes down from one kill to the next;
//   - after every kill the ledger verifies (no half-written batch, hash chain intact);
//   - at the end every report is there exactly once (entries == distinct reports; a further
//     rerun finds all of them "already recorded"), and every worker's balances equal those
//     of a single clean ingest of the same file into a second database.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/report_csv.h"
#include "store/store.h"
#include "testing/cli_runner.h"
#include "workload/workload.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::CliResult;
using testing::WriteFile;

constexpr int64_t kWorkers = 5'000;
constexpr int64_t kReports = 200'000;  // 40 per worker
constexpr int kKills = 12;
constexpr uint32_t kSeed = 20261122;
// Each run is killed after 20 ms to this: with the rows already recorded skipped quickly on
// each rerun, the kills land further and further into the file.
constexpr int kMaxDelayMs = 2500;

WorkloadSpec Spec() {
  WorkloadSpec spec;
  spec.seed = 7;
  spec.workers = kWorkers;
  spec.entities = 8;
  spec.reports = kReports;
  spec.first_day = Date::FromYmd(2026, 6, 1);  // in the past, in force for every example pack
  spec.days = 30;
  return spec;
}

// Registers the workload's entities and workers (with their account numbers) in `db`.
void Register(const AccrueDb& db, const Workload& w) {
  db.Init();
  std::string entities = "id,name,sector,size\n";
  for (const EntityProfile& p : w.entities) {
    entities += p.entity.id + "," + p.entity.name + "," + p.entity.sector + "," +
                std::to_string(p.entity.size) + "\n";
  }
  db.Import("entities", entities);
  std::string workers = "name,birth_date,home_jurisdiction,account\n";
  for (const Worker& worker : w.workers) {
    workers += worker.name + "," + worker.birth_date.ToString() + "," + worker.home_jurisdiction +
               "," + worker.account.ToString() + "\n";
  }
  db.Import("workers", workers);
}

int64_t CountEntries(const std::string& path) {
  auto store = OpenSqliteStore(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return -1;
  auto n = (*store)->CountEntries();
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : -1;
}

// The ledger's Verify() problems (empty: it verifies), and its entry count.
std::pair<std::vector<std::string>, int64_t> VerifyStore(const std::string& path) {
  auto store = OpenSqliteStore(path);
  if (!store.ok()) return {{store.status().ToString()}, -1};
  auto v = (*store)->Verify();
  if (!v.ok()) return {{v.status().ToString()}, -1};
  return {v->problems, v->entries};
}

// Every balance of every worker, as (account, unit, amount) rows.
std::vector<std::string> AllBalances(const std::string& path, const Workload& w) {
  std::vector<std::string> out;
  auto store = OpenSqliteStore(path);
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return out;
  for (const Worker& worker : w.workers) {
    auto balances = (*store)->WorkerBalances(worker.account);
    EXPECT_TRUE(balances.ok()) << balances.status().ToString();
    if (!balances.ok()) continue;
    for (const AccountBalance& b : *balances) {
      out.push_back(b.account + " " + std::to_string(static_cast<int>(b.unit)) + " " +
                    std::to_string(b.amount));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A pseudo-terminal: the child's stderr is the slave side, the test reads the master.
struct Pty {
  int master = -1;
  int slave = -1;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return;
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  }
  ~Pty() {
    if (slave >= 0) close(slave);
    if (master >= 0) close(master);
  }
  void Drain(std::string* out) const {
    char buf[4096];
    for (;;) {
      const ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) return;
      out->append(buf, static_cast<size_t>(n));
    }
  }
};

// The highest "N reports recorded" the progress output acknowledged (0 if none).
int64_t Acknowledged(const std::string& progress) {
  static const std::regex kAck("([0-9]+) reports recorded");
  int64_t best = 0;
  for (auto it = std::sregex_iterator(progress.begin(), progress.end(), kAck);
       it != std::sregex_iterator(); ++it) {
    best = std::max<int64_t>(best, std::stoll((*it)[1].str()));
  }
  return best;
}

TEST(CrashTest, SigkillDuringIngestLosesNoAcknowledgedReportAndDoublesNone) {
  const auto started = std::chrono::steady_clock::now();
  const Workload w = MakeWorkload(Spec());
  AccrueDb crashed;
  AccrueDb clean;
  Register(crashed, w);
  Register(clean, w);

  const std::string csv = crashed.File("reports.csv");
  {
    std::string text = ReportCsvHeaderLine();
    ReportStream stream(w);
    WorkReport r;
    while (stream.Next(&r)) AppendReportCsvRow(r, &text);
    ASSERT_EQ(stream.produced(), kReports);
    WriteFile(csv, text);
  }
  const std::vector<std::string> ingest = {"ingest", csv, "--batch-rows", "2000"};

  // The reference: one clean, uninterrupted ingest into a second database, run alongside.
  std::vector<std::string> clean_args = ingest;
  clean_args.insert(clean_args.end(), {"--db", clean.db()});
  const std::string clean_out = clean.File("clean.out");
  pid_t clean_pid = testing::SpawnAccrue(clean_args, clean_out);
  struct Reaper {  // stops the reference run if the test ends early
    pid_t* pid;
    ~Reaper() {
      if (*pid > 0) {
        kill(*pid, SIGKILL);
        testing::WaitForChild(*pid);
      }
    }
  } reaper{&clean_pid};

  std::mt19937 random(kSeed);
  std::uniform_int_distribution<int> delay_ms(20, kMaxDelayMs);
  std::vector<std::string> db_args = {"--db", crashed.db()};
  std::vector<std::string> args = ingest;
  args.insert(args.end(), db_args.begin(), db_args.end());
  int64_t entries = 0;
  int killed_mid_run = 0;
  int64_t acknowledged_total = 0;
  for (int kill_no = 0; kill_no < kKills; ++kill_no) {
    Pty pty;
    ASSERT_GE(pty.slave, 0) << "no pseudo-terminal";
    const int delay = delay_ms(random);
    const pid_t pid = testing::SpawnAccrue(args, "", pty.slave);
    std::string progress;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
    bool exited = false;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      pty.Drain(&progress);
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!exited) {
      ASSERT_EQ(kill(pid, SIGKILL), 0);
      status = testing::WaitForChild(pid);
      killed_mid_run += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 1 : 0;
    }
    pty.Drain(&progress);
    const int64_t acknowledged = Acknowledged(progress);
    acknowledged_total += acknowledged;

    const auto [problems, after] = VerifyStore(crashed.db());
    EXPECT_TRUE(problems.empty()) << "after kill " << kill_no << " (" << delay
                                  << " ms): " << ::testing::PrintToString(problems);
    // Acknowledged means durable: what the run said it recorded is all there.
    EXPECT_GE(after, entries + acknowledged)
        << "kill " << kill_no << " after " << delay << " ms: the run acknowledged " << acknowledged
        << " reports but the store went from " << entries << " to " << after;
    EXPECT_LE(after, kReports) << "more entries than reports: something was doubled";
    entries = std::max(entries, after);
  }
  // At least most runs must really have been interrupted, and batches acknowledged between
  // kills, or the test shows nothing.
  EXPECT_GE(killed_mid_run, kKills / 2);
  EXPECT_GT(acknowledged_total, 0);

  const int clean_status = testing::WaitForChild(clean_pid);
  clean_pid = -1;
  ASSERT_TRUE(WIFEXITED(clean_status) && WEXITSTATUS(clean_status) == 0);
  EXPECT_EQ(testing::ReadFile(clean_out),
            "200000 rows: 200000 recorded, 0 corrected, 0 already recorded, 0 refused\n");
  ASSERT_EQ(CountEntries(clean.db()), kReports);

  // The final, uninterrupted run records the rest and nothing twice.
  const CliResult last = crashed.Run(ingest);
  ASSERT_EQ(last.exit_code, 0) << last.Describe();
  EXPECT_EQ(last.out, "200000 rows: " + std::to_string(kReports - entries) +
                          " recorded, 0 corrected, " + std::to_string(entries) +
                          " already recorded, 0 refused\n");
  const auto [problems, final_entries] = VerifyStore(crashed.db());
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  EXPECT_EQ(final_entries, kReports);

  // Every report once: the same file again changes nothing.
  const CliResult again = crashed.Run(ingest);
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_EQ(again.out,
            "200000 rows: 0 recorded, 0 corrected, 200000 already recorded, "
            "0 refused\n");
  EXPECT_EQ(CountEntries(crashed.db()), kReports);

  // Every balance of every worker equals the clean ingest's.
  const std::vector<std::string> got = AllBalances(crashed.db(), w);
  const std::vector<std::string> want = AllBalances(clean.db(), w);
  EXPECT_FALSE(want.empty());
  EXPECT_TRUE(got == want) << got.size() << " balances against " << want.size();
  // And the CLI agrees for a sample of workers.
  for (size_t i = 0; i < w.workers.size(); i += w.workers.size() / 10) {
    const std::string account = w.workers[i].account.ToString();
    EXPECT_EQ(crashed.Balance(account), clean.Balance(account)) << account;
  }
  const auto verify = crashed.Run({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
  RecordProperty(
      "seconds",
      std::to_string(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
}

}  // namespace
}  // namespace accrue
