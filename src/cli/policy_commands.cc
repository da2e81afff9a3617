// policy check FILE…, policy test [DIR], policy load DIR.
#include <filesystem>
#include <set>

#include "cli/commands.h"
#include "csv/csv_reader.h"
#include "engine/pack_tests.h"
#include "ingest/registry_csv.h"
#include "policy/loader.h"
#include "registry/registry.h"

namespace accrue::cli {
namespace {

std::string DirOf(const std::string& file) {
  const auto parent = std::filesystem::path(file).parent_path();
  return parent.empty() ? "." : parent.string();
}

// `name` in `dir` or, for packs kept in a subfolder (policies/scenarios/), in its parent.
std::string Beside(const std::string& dir, const std::string& name) {
  const auto here = std::filesystem::path(dir) / name;
  const auto parent = std::filesystem::path(dir).parent_path() / name;
  return (std::filesystem::exists(here) || !std::filesystem::exists(parent) ? here : parent)
      .string();
}

// The jurisdiction codes known to `policy check`: the given CSV, else jurisdictions.csv beside
// the first file (or in its parent folder), else none (parents are then not checked).
Result<std::set<std::string>> KnownJurisdictions(const std::string& csv_path, bool* checked) {
  std::set<std::string> codes;
  *checked = false;
  if (csv_path.empty() || !std::filesystem::exists(csv_path)) return codes;
  ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(csv_path));
  ASSIGN_OR_RETURN(auto csv, ReadJurisdictionsCsv(&reader));
  for (const auto& e : csv.entries) codes.insert(e.value.code);
  *checked = true;
  return codes;
}

int Check(const std::vector<std::string>& files, std::string jurisdictions_csv, bool json) {
  if (jurisdictions_csv.empty()) {
    jurisdictions_csv = Beside(DirOf(files[0]), "jurisdictions.csv");
  }
  auto benefits = LoadBenefits(Beside(DirOf(files[0]), "benefits.toml"));
  if (!benefits.ok()) return Fail(benefits.status());
  bool checked = false;
  auto known = KnownJurisdictions(jurisdictions_csv, &checked);
  if (!known.ok()) return Fail(known.status());
  std::vector<PolicyError> errors;
  int packs = 0;
  for (const std::string& file : files) {
    PackCheck c = CheckPackFile(file, *benefits);
    for (auto& e : c.errors) errors.push_back(std::move(e));
    if (!c.ok()) continue;
    ++packs;
    if (checked) {
      for (auto& e : JurisdictionErrors(
               *c.pack, [&](const std::string& code) { return known->count(code) != 0; })) {
        errors.push_back(std::move(e));
      }
    }
  }
  if (json) {
    nlohmann::json out = {{"files", files.size()}, {"errors", nlohmann::json::array()}};
    for (const auto& e : errors) {
      out["errors"].push_back(
          {{"file", e.file}, {"line", e.line}, {"key", e.key}, {"message", e.message}});
    }
    PrintJson(out);
  } else {
    for (const auto& e : errors) std::cerr << e.ToString() << "\n";
    if (errors.empty()) std::cout << packs << " policy packs OK\n";
  }
  return errors.empty() ? 0 : 1;
}

int Test(const std::string& dir, bool json) {
  auto benefits = LoadBenefits(Beside(dir, "benefits.toml"));
  if (!benefits.ok()) return Fail(benefits.status());
  auto packs = LoadPackDir(dir, *benefits);
  if (!packs.ok()) return Fail(packs.status());
  int passed = 0, failed = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const PackPtr& pack : *packs) {
    for (const PackTestResult& r : RunPackTests(*pack)) {
      r.failures.empty() ? ++passed : ++failed;
      if (json) {
        out.push_back(
            {{"pack", r.pack}, {"test", r.name}, {"line", r.line}, {"failures", r.failures}});
        continue;
      }
      std::cout << (r.failures.empty() ? "ok    " : "FAIL  ") << r.pack << ": " << r.name << "\n";
      for (const auto& f : r.failures) {
        std::cout << "        " << pack->file << ":" << r.line << ": " << f << "\n";
      }
    }
  }
  if (json) {
    PrintJson({{"passed", passed}, {"failed", failed}, {"tests", out}});
  } else {
    std::cout << passed << " passed, " << failed << " failed\n";
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

void AddPolicyCommands(CLI::App& app, Globals& g, int& status) {
  auto* policy = app.add_subcommand("policy", "Check, test and load policy packs");
  policy->require_subcommand(1);

  static std::vector<std::string> files;
  static std::string jurisdictions;
  auto* check = policy->add_subcommand("check", "Validate policy pack files");
  AddGlobalOptions(check, g);
  check->add_option("FILE", files, "Pack files (.toml)")->required();
  check->add_option("--jurisdictions", jurisdictions,
                    "Jurisdictions CSV for parent checks (default: jurisdictions.csv beside "
                    "the first file)");
  check->callback([&g, &status] { status = Check(files, jurisdictions, g.json); });

  static std::string test_dir = "policies";
  auto* test = policy->add_subcommand("test", "Run every pack's own test cases");
  AddGlobalOptions(test, g);
  auto* dir = test->add_option("DIR", test_dir, "Directory of packs")->capture_default_str();
  test->callback(
      [&g, &status, dir] { status = Test(ResolvePolicies(test_dir, dir->count() > 0), g.json); });

  static std::string load_dir;
  auto* load = policy->add_subcommand("load", "Load the packs in DIR into the database");
  AddGlobalOptions(load, g);
  load->add_option("DIR", load_dir, "Directory of packs")->required();
  load->callback([&g, &status] {
    auto store = OpenStore(g);
    if (!store.ok()) {
      status = Fail(store.status());
      return;
    }
    auto n = LoadPoliciesIntoStore(**store, load_dir);
    status = n.ok() ? 0 : Fail(n.status());
    if (n.ok()) std::cout << "loaded " << *n << " new or changed policy files\n";
  });
}

}  // namespace accrue::cli
