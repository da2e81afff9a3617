// ingest FILE.csv, balance ACCOUNT, explain ACCOUNT, verify.
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "aggregates/aggregates.h"
#include "benefits/funding.h"
#include "cli/commands.h"
#include "csv/csv_reader.h"
#include "eligibility/eligibility.h"
#include "ingest/csv_ingest.h"
#include "ingest/report_csv.h"
#include "ledger/account_view.h"
#include "registry/registry.h"

namespace accrue::cli {
namespace {

std::string HoursText(Hours h) { return h.ToFixed(4) + " h"; }

// Redraws the terminal's progress line: a bar for `done` of `total`, then `tail`.
void DrawProgress(int64_t done, int64_t total, const std::string& tail) {
  const int width = 30;
  const int64_t percent = total > 0 ? std::clamp<int64_t>(100 * done / total, 0, 100) : 0;
  const int filled = static_cast<int>(width * percent / 100);
  std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
            << percent << "%  " << tail << std::flush;
}

void ProgressBar(int64_t bytes, int64_t total, int64_t recorded) {
  DrawProgress(bytes, total, std::to_string(recorded) + " reports recorded");
}

struct IngestArgs {
  std::string file;
  std::string rejects;
  bool all_or_nothing = false;
  size_t batch_rows = CsvIngestOptions{}.batch_rows;
};

int Ingest(const Globals& g, const IngestArgs& args) {
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto registry = Registry::Load(**store);
  if (!registry.ok()) return Fail(registry.status());
  auto reader = CsvReader::Open(args.file);
  if (!reader.ok()) return Fail(reader.status());

  std::ofstream rejects;
  if (!args.rejects.empty()) {
    rejects.open(args.rejects, std::ios::binary | std::ios::trunc);
    if (!rejects) return Fail(Status::Io("cannot write " + args.rejects));
  }
  CsvIngestOptions options;
  options.all_or_nothing = args.all_or_nothing;
  options.batch_rows = std::max<size_t>(1, args.batch_rows);
  options.source = "csv:" + args.file;
  options.on_header = [&](const std::vector<std::string>& columns) {
    if (rejects.is_open()) rejects << RejectsCsvHeaderLine(columns);
  };
  options.on_reject = [&](const std::vector<FieldError>& errors,
                          std::span<const std::string_view> fields) {
    for (const FieldError& e : errors) std::cerr << args.file << ": " << e.ToString() << "\n";
    if (rejects.is_open()) {
      std::string rows;
      AppendRejectsCsvRows(errors, fields, &rows);
      rejects << rows;
    }
  };
  // A second connection reads for the next batch while the last one is written. PostgreSQL
  // cannot tell whether another client wrote meanwhile, so it goes one batch at a time.
  std::unique_ptr<Store> snapshots;
  if (g.postgres.empty() && !args.all_or_nothing) {
    auto second = OpenStore(g);
    if (!second.ok()) return Fail(second.status());
    snapshots = std::move(*second);
    options.reader = snapshots.get();
  }
  const bool tty = isatty(STDERR_FILENO) != 0 && !g.json;
  if (tty) options.on_progress = ProgressBar;
  auto summary = IngestCsv(**store, **registry, std::move(*reader), options);
  if (tty) std::cerr << "\n";
  if (!summary.ok()) return Fail(summary.status());
  const CsvIngestSummary& s = *summary;
  if (g.json) {
    PrintJson({{"rows", s.rows},
               {"recorded", s.recorded},
               {"corrected", s.corrected},
               {"already_recorded", s.already_recorded},
               {"rejected", s.rejected},
               {"batches", s.batches},
               {"committed", s.committed}});
  } else if (!s.committed) {
    std::cout << s.rows << " rows: " << s.rejected
              << " refused, so nothing was recorded (--all-or-nothing)\n";
  } else {
    std::cout << s.rows << " rows: " << s.recorded << " recorded, " << s.corrected << " corrected, "
              << s.already_recorded << " already recorded, " << s.rejected << " refused\n";
  }
  return s.rejected == 0 ? 0 : 1;
}

}  // namespace

int Balance(const Globals& g, const std::string& account_text) {
  auto account = AccountNumber::Parse(account_text);
  if (!account.ok()) return Fail(account.status());
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto s = SummarizeAccount(**store, *account);
  if (!s.ok()) return Fail(s.status());
  if (g.json) {
    PrintJson(ToJson(*s));
    return 0;
  }
  std::cout << "Account " << s->worker.account.ToString() << "  " << s->worker.name << "  ("
            << s->reports << " reports)\n\n";
  Table benefits({"Benefit", "Money", "Leave hours"});
  for (const auto& b : s->benefits) {
    benefits.Add({b.benefit, b.money.is_zero() ? "" : Dollars(b.money.units()),
                  b.leave_hours.is_zero() ? "" : HoursText(b.leave_hours)});
  }
  benefits.Add({"total", Dollars(s->total.units()), ""});
  benefits.Print(std::cout);
  std::cout << "\n";
  Table payers({"Paid by", "Payer", "Money"});
  for (const auto& p : s->by_payer) {
    payers.Add({p.entity, PayerName(p.payer), Dollars(p.money.units())});
  }
  payers.Print(std::cout);
  return 0;
}

int Explain(const Globals& g, const std::string& account_text, const std::string& benefit,
            size_t limit) {
  auto account = AccountNumber::Parse(account_text);
  if (!account.ok()) return Fail(account.status());
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto lines = ExplainAccount(**store, *account, benefit);
  if (!lines.ok()) return Fail(lines.status());
  auto amount_text = [](const ExplainLine& l) {
    return l.unit == Unit::kHours ? Hours::FromUnits(l.amount).ToString(4) + " h"
                                  : Money::FromUnits(l.amount).ToString(2);
  };
  if (g.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : *lines) out.push_back(ToJson(l));
    PrintJson(out);
    return 0;
  }
  Table t({"Date", "Entity", "Report", "Benefit", "Amount", "Program", "Version", "Rule", "Payer",
           "Rate", "Note"});
  for (size_t i = 0; i < lines->size() && i < limit; ++i) {
    const ExplainLine& l = (*lines)[i];
    t.Add({l.work_date.ToString(), l.entity, l.report_id, l.benefit, amount_text(l), l.pack,
           l.version, l.rule, l.unit == Unit::kHours ? "" : PayerName(l.payer), l.rate, l.note});
  }
  t.Print(std::cout);
  if (lines->size() > limit) std::cout << "... and " << lines->size() - limit << " more lines\n";
  return 0;
}

