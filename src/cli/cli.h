// The `accrue` command line: shared plumbing for the subcommands.
//
// Every command takes --db PATH (default ./accrue.db) or --postgres URL, and --json. Human output
// goes to stdout as aligned tables; errors go to stderr as "accrue: <message>" and the exit status
// is 1 for refused input and 2 for a failure of the system (I/O, corruption).
#pragma once

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace accrue::cli {

struct Globals {
  std::string db = "accrue.db";
  std::string postgres;  // a PostgreSQL URL: use that engine instead of the SQLite file
  bool json = false;
};

// Prints the error and returns the exit status for it.
int Fail(const Status& status);
Result<std::unique_ptr<Store>> OpenStore(const Globals& g);
void PrintJson(const nlohmann::json& j);

// Opens the store and runs `fn` on it; the exit status is fn's, or Fail's.
template <typename Fn>
int WithStore(const Globals& g, Fn&& fn) {
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  return fn(**store);
}

// `OR_FAIL(auto x, expr);` in a command: x is expr's value, or the command returns Fail().
// (lhs is a declaration, so it cannot be parenthesised.)
// NOLINTBEGIN(bugprone-macro-parentheses)
#define OR_FAIL(lhs, expr) ACCRUE_CLI_OR_FAIL_IMPL(ACCRUE_CONCAT(_r_, __LINE__), lhs, expr)
#define ACCRUE_CLI_OR_FAIL_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return Fail(tmp.status());     \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// A plain text table with columns aligned to their widest cell; numbers align right.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// A directory the project ships (web, policies): `name`/ beside the binary, in its parent (the
// build tree inside a checkout), or ../share/accrue/`name` (an installed prefix, as `cmake
// --install` lays it out), whichever first holds `marker`. Empty when none does.
std::string FindShipped(const std::string& name, const std::string& marker);

// The example policy packs for a command's --policies: `given` when the user named a directory
// or ./policies holds the packs (a checkout), else the shipped copy, else `given` (whose error
// then names it).
std::string ResolvePolicies(const std::string& given, bool named);

// "1 batch", "3 batches".
std::string Counted(int64_t n, const char* one, const char* many);

// Money for people: "1,234.57" (rounded to the cent; the ledger keeps more).
std::string Dollars(int64_t money_units);

}  // namespace accrue::cli
