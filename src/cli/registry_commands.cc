// init, jurisdiction add, entity add, worker add, import jurisdictions|entities|workers.
#include <array>
#include <filesystem>
#include <map>

#include "base/date.h"
#include "base/ids.h"
#include "cli/commands.h"
#include "csv/csv_reader.h"
#include "ingest/registry_csv.h"
#include "registry/registry.h"

namespace accrue::cli {
namespace {

Status ValidateJurisdiction(const Jurisdiction& j) {
  RETURN_IF_ERROR(ValidateJurisdictionCode(j.code));
  if (!j.parent.empty()) RETURN_IF_ERROR(ValidateJurisdictionCode(j.parent));
  if (j.name.empty()) return Status::Invalid("jurisdiction name is empty");
  return ValidateTimeZone(j.time_zone);
}

Status ValidateEntity(const HiringEntity& e) {
  RETURN_IF_ERROR(ValidateId("hiring entity id", e.id));
  RETURN_IF_ERROR(ValidateName("sector", e.sector));
  if (e.name.empty()) return Status::Invalid("hiring entity name is empty");
  if (e.size < 0) return Status::Invalid("size must not be negative");
  return Status::Ok();
}

// Prints each error of an import; returns whether there were none.
bool ReportErrors(const std::vector<FieldError>& errors) {
  for (const FieldError& e : errors) std::cerr << "accrue: " << e.ToString() << "\n";
  return errors.empty();
}

int ImportJurisdictions(Store& store, CsvReader reader) {
  auto csv = ReadJurisdictionsCsv(&reader);
  if (!csv.ok()) return Fail(csv.status());
  if (!ReportErrors(csv->errors)) return 1;
  std::vector<Jurisdiction> list;
  for (auto& e : csv->entries) list.push_back(e.value);
  Status st = store.AddJurisdictions(list);
  if (!st.ok()) return Fail(st);
  std::cout << "imported " << list.size() << " jurisdictions\n";
  return 0;
}

int ImportEntities(Store& store, CsvReader reader) {
  auto csv = ReadEntitiesCsv(&reader);
  if (!csv.ok()) return Fail(csv.status());
  if (!ReportErrors(csv->errors)) return 1;
  std::vector<HiringEntity> list;
  for (auto& e : csv->entries) list.push_back(e.value);
  Status st = store.AddEntities(list);
  if (!st.ok()) return Fail(st);
  std::cout << "imported " << list.size() << " hiring entities\n";
  return 0;
}

int ImportWorkers(Store& store, CsvReader reader, bool json) {
  auto csv = ReadWorkersCsv(&reader);
  if (!csv.ok()) return Fail(csv.status());
  std::vector<FieldError> errors = csv->errors;
  auto jurisdictions = store.ListJurisdictions();
  if (!jurisdictions.ok()) return Fail(jurisdictions.status());
  std::vector<Worker> list;
  for (auto& e : csv->entries) {
    const bool known = std::any_of(jurisdictions->begin(), jurisdictions->end(),
                                   [&](auto& j) { return j.code == e.value.home_jurisdiction; });
    if (!known) {
      errors.push_back(
          {e.row, "home_jurisdiction", "unknown jurisdiction '" + e.value.home_jurisdiction + "'"});
    }
    list.push_back(e.value);
  }
  if (!ReportErrors(errors)) return 1;
  auto added = store.AddWorkers(std::move(list));
  if (!added.ok()) return Fail(added.status());
  nlohmann::json out = nlohmann::json::array();
  for (const Worker& w : *added) {
    if (json) {
      out.push_back({{"name", w.name}, {"account", w.account.ToString()}});
    } else {
      std::cout << w.account.ToString() << "  " << w.name << "\n";
    }
  }
  if (json) PrintJson(out);
  return 0;
}

}  // namespace

void AddGlobalOptions(CLI::App* cmd, Globals& g) {
  cmd->add_option("--db", g.db, "SQLite database file")->capture_default_str();
  cmd->add_option("--postgres", g.postgres,
                  "PostgreSQL connection URL (postgresql://...) instead of the SQLite file")
      ->envname("ACCRUE_POSTGRES");
  cmd->add_flag("--json", g.json, "Machine-readable output");
}

void AddRegistryCommands(CLI::App& app, Globals& g, int& status) {
  auto* init = app.add_subcommand("init", "Create (or migrate) the database");
  AddGlobalOptions(init, g);
  static std::string policies_storage;
  auto* policies = &policies_storage;
  init->add_option("--policies", *policies,
                   "Also import DIR/jurisdictions.csv and load the policy packs in DIR");
  init->callback([&g, &status, policies] {
    auto store = OpenStore(g);
    if (!store.ok()) {
      status = Fail(store.status());
      return;
    }
    if (!policies->empty()) {
      const auto csv = std::filesystem::path(*policies) / "jurisdictions.csv";
      if (std::filesystem::exists(csv)) {
        auto reader = CsvReader::Open(csv.string());
        if (!reader.ok()) {
          status = Fail(reader.status());
          return;
        }
        if ((status = ImportJurisdictions(**store, std::move(*reader))) != 0) return;
      }
      auto loaded = LoadPoliciesIntoStore(**store, *policies);
      if (!loaded.ok()) {
        status = Fail(loaded.status());
        return;
      }
      std::cout << "loaded " << *loaded << " new or changed policy files from " << *policies
                << "\n";
    }
    std::cout << "database ready: " << g.db << "\n";
  });

  auto* jur = app.add_subcommand("jurisdiction", "Manage jurisdictions")->require_subcommand(1);
  auto* jadd = jur->add_subcommand("add", "Add a jurisdiction");
  AddGlobalOptions(jadd, g);
  static Jurisdiction j_storage;
  auto* j = &j_storage;
  jadd->add_option("--code", j->code, "Code, e.g. US-WA-SEATTLE")->required();
  jadd->add_option("--name", j->name, "Name")->required();
  jadd->add_option("--parent", j->parent, "Parent code, e.g. US-WA");
  jadd->add_option("--tz", j->time_zone, "IANA time zone, e.g. America/Los_Angeles")->required();
  jadd->callback([&g, &status, j] {
    Status st = ValidateJurisdiction(*j);
    auto store = OpenStore(g);
    if (st.ok() && !store.ok()) st = store.status();
    if (st.ok()) st = (*store)->AddJurisdictions({*j});
    status = st.ok() ? 0 : Fail(st);
    if (st.ok()) std::cout << "jurisdiction " << j->code << " added\n";
  });

  auto* ent = app.add_subcommand("entity", "Manage hiring entities")->require_subcommand(1);
  auto* eadd = ent->add_subcommand("add", "Add a hiring entity");
  AddGlobalOptions(eadd, g);
  static HiringEntity e_storage;
  auto* e = &e_storage;
  eadd->add_option("--id", e->id, "Identifier, e.g. rideco")->required();
  eadd->add_option("--name", e->name, "Name")->required();
  eadd->add_option("--sector", e->sector, "Sector, e.g. rideshare")->required();
  eadd->add_option("--size", e->size, "Workers engaged (size tiers depend on it)")->required();
  eadd->callback([&g, &status, e] {
    Status st = ValidateEntity(*e);
    auto store = OpenStore(g);
    if (st.ok() && !store.ok()) st = store.status();
    if (st.ok()) st = (*store)->AddEntities({*e});
    status = st.ok() ? 0 : Fail(st);
    if (st.ok()) std::cout << "hiring entity " << e->id << " added\n";
  });

  auto* wrk = app.add_subcommand("worker", "Manage workers")->require_subcommand(1);
  auto* wadd = wrk->add_subcommand("add", "Register a worker and issue an account number");
  AddGlobalOptions(wadd, g);
  static std::array<std::string, 3> w_storage;
  auto* w = &w_storage;
  wadd->add_option("--name", (*w)[0], "Name")->required();
  wadd->add_option("--birth-date", (*w)[1], "Birth date, YYYY-MM-DD")->required();
  wadd->add_option("--home", (*w)[2], "Home jurisdiction code")->required();
  wadd->callback([&g, &status, w] {
    auto birth = Date::Parse((*w)[1]);
    if (!birth.ok()) {
      status = Fail(birth.status().WithContext("--birth-date"));
      return;
    }
    auto store = OpenStore(g);
    if (!store.ok()) {
      status = Fail(store.status());
      return;
    }
    std::string csv = "name,birth_date,home_jurisdiction\n";
    AppendCsvRecord(std::vector<std::string_view>{(*w)[0], (*w)[1], (*w)[2]}, &csv);
    status = ImportWorkers(**store, CsvReader::FromString(csv), g.json);
  });

  auto* imp = app.add_subcommand("import", "Import registries from CSV")->require_subcommand(1);
  for (const char* what : {"jurisdictions", "entities", "workers"}) {
    auto* cmd = imp->add_subcommand(what, std::string("Import ") + what + " from a CSV file");
    AddGlobalOptions(cmd, g);
    static std::map<std::string, std::string> files;
    auto* file = &files[what];
    cmd->add_option("FILE", *file, "CSV file")->required();
    const std::string kind = what;
    cmd->callback([&g, &status, file, kind] {
      auto store = OpenStore(g);
      if (!store.ok()) {
        status = Fail(store.status());
        return;
      }
      auto reader = CsvReader::Open(*file);
      if (!reader.ok()) {
        status = Fail(reader.status());
        return;
      }
      if (kind == "jurisdictions") status = ImportJurisdictions(**store, std::move(*reader));
      if (kind == "entities") status = ImportEntities(**store, std::move(*reader));
      if (kind == "workers") status = ImportWorkers(**store, std::move(*reader), g.json);
    });
  }
}

}  // namespace accrue::cli