int Verify(const Globals& g) {
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  // On a terminal, a bar that moves with each whole percent of the entries checked.
  const bool tty = isatty(STDERR_FILENO) != 0 && !g.json;
  int64_t shown = -1;
  auto progress = [&shown](int64_t checked, int64_t total) {
    const int64_t percent = total > 0 ? 100 * checked / total : 100;
    if (percent == shown) return;
    shown = percent;
    DrawProgress(checked, total,
                 std::to_string(checked) + " of " + std::to_string(total) + " entries checked");
  };
  auto v = (*store)->Verify(tty ? VerifyProgress(progress) : VerifyProgress());
  if (tty && shown >= 0) std::cerr << "\n";
  if (!v.ok()) return Fail(v.status());
  // The benefits module's fund journal and invoices hold money too.
  auto funds = benefits::VerifyFunds(**store);
  if (!funds.ok()) return Fail(funds.status());
  for (auto& p : *funds) v->problems.push_back("funds: " + p);
  if (g.json) {
    PrintJson({{"batches", v->batches},
               {"entries", v->entries},
               {"accounts", v->accounts},
               {"ok", v->problems.empty()},
               {"problems", v->problems}});
  } else {
    for (const auto& p : v->problems) std::cerr << "accrue: verify: " << p << "\n";
    std::cout << (v->problems.empty() ? "ledger verifies: " : "LEDGER DOES NOT VERIFY: ")
              << Counted(v->batches, "batch", "batches") << ", "
              << Counted(v->entries, "entry", "entries") << ", "
              << Counted(v->accounts, "account", "accounts") << "\n";
  }
  return v->problems.empty() ? 0 : 2;
}

