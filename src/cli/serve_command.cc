// serve: the HTTP API (and the portal) over a store; key issue|list|revoke|rotate: API keys
// from the command line, which is how the first administrator key comes to exist.
//
// Configuration comes from flags, then ACCRUE_* environment variables, then a TOML file
// given with --config (a [serve] table with the flags' long names as keys).
#include <signal.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "aggregates/aggregates.h"
#include "api/api.h"
#include "api/metrics.h"
#include "auth/auth.h"
#include "benefits/benefits.h"
#include "cli/commands.h"
#include "server/http_server.h"

namespace accrue::cli {
namespace {

struct ServeArgs {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  size_t threads = std::max(2u, std::thread::hardware_concurrency());
  std::string web;
  int64_t rate_limit = 0;
  int64_t session_hours = 12;
  int64_t fold_seconds = 30;
  bool demo = false;
  std::string policies = "policies";
  int64_t demo_workers = 300;
  bool quiet = false;
};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Two certified providers with a plan each on the exchange, the first the default, and every
// demo worker enrolled with it, so that a worker can move at open enrollment and ask for leave.
Status DemoProviders(Store& store, Date today) {
  using namespace benefits;  // NOLINT(google-build-using-namespace)
  ASSIGN_OR_RETURN(Ratio reserve, ParsePercent("25%"));
  for (const auto& [id, name] : {std::pair<std::string, std::string>{"cascade", "Cascade Mutual"},
                                 {"evergreen", "Evergreen Workers' Fund"}}) {
    RETURN_IF_ERROR(RegisterProvider(
        store,
        {id, name, true, reserve, Money::Whole(50'000), true, ProviderStatus::kRegistered, today},
        today));
    RETURN_IF_ERROR(CertifyProvider(store, id, today));
    RETURN_IF_ERROR(AddPlan(store, {id,
                                    "basic",
                                    "Basic",
                                    {"health", "disability", "workers_comp"},
                                    {"retirement", "vacation", "sick_leave"},
                                    Money::Whole(3),
                                    Ratio()}));
  }
  ASSIGN_OR_RETURN(Terms terms, GetTerms(store));
  terms.default_provider = "cascade";
  terms.default_plan = "basic";
  // Open enrollment all year in the demo, so a change of provider can be tried on any day
  // (a real program's window is a few weeks: `accrue terms set --open-enrollment`).
  terms.window_open = {1, 1};
  terms.window_close = {12, 31};
  RETURN_IF_ERROR(SetTerms(store, terms));
  return AssignDefaults(store, today).status();
}

// Credentials for each role in the demo store, written to an env file for the README's curl
// examples and printed.
Status DemoCredentials(Store& store, const Workload& w, const std::string& env_path,
                       uint16_t port) {
  RETURN_IF_ERROR(MigrateAuth(store.sql()));
  Credentials credentials(store.sql());
  const int64_t now = NowSeconds();
  ASSIGN_OR_RETURN(Date today, TodayIn("UTC", std::chrono::system_clock::now()));
  RETURN_IF_ERROR(DemoProviders(store, today));
  ASSIGN_OR_RETURN(auto provider_key,
                   credentials.IssueKey(Role::kProvider, "cascade", "demo", now));
  ASSIGN_OR_RETURN(auto admin, credentials.IssueKey(Role::kAdmin, "", "demo", now));
  const std::string entity = w.entities.at(0).entity.id;
  ASSIGN_OR_RETURN(auto entity_key, credentials.IssueKey(Role::kEntity, entity, "demo", now));
  const std::string password = "demo-password";
  // The worker with the most recent work for the first entity (Seattle rideshare): sick leave
  // has accrued and the last 90 days' earnings value it.
  size_t pick = 0;
  int64_t best = -1;
  for (size_t i = 0; i < w.workers.size(); ++i) {
    const auto& of = w.worker_entities[i];
    if (std::find(of.begin(), of.end(), 0) == of.end()) continue;
    ASSIGN_OR_RETURN(auto entries, store.WorkerEntries(w.workers[i].account));
    int64_t recent = 0;
    for (const StoredEntry& e : entries) {
      const WorkReport& r = e.entry.report;
      if (r.entity == w.entities[0].entity.id && today.AddDays(-85) <= r.work_date) {
        recent += r.hours.units();
      }
    }
    if (recent > best) {
      best = recent;
      pick = i;
    }
  }
  const Worker& worker = w.workers.at(pick);
  RETURN_IF_ERROR(credentials.SetPassword(worker.account, password));
  std::ofstream env(env_path, std::ios::trunc);
  env << "export ACCRUE_URL=http://127.0.0.1:" << port << "\n"
      << "export ACCRUE_ADMIN_TOKEN=" << admin.token << "\n"
      << "export ACCRUE_ENTITY=" << entity << "\n"
      << "export ACCRUE_ENTITY_TOKEN=" << entity_key.token << "\n"
      << "export ACCRUE_PROVIDER=cascade\n"
      << "export ACCRUE_PROVIDER_TOKEN=" << provider_key.token << "\n"
      << "export ACCRUE_WORKER=" << worker.account.ToString() << "\n"
      << "export ACCRUE_WORKER_PASSWORD=" << password << "\n";
  if (!env) return Status::Io("cannot write " + env_path);
  std::cout << "\nDemo credentials (also in " << env_path << "):\n"
            << "  administrator  token " << admin.token << "\n"
            << "  hiring entity  " << entity << "  token " << entity_key.token << "\n"
            << "  provider       cascade  token " << provider_key.token << "\n"
            << "  worker         " << worker.name << "  account " << worker.account.ToString()
            << "  password " << password << "\n";
  return Status::Ok();
}

int Serve(Globals g, const ServeArgs& args) {
  // Signals are taken by sigwait below, so every thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::optional<Workload> demo;
  if (args.demo) {
    auto built = BuildDemoStore(g, args.policies, args.demo_workers);
    if (!built.ok()) return Fail(built.status());
    demo = std::move(*built);
  }
  api::ApiOptions options;
  options.rate_per_second = args.rate_limit;
  options.session_seconds = args.session_hours * 3600;
  auto api = api::Api::Create([g] { return OpenStore(g); }, options);
  if (!api.ok()) return Fail(api.status());
  server::ServerOptions so;
  so.address = args.address;
  so.port = args.port;
  so.threads = args.threads;
  so.static_dir = args.web.empty() ? FindShipped("web", "index.html") : args.web;
  so.access_log = !args.quiet;
  auto server = server::HttpServer::Start(**api, so);
  if (!server.ok()) return Fail(server.status());
  if (demo) {
    auto store = OpenStore(g);
    Status st = store.ok() ? DemoCredentials(**store, *demo, g.db + ".env", (*server)->port())
                           : store.status();
    if (!st.ok()) return Fail(st);
  }
  // Aggregates fold on a connection of their own, so a regulator's read finds them nearly
  // current instead of folding a whole day's intake while the request waits.
  std::unique_ptr<aggregates::PeriodicFold> fold;
  if (args.fold_seconds > 0) {
    fold = std::make_unique<aggregates::PeriodicFold>(
        [g] { return OpenStore(g); }, std::chrono::seconds(args.fold_seconds),
        [](const Status& st) {
          std::cerr << "{\"level\":\"warn\",\"msg\":\"aggregate fold failed\",\"error\":"
                    << nlohmann::json(st.message()).dump() << "}\n";
        },
        [&metrics = (*api)->metrics()] { metrics.Folded(std::chrono::system_clock::now()); });
  }
  std::cout << "\naccrue serving on http://" << args.address << ":" << (*server)->port()
            << "/  (API under /v1, OpenAPI at /v1/openapi.json"
            << (so.static_dir.empty() ? "" : ", portal at /") << ")\n"
            << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "{\"level\":\"info\",\"msg\":\"shutting down\",\"signal\":" << sig << "}\n";
  fold.reset();
  (*server)->Stop();
  std::cerr << "{\"level\":\"info\",\"msg\":\"stopped\"}\n";
  return 0;
}

// Options from the TOML file's [serve] table (or its top level), for each option given neither
// as a flag nor through its environment variable. Keys are the flags' names without "--".
Status ApplyConfig(CLI::App* cmd, const std::string& path) {
  if (path.empty()) return Status::Ok();
  toml::table file;
  try {
    file = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::Invalid(path + ": " + std::string(e.description()));
  }
  const toml::table* table = file["serve"].as_table();
  if (table == nullptr) table = &file;
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    CLI::Option* opt = cmd->get_option_no_throw("--" + name);
    if (opt == nullptr || name == "config") {
      return Status::Invalid(path + ": unknown key '" + name + "' (keys are serve's options)");
    }
    const std::string env = opt->get_envname();
    if (opt->count() > 0 || (!env.empty() && std::getenv(env.c_str()) != nullptr)) continue;
    std::string text;
    if (auto s = value.value<std::string>()) {
      text = *s;
    } else if (auto b = value.value<bool>(); b && value.is_boolean()) {
      text = *b ? "true" : "false";
    } else if (auto n = value.value<int64_t>()) {
      text = std::to_string(*n);
    } else {
      return Status::Invalid(path + ": '" + name + "' must be a string, a number or a boolean");
    }
    try {
      opt->add_result(text);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return Status::Invalid(path + ": " + name + ": " + e.what());
    }
  }
  return Status::Ok();
}

struct KeyArgs {
  std::string role;
  std::string party;
  std::string label;
  std::string id;
};

int KeyCommand(const Globals& g, const std::string& action, const KeyArgs& args) {
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  Status st = MigrateAuth((*store)->sql());
  if (!st.ok()) return Fail(st);
  Credentials credentials((*store)->sql());
  if (action == "list") {
    auto role = ParseRole(args.role);
    if (!role) return Fail(Status::Invalid("--role must be admin, entity or provider"));
    auto keys = credentials.ListKeys(*role, args.party);
    if (!keys.ok()) return Fail(keys.status());
    Table t({"Id", "Role", "Party", "Label", "Revoked"});
    for (const auto& k : *keys) {
      t.Add({k.id, RoleName(k.role), k.party, k.label, k.revoked_at == 0 ? "" : "revoked"});
    }
    t.Print(std::cout);
    return 0;
  }
  if (action == "revoke") {
    st = credentials.RevokeKey(args.id, NowSeconds());
    if (!st.ok()) return Fail(st);
    std::cout << "key " << args.id << " revoked\n";
    return 0;
  }
  Result<IssuedToken> token = Status::Invalid("unknown action");
  if (action == "rotate") {
    token = credentials.RotateKey(args.id, NowSeconds());
  } else {
    auto role = ParseRole(args.role);
    if (!role) return Fail(Status::Invalid("--role must be admin, entity or provider"));
    if (*role == Role::kEntity) {
      auto entities = (*store)->ListEntities();
      if (!entities.ok()) return Fail(entities.status());
      if (std::none_of(entities->begin(), entities->end(),
                       [&](const HiringEntity& e) { return e.id == args.party; })) {
        return Fail(Status::NotFound("no hiring entity '" + args.party + "'"));
      }
    }
    token = credentials.IssueKey(*role, args.party, args.label, NowSeconds());
  }
  if (!token.ok()) return Fail(token.status());
  if (g.json) {
    PrintJson({{"id", token->id}, {"token", token->token}});
  } else {
    std::cout << "key " << token->id << "\n"
              << token->token << "\n"
              << "(the token is shown only now; Accrue keeps only its hash)\n";
  }
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, Globals& g, int& status) {
  static ServeArgs args;
  auto* serve = app.add_subcommand("serve", "Serve the HTTP API and the portal");
  AddGlobalOptions(serve, g);
  serve->add_option("--address", args.address, "Address to listen on")
      ->envname("ACCRUE_ADDRESS")
      ->capture_default_str();
  serve->add_option("--port", args.port, "Port (0: any free port)")
      ->envname("ACCRUE_PORT")
      ->capture_default_str();
  serve->add_option("--threads", args.threads, "Worker threads")
      ->envname("ACCRUE_THREADS")
      ->check(CLI::Range(1, 256));
  serve->add_option("--web", args.web, "Directory of the portal's files")->envname("ACCRUE_WEB");
  serve
      ->add_option("--rate-limit", args.rate_limit,
                   "Requests per second per API key or session (0: none)")
      ->envname("ACCRUE_RATE_LIMIT")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000}));
  serve
      ->add_option("--fold-seconds", args.fold_seconds,
                   "Seconds between folds of new entries into the aggregates (0: only on read)")
      ->envname("ACCRUE_FOLD_SECONDS")
      ->check(CLI::Range(int64_t{0}, int64_t{24} * 3600));
  serve->add_option("--session-hours", args.session_hours, "How long a worker stays signed in")
      ->envname("ACCRUE_SESSION_HOURS")
      ->check(CLI::Range(int64_t{1}, int64_t{24} * 30))
      ->capture_default_str();
  serve->add_flag("--demo", args.demo,
                  "Build a demo database first and print credentials for each role");
  serve->add_option("--policies", args.policies, "Policy packs for --demo")->capture_default_str();
  serve->add_option("--demo-workers", args.demo_workers, "Workers --demo generates")
      ->check(CLI::Range(int64_t{10}, int64_t{100'000}));
  serve->add_flag("--quiet", args.quiet, "No access log");
  static std::string config;
  serve->add_option("--config", config, "TOML file with a [serve] table of these options")
      ->envname("ACCRUE_CONFIG");
  serve->callback([&g, &status, serve] {
    Status st = ApplyConfig(serve, config);
    args.policies = ResolvePolicies(args.policies, serve->get_option("--policies")->count() > 0);
    status = st.ok() ? Serve(g, args) : Fail(st);
  });

  static KeyArgs key_args;
  static std::string action;
  auto* key =
      app.add_subcommand("key", "API keys: issue, list, rotate, revoke")->require_subcommand(1);
  for (const char* name : {"issue", "list", "rotate", "revoke"}) {
    auto* cmd = key->add_subcommand(name, std::string(name) + " API keys");
    AddGlobalOptions(cmd, g);
    if (std::string(name) == "issue" || std::string(name) == "list") {
      cmd->add_option("--role", key_args.role, "admin, entity or provider")->required();
      cmd->add_option("--party", key_args.party, "The entity's or provider's id");
      cmd->add_option("--label", key_args.label, "What the key is for");
    } else {
      cmd->add_option("ID", key_args.id, "Key id")->required();
    }
    cmd->callback([&g, &status, name] { status = KeyCommand(g, name, key_args); });
  }
}

}  // namespace accrue::cli
