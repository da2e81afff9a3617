// Test stores on either engine, seeded with the shipped jurisdictions and policy packs: the
// set-up that the tests run over both SQLite and PostgreSQL share.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "csv/csv_reader.h"
#include "ingest/registry_csv.h"
#include "registry/registry.h"
#include "store/store.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"

namespace accrue::testing {

// A connection to the test's store on `engine`: "sqlite" opens `file` in `dir`; "postgres"
// creates a database on the shared test server on the first call (its URL kept in *url) and
// opens that same database on later calls. Null, with a test failure, if it cannot.
inline std::unique_ptr<Store> OpenEngineStore(const std::string& engine, const TempDir& dir,
                                              std::string* url,
                                              const std::string& file = "test.db") {
  if (engine == "sqlite") {
    auto s = OpenSqliteStore(dir / file);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  PostgresServer& server = PostgresServer::Shared();
  EXPECT_TRUE(server.ok()) << server.error();
  if (url->empty()) *url = server.NewDatabase();
  auto s = OpenPostgresStore(*url);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

// Adds policies/jurisdictions.csv and loads every pack under policies/.
inline ::testing::AssertionResult SeedJurisdictionsAndPolicies(Store& store) {
  auto reader = CsvReader::Open(std::string(ACCRUE_SOURCE_DIR) + "/policies/jurisdictions.csv");
  if (!reader.ok()) return ::testing::AssertionFailure() << reader.status().message();
  auto csv = ReadJurisdictionsCsv(&*reader);
  if (!csv.ok() || !csv->errors.empty()) {
    return ::testing::AssertionFailure() << "policies/jurisdictions.csv does not read";
  }
  std::vector<Jurisdiction> jurisdictions;
  for (const auto& e : csv->entries) jurisdictions.push_back(e.value);
  if (Status st = store.AddJurisdictions(jurisdictions); !st.ok()) {
    return ::testing::AssertionFailure() << st.message();
  }
  auto loaded = LoadPoliciesIntoStore(store, std::string(ACCRUE_SOURCE_DIR) + "/policies");
  if (!loaded.ok()) return ::testing::AssertionFailure() << loaded.status().message();
  return ::testing::AssertionSuccess();
}

}  // namespace accrue::testing