// Contributions credited to workers by month, jurisdiction, program, benefit and payer.
int Aggregates(const Globals& g, const std::string& from_text, const std::string& to_text) {
  OR_FAIL(Date today, TodayIn("UTC", std::chrono::system_clock::now()));
  YearMonth to = YearMonth::Of(today);
  if (!to_text.empty()) {
    OR_FAIL(to, YearMonth::Parse(to_text));
  }
  YearMonth from = to.Plus(-11);
  if (!from_text.empty()) {
    OR_FAIL(from, YearMonth::Parse(from_text));
  }
  if (to < from) {
    return Fail(Status::Invalid("--from " + from.ToString() + " is after --to " + to.ToString()));
  }
  return WithStore(g, [&](Store& store) {
    // It may fold a day's entries first: a read-mostly connection.
    if (Status st = store.TuneForReads(); !st.ok()) return Fail(st);
    OR_FAIL(auto rows, aggregates::Contributions(store, from.ToString(), to.ToString()));
    if (g.json) {
      PrintJson(aggregates::ToJson(from.ToString(), to.ToString(), rows));
      return 0;
    }
    Table t({"Month", "Jurisdiction", "Program", "Benefit", "Payer", "Amount"});
    for (const aggregates::Row& r : rows) {
      t.Add({r.month, r.jurisdiction, r.program, r.benefit, r.payer, r.amount.ToFixed(2)});
    }
    t.Print(std::cout);
    return 0;
  });
}

void AddLedgerCommands(CLI::App& app, Globals& g, int& status) {
  static IngestArgs ingest_args;
  auto* ingest = app.add_subcommand("ingest", "Record a work-report CSV file");
  AddGlobalOptions(ingest, g);
  ingest->add_option("FILE", ingest_args.file, "Work-report CSV")->required();
  ingest->add_option("--rejects", ingest_args.rejects, "Write refused rows to this CSV");
  ingest->add_flag("--all-or-nothing", ingest_args.all_or_nothing,
                   "Record nothing if any row is refused");
  ingest->add_option("--batch-rows", ingest_args.batch_rows, "Rows per durable batch")
      ->capture_default_str();
  ingest->callback([&g, &status] { status = Ingest(g, ingest_args); });

  static std::string balance_account;
  auto* balance = app.add_subcommand("balance", "A worker's balances");
  AddGlobalOptions(balance, g);
  balance->add_option("ACCOUNT", balance_account, "Account number")->required();
  balance->callback([&g, &status] { status = Balance(g, balance_account); });

  static std::string explain_account, explain_benefit;
  auto* explain = app.add_subcommand("explain", "Every report, rate and program behind a balance");
  AddGlobalOptions(explain, g);
  explain->add_option("ACCOUNT", explain_account, "Account number")->required();
  explain->add_option("--benefit", explain_benefit, "Only this benefit");
  explain->callback(
      [&g, &status] { status = Explain(g, explain_account, explain_benefit, SIZE_MAX); });

  static std::string aggregates_from, aggregates_to;
  auto* aggregates = app.add_subcommand(
      "aggregates", "Contributions by month, jurisdiction, program, benefit and payer");
  AddGlobalOptions(aggregates, g);
  aggregates->add_option("--from", aggregates_from, "First month YYYY-MM (default: --to less 11)");
  aggregates->add_option("--to", aggregates_to, "Last month YYYY-MM (default: this month, UTC)");
  aggregates->callback([&g, &status] { status = Aggregates(g, aggregates_from, aggregates_to); });

  auto* verify = app.add_subcommand("verify", "Recompute every balance and check the hash chain");
  AddGlobalOptions(verify, g);
  verify->callback([&g, &status] { status = Verify(g); });
}

}  // namespace accrue::cli
