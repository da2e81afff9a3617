// Registration of the subcommands. Each adds its commands to `app`; the command's callback
// runs during parsing and leaves its exit status in `status`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "workload/workload.h"

namespace accrue::cli {

// Adds --db and --json to a subcommand.
void AddGlobalOptions(CLI::App* cmd, Globals& g);

void AddRegistryCommands(CLI::App& app, Globals& g,
                         int& status);  // init, jurisdiction, entity, worker, import
void AddPolicyCommands(CLI::App& app, Globals& g, int& status);  // policy check|test|load
void AddLedgerCommands(CLI::App& app, Globals& g, int& status);  // ingest, balance, explain, verify
void AddDemoCommand(CLI::App& app, Globals& g, int& status);     // demo
void AddServeCommand(CLI::App& app, Globals& g, int& status);    // serve, key issue|list|...
void AddSimulateCommand(CLI::App& app, Globals& g, int& status);     // simulate
void AddEligibilityCommand(CLI::App& app, Globals& g, int& status);  // eligibility
// terms, provider, plan, exchange, enroll, enrollment, invoice, remit, reserves, funding
void AddBenefitsCommands(CLI::App& app, Globals& g, int& status);
void AddClaimsCommands(CLI::App& app, Globals& g, int& status);  // leave, claim, request
// consent add|revoke|list, contribute, match settle|estimate
void AddContributionsCommands(CLI::App& app, Globals& g, int& status);
void AddStatementCommands(CLI::App& app, Globals& g, int& status);  // statement worker|entity

// The balance and explain reports (also printed by the demo).
int Balance(const Globals& g, const std::string& account);
int Explain(const Globals& g, const std::string& account, const std::string& benefit, size_t limit);
int Verify(const Globals& g);

// A fresh demo SQLite store (g.db, renamed from the default to accrue-demo.db): the example
// packs, generated entities and workers, and a month of their work ingested.
Result<Workload> BuildDemoStore(Globals& g, const std::string& policies, int64_t workers);

}  // namespace accrue::cli
