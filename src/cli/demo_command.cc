// demo: a store with the example programs and a generated month of work, then a look at a
// few workers' accounts. The README's run command until the server exists.
#include <chrono>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "csv/csv_reader.h"
#include "ingest/csv_ingest.h"
#include "ingest/registry_csv.h"
#include "ingest/report_csv.h"
#include "registry/registry.h"
#include "workload/workload.h"

namespace accrue::cli {
namespace {

struct DemoArgs {
  std::string policies = "policies";
  int64_t workers = 300;
};

Status Seed(Store& store, const DemoArgs& args, const Workload& w, const std::string& csv_path) {
  ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(args.policies + "/jurisdictions.csv"));
  ASSIGN_OR_RETURN(auto jurisdictions, ReadJurisdictionsCsv(&reader));
  if (!jurisdictions.errors.empty()) return Status::Invalid(jurisdictions.errors[0].ToString());
  std::vector<Jurisdiction> list;
  for (auto& e : jurisdictions.entries) list.push_back(e.value);
  RETURN_IF_ERROR(store.AddJurisdictions(list));
  ASSIGN_OR_RETURN(int loaded, LoadPoliciesIntoStore(store, args.policies));
  std::cout << "loaded " << loaded << " policy files from " << args.policies << "/\n";
  std::vector<HiringEntity> entities;
  for (const auto& p : w.entities) entities.push_back(p.entity);
  RETURN_IF_ERROR(store.AddEntities(entities));
  ASSIGN_OR_RETURN(auto workers, store.AddWorkers(w.workers));
  std::cout << "registered " << entities.size() << " hiring entities and " << workers.size()
            << " workers\n";

  // The month's reports, then what a payroll system's second file looks like: a resend, a
  // correction, and rows with mistakes.
  std::ofstream csv(csv_path, std::ios::binary | std::ios::trunc);
  std::string text = ReportCsvHeaderLine();
  ReportStream stream(w);
  WorkReport r, first;
  while (stream.Next(&r)) {
    if (stream.produced() == 1) first = r;
    AppendReportCsvRow(r, &text);
  }
  AppendReportCsvRow(first, &text);  // a resend: already recorded
  WorkReport fix = first;
  fix.report_id = "r-fix-1";
  fix.replaces = first.report_id;
  fix.hours = first.hours + Hours::Whole(1);
  AppendReportCsvRow(fix, &text);
  std::string bad = first.report_id + "x," + first.entity + ",";
  std::string acct = first.worker.ToString();
  acct[0] = acct[0] == '9' ? '1' : static_cast<char>(acct[0] + 1);  // a mistyped digit
  text += "bad-1," + first.entity + "," + acct + ",2026-09-02," + first.jurisdiction +
          ",2,40.00,,1,1099,,\n";
  text += "bad-2," + first.entity + "," + first.worker.ToString() + ",2026-02-30," +
          first.jurisdiction + ",-2,40.00,,1,1099,,\n";
  csv << text;
  return Status::Ok();
}

}  // namespace

Result<Workload> BuildDemoStore(Globals& g, const std::string& policies, int64_t workers) {
  if (!g.postgres.empty()) {
    return Status::Invalid("the demo builds a fresh SQLite file; use --db, not --postgres");
  }
  if (g.db == "accrue.db") g.db = "accrue-demo.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(g.db + suffix);
  const std::string csv_path = g.db + ".reports.csv";
  ASSIGN_OR_RETURN(auto store, OpenStore(g));
  WorkloadSpec spec;
  spec.workers = workers;
  spec.entities = 8;
  spec.reports = workers * 30;
  // A month of work that began 100 days ago, so that whenever the demo runs, sick leave is
  // past its 90-day waiting period and the last 90 days' earnings value it.
  ASSIGN_OR_RETURN(Date today, TodayIn("UTC", std::chrono::system_clock::now()));
  spec.first_day = today.AddDays(-100);
  Workload w = MakeWorkload(spec);
  RETURN_IF_ERROR(Seed(*store, DemoArgs{policies, workers}, w, csv_path));

  ASSIGN_OR_RETURN(auto registry, Registry::Load(*store));
  ASSIGN_OR_RETURN(auto reader, CsvReader::Open(csv_path));
  CsvIngestOptions options;
  options.source = "demo";
  options.on_reject = [&](const std::vector<FieldError>& errors, auto) {
    for (const auto& e : errors) std::cout << "  refused: " << e.ToString() << "\n";
  };
  std::cout << "\naccrue ingest " << csv_path << "\n";
  ASSIGN_OR_RETURN(auto summary, IngestCsv(*store, *registry, std::move(reader), options));
  std::cout << "  " << summary.rows << " rows: " << summary.recorded << " recorded, "
            << summary.corrected << " corrected, " << summary.already_recorded
            << " already recorded, " << summary.rejected << " refused\n";
  return w;
}

namespace {

int RunDemo(Globals g, const DemoArgs& args) {
  auto built = BuildDemoStore(g, args.policies, args.workers);
  if (!built.ok()) return Fail(built.status());
  const Workload& w = *built;

  // One worker of each kind of work: Seattle rideshare, a Washington employee, cleaning.
  for (size_t k : {size_t{0}, size_t{1}, size_t{4}}) {
    for (size_t i = 0; i < w.workers.size(); ++i) {
      if (w.worker_entities[i][0] != static_cast<int>(k) || w.worker_entities[i].size() < 2) {
        continue;
      }
      const std::string account = w.workers[i].account.ToString();
      std::cout << "\n$ accrue balance " << account << "\n";
      Balance(g, account);
      std::cout << "\n$ accrue explain " << account << "   (first lines)\n";
      Explain(g, account, "", 8);
      break;
    }
  }
  std::cout << "\n$ accrue verify\n";
  const int verified = Verify(g);
  std::cout << "\nThe demo database is " << g.db << "; try: accrue balance --db " << g.db << " "
            << w.workers[0].account.ToString() << "\n";
  return verified;
}

}  // namespace

void AddDemoCommand(CLI::App& app, Globals& g, int& status) {
  static DemoArgs args;
  auto* demo = app.add_subcommand(
      "demo", "Build a demo database (example programs, a generated month) and show accounts");
  AddGlobalOptions(demo, g);
  auto* policies = demo->add_option("--policies", args.policies, "Directory of policy packs")
                       ->capture_default_str();
  demo->add_option("--workers", args.workers, "Workers to generate")->capture_default_str();
  demo->callback([&g, &status, policies] {
    args.policies = ResolvePolicies(args.policies, policies->count() > 0);
    status = RunDemo(g, args);
  });
}

}  // namespace accrue::cli
