// accrue simulate: project what policy packs cost and buy over a population (docs/simulator.md).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "policy/loader.h"
#include "sim/output.h"
#include "sim/simulator.h"

namespace accrue::cli {
namespace {

struct SimArgs {
  std::vector<std::string> packs;
  std::vector<std::string> compare;
  std::string policies = "policies";
  int64_t workers = 10'000;
  uint64_t seed = 1;
  int months = 12;
  std::string start = "2026-01";
  std::string report_period = "week";
  int multi_entity_percent = 40;
  int independent_percent = 33;
  int64_t entities = 200;
  std::string jurisdictions;
  std::string sectors;
  std::string cohorts;
  std::string reports;
  std::vector<std::string> thresholds;
  int threads = 0;
  std::string csv_out;
  std::string svg_out;
  std::string json_out;
};

// The CLI's bounds (the library's defaults; a server would set its own, smaller ones).
constexpr int64_t kMaxWorkers = 2'000'000;
constexpr int kMaxMonths = 120;

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::Io("cannot write " + path);
  return Status::Ok();
}

Result<std::vector<PackPtr>> LoadPacks(const std::vector<std::string>& files,
                                       const std::vector<BenefitType>& benefits,
                                       const std::vector<Jurisdiction>& jurisdictions) {
  std::vector<PackPtr> out;
  for (const std::string& f : files) {
    if (!std::filesystem::exists(f))
      return Status::NotFound("policy pack " + f + " does not exist");
    ASSIGN_OR_RETURN(PackPtr p, LoadPack(f, benefits));
    RETURN_IF_ERROR(CheckJurisdictions(*p, [&](const std::string& code) {
      return std::any_of(jurisdictions.begin(), jurisdictions.end(),
                         [&](const Jurisdiction& j) { return j.code == code; });
    }));
    out.push_back(std::move(p));
  }
  return out;
}

std::string ScenarioName(const std::vector<PackPtr>& packs) {
  std::string name;
  for (const auto& p : packs) name += (name.empty() ? "" : "+") + p->id;
  return name;
}

int Run(const SimArgs& a, bool json) {
  if (a.months < 1 || a.months > kMaxMonths) {
    return Fail(Status::Invalid("--months must be 1 to " + std::to_string(kMaxMonths) + ", not " +
                                std::to_string(a.months)));
  }
  if (a.workers < 1 || a.workers > kMaxWorkers) {
    return Fail(Status::Invalid("--workers must be 1 to " + std::to_string(kMaxWorkers) + ", not " +
                                std::to_string(a.workers)));
  }
  auto start = Date::Parse(a.start + "-01");
  if (!start.ok()) return Fail(Status::Invalid("--start must be YYYY-MM, not '" + a.start + "'"));
  const std::filesystem::path dir(a.policies);
  auto benefits = LoadBenefits((dir / "benefits.toml").string());
  if (!benefits.ok()) return Fail(benefits.status());
  auto jurisdictions = LoadJurisdictions((dir / "jurisdictions.csv").string());
  if (!jurisdictions.ok()) return Fail(jurisdictions.status());

  sim::SimulationRequest req;
  req.benefits = *benefits;
  req.jurisdictions = *jurisdictions;
  req.first_day = *start;
  req.months = a.months;
  req.threads = a.threads;
  req.limits.max_workers = kMaxWorkers;
  req.limits.max_months = kMaxMonths;
  auto base = LoadPacks(a.packs, *benefits, *jurisdictions);
  if (!base.ok()) return Fail(base.status());
  req.scenarios.push_back({ScenarioName(*base), *base});
  if (!a.compare.empty()) {
    auto other = LoadPacks(a.compare, *benefits, *jurisdictions);
    if (!other.ok()) return Fail(other.status());
    req.scenarios.push_back({ScenarioName(*other), *other});
    if (req.scenarios[1].name == req.scenarios[0].name) req.scenarios[1].name += " (compare)";
  }
  for (const std::string& t : a.thresholds) {
    auto th = sim::ParseThreshold(t);
    if (!th.ok()) return Fail(th.status());
    req.thresholds.push_back(*th);
  }

  Result<std::unique_ptr<sim::Population>> population = Status::Invalid("no population");
  if (!a.cohorts.empty() && !a.reports.empty()) {
    return Fail(Status::Invalid("give --cohorts or --reports, not both"));
  }
  if (!a.cohorts.empty()) {
    if (!std::filesystem::exists(a.cohorts)) {
      return Fail(Status::NotFound("cohort table " + a.cohorts + " does not exist"));
    }
    population = sim::LoadCohortPopulation(a.cohorts, kMaxWorkers, a.seed);
  } else if (!a.reports.empty()) {
    if (!std::filesystem::exists(a.reports)) {
      return Fail(Status::NotFound("work-report file " + a.reports + " does not exist"));
    }
    population = sim::LoadReportPopulation(a.reports, kMaxWorkers, {});
  } else {
    sim::SyntheticSpec spec;
    spec.seed = a.seed;
    spec.workers = a.workers;
    spec.multi_entity_percent = a.multi_entity_percent;
    spec.independent_percent = a.independent_percent;
    spec.entities = a.entities;
    if (a.report_period == "day") {
      spec.report_period = sim::SyntheticSpec::ReportPeriod::kDay;
    } else if (a.report_period == "month") {
      spec.report_period = sim::SyntheticSpec::ReportPeriod::kMonth;
    } else if (a.report_period != "week") {
      return Fail(Status::Invalid("--report-period must be day, week or month"));
    }
    if (!a.jurisdictions.empty()) {
      auto w = sim::ParseWeights(a.jurisdictions);
      if (!w.ok()) return Fail(w.status().WithContext("--jurisdictions"));
      spec.jurisdictions = *w;
    }
    if (!a.sectors.empty()) {
      auto w = sim::ParseWeights(a.sectors);
      if (!w.ok()) return Fail(w.status().WithContext("--sectors"));
      spec.sectors = *w;
    }
    population = sim::MakeSyntheticPopulation(spec);
  }
  if (!population.ok()) return Fail(population.status());
  req.population = population->get();

  auto result = sim::RunSimulation(req);
  if (!result.ok()) return Fail(result.status());
  const nlohmann::json j = sim::ToJson(*result);
  if (!a.json_out.empty()) {
    if (Status st = WriteText(a.json_out, j.dump(2) + "\n"); !st.ok()) return Fail(st);
  }
  if (!a.csv_out.empty()) {
    if (Status st = WriteText(a.csv_out, sim::ToCsv(*result)); !st.ok()) return Fail(st);
  }
  if (!a.svg_out.empty()) {
    if (Status st = WriteText(a.svg_out, sim::ToSvg(*result)); !st.ok()) return Fail(st);
  }
  if (json) {
    PrintJson(j);
  } else {
    std::cout << sim::ToText(*result);
  }
  return 0;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, Globals& g, int& status) {
  static SimArgs args;
  auto* cmd = app.add_subcommand(
      "simulate", "Project what policy packs cost and what they buy workers (docs/simulator.md)");
  cmd->add_flag("--json", g.json, "Print the result as JSON");
  cmd->add_option("--pack", args.packs, "Policy pack file(s) in force together")->required();
  cmd->add_option("--compare", args.compare, "Pack file(s) of a second scenario to compare");
  auto* policies = cmd->add_option("--policies", args.policies,
                                   "Directory with benefits.toml and jurisdictions.csv")
                       ->capture_default_str();
  cmd->add_option("--workers", args.workers, "Synthetic workers (1 to 2000000)")
      ->capture_default_str();
  cmd->add_option("--seed", args.seed, "Generator seed")->capture_default_str();
  cmd->add_option("--months", args.months, "Months to project (1 to 120)")->capture_default_str();
  cmd->add_option("--start", args.start, "First month, YYYY-MM")->capture_default_str();
  cmd->add_option("--report-period", args.report_period,
                  "Synthetic reports per worker and entity: day, week or month")
      ->capture_default_str();
  cmd->add_option("--multi-entity-percent", args.multi_entity_percent,
                  "Workers with two or more hiring entities, percent")
      ->capture_default_str();
  cmd->add_option("--independent-percent", args.independent_percent,
                  "Hiring entities classifying their workers 1099, percent")
      ->capture_default_str();
  cmd->add_option("--entities", args.entities, "Synthetic hiring entities")->capture_default_str();
  cmd->add_option("--jurisdictions", args.jurisdictions,
                  "Where the work is, CODE:WEIGHT,... (default: the example packs' places)");
  cmd->add_option("--sectors", args.sectors, "Sectors, NAME:WEIGHT,...");
  cmd->add_option("--cohorts", args.cohorts, "Aggregate table CSV instead of synthetic workers");
  cmd->add_option("--reports", args.reports, "Work-report CSV instead of synthetic workers");
  cmd->add_option("--threshold", args.thresholds,
                  "Eligibility threshold BENEFIT:hours|dollars:AMOUNT:month|quarter|year");
  cmd->add_option("--threads", args.threads, "Threads (0: one per core)")->capture_default_str();
  cmd->add_option("--csv", args.csv_out, "Also write the figures as CSV to this file");
  cmd->add_option("--svg", args.svg_out, "Also write the charts as SVG to this file");
  cmd->add_option("--json-out", args.json_out, "Also write the JSON to this file");
  cmd->callback([&g, &status, policies] {
    args.policies = ResolvePolicies(args.policies, policies->count() > 0);
    status = Run(args, g.json);
  });
}

}  // namespace accrue::cli
