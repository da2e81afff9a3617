// accrue: the portable benefits clearinghouse's one binary.
#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"accrue — portable benefits clearinghouse"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every command");
  accrue::cli::Globals globals;
  int status = 0;
  accrue::cli::AddRegistryCommands(app, globals, status);
  accrue::cli::AddPolicyCommands(app, globals, status);
  accrue::cli::AddLedgerCommands(app, globals, status);
  accrue::cli::AddDemoCommand(app, globals, status);
  accrue::cli::AddSimulateCommand(app, globals, status);
  accrue::cli::AddServeCommand(app, globals, status);
  accrue::cli::AddEligibilityCommand(app, globals, status);
  accrue::cli::AddBenefitsCommands(app, globals, status);
  accrue::cli::AddClaimsCommands(app, globals, status);
  accrue::cli::AddContributionsCommands(app, globals, status);
  accrue::cli::AddStatementCommands(app, globals, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "accrue: internal error: " << e.what() << "\n";
    return 70;
  }
  return status;
}
