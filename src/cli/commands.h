// Registration of the subcommands. Each adds its commands to `app`; the command's callback
// runs during parsing and leaves its exit status in `status`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace accrue::cli {

// Adds --db and --json to a subcommand.
void AddGlobalOptions(CLI::App* cmd, Globals& g);

void AddRegistryCommands(CLI::App& app, Globals& g,
                         int& status);  // init, jurisdiction, entity, worker, import
void AddPolicyCommands(CLI::App& app, Globals& g, int& status);  // policy check|test|load
void AddLedgerCommands(CLI::App& app, Globals& g, int& status);  // ingest, balance, explain, verify
void AddDemoCommand(CLI::App& app, Globals& g, int& status);     // demo
void AddSimulateCommand(CLI::App& app, Globals& g, int& status);  // simulate
// terms, provider, plan, exchange, enroll, enrollment, invoice, remit, reserves, funding
void AddBenefitsCommands(CLI::App& app, Globals& g, int& status);

// The balance and explain reports (also printed by the demo).
int Balance(const Globals& g, const std::string& account);
int Explain(const Globals& g, const std::string& account, const std::string& benefit, size_t limit);
int Verify(const Globals& g);

}  // namespace accrue::cli
