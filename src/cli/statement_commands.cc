// statement worker ACCOUNT --month YYYY-MM | --year YYYY, statement entity ID --year YYYY;
// each as CSV or PDF, to a file or standard output.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "statements/statements.h"

namespace accrue::cli {
namespace {

struct StatementArgs {
  std::string party;
  std::string month;
  std::string year;
  std::string format = "csv";
  std::string out;
};

int Write(const StatementDocument& doc, const StatementArgs& args) {
  std::string bytes;
  if (args.format == "pdf") {
    auto pdf = RenderPdf(doc);
    if (!pdf.ok()) return Fail(pdf.status());
    bytes = std::move(*pdf);
  } else {
    bytes = RenderCsv(doc);
  }
  if (args.out.empty() || args.out == "-") {
    std::cout << bytes << std::flush;
    return 0;
  }
  std::ofstream f(args.out, std::ios::binary | std::ios::trunc);
  f << bytes;
  f.close();
  if (!f) return Fail(Status::Io("cannot write " + args.out));
  std::cerr << "wrote " << args.out << " (" << doc.title << ", " << doc.period << ")\n";
  return 0;
}

int WorkerStatement(const Globals& g, const StatementArgs& args) {
  if (args.month.empty() == args.year.empty()) {
    return Fail(Status::Invalid("give either --month YYYY-MM or --year YYYY"));
  }
  auto account = AccountNumber::Parse(args.party);
  if (!account.ok()) return Fail(account.status());
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  if (!args.month.empty()) {
    auto notice = BuildWorkerMonthlyNotice(**store, *account, args.month);
    if (!notice.ok()) return Fail(notice.status());
    return Write(ToDocument(*notice), args);
  }
  auto year = ParseStatementYear(args.year);
  if (!year.ok()) return Fail(year.status());
  auto statement = BuildWorkerAnnualStatement(**store, *account, *year);
  if (!statement.ok()) return Fail(statement.status());
  return Write(ToDocument(*statement), args);
}

int EntityStatement(const Globals& g, const StatementArgs& args) {
  auto year = ParseStatementYear(args.year);
  if (!year.ok()) return Fail(year.status());
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto statement = BuildEntityAnnualStatement(**store, args.party, *year);
  if (!statement.ok()) return Fail(statement.status());
  return Write(ToDocument(*statement), args);
}

void AddOutputOptions(CLI::App* cmd, StatementArgs& args) {
  cmd->add_option("--format", args.format, "csv or pdf")
      ->check(CLI::IsMember({"csv", "pdf"}))
      ->capture_default_str();
  cmd->add_option("--out", args.out, "Write to this file (default: standard output)");
}

}  // namespace

void AddStatementCommands(CLI::App& app, Globals& g, int& status) {
  auto* statement = app.add_subcommand("statement", "Statements as CSV or PDF");
  statement->require_subcommand(1);

  static StatementArgs worker_args;
  auto* worker = statement->add_subcommand(
      "worker", "A worker's monthly balance notice (--month) or annual statement (--year)");
  AddGlobalOptions(worker, g);
  worker->add_option("ACCOUNT", worker_args.party, "Account number")->required();
  worker->add_option("--month", worker_args.month, "YYYY-MM: the monthly balance notice");
  worker->add_option("--year", worker_args.year, "YYYY: the annual statement");
  AddOutputOptions(worker, worker_args);
  worker->callback([&g, &status] { status = WorkerStatement(g, worker_args); });

  static StatementArgs entity_args;
  auto* entity = statement->add_subcommand(
      "entity", "A hiring entity's annual contribution statement for its tax deduction");
  AddGlobalOptions(entity, g);
  entity->add_option("ID", entity_args.party, "Hiring entity id")->required();
  entity->add_option("--year", entity_args.year, "YYYY")->required();
  AddOutputOptions(entity, entity_args);
  entity->callback([&g, &status] { status = EntityStatement(g, entity_args); });
}

}  // namespace accrue::cli
