#include "ingest/registry_csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accrue {
namespace {

template <typename T>
RegistryCsv<T> ReadOk(Result<RegistryCsv<T>> (*read)(CsvReader*), std::string text) {
  CsvReader reader = CsvReader::FromString(std::move(text));
  Result<RegistryCsv<T>> result = read(&reader);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? std::move(result).value() : RegistryCsv<T>{};
}

template <typename T>
Status ReadStatus(Result<RegistryCsv<T>> (*read)(CsvReader*), std::string text) {
  CsvReader reader = CsvReader::FromString(std::move(text));
  return read(&reader).status();
}

TEST(RegistryCsv, ReadsJurisdictions) {
  const auto result = ReadOk(ReadJurisdictionsCsv,
                             "code,name,parent,time_zone\n"
                             "US,United States,,America/New_York\n"
                             "US-WA,Washington,US,America/Los_Angeles\n"
                             "US-WA-SEATTLE,\"Seattle, City of\",US-WA,America/Los_Angeles\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  ASSERT_EQ(result.entries.size(), 3u);
  EXPECT_EQ(result.entries[0].row, 2);
  EXPECT_EQ(result.entries[0].value.parent, "");
  const Jurisdiction& seattle = result.entries[2].value;
  EXPECT_EQ(result.entries[2].row, 4);
  EXPECT_EQ(seattle.code, "US-WA-SEATTLE");
  EXPECT_EQ(seattle.name, "Seattle, City of");
  EXPECT_EQ(seattle.parent, "US-WA");
  EXPECT_EQ(seattle.time_zone, "America/Los_Angeles");
}

TEST(RegistryCsv, JurisdictionParentColumnIsOptional) {
  const auto result = ReadOk(ReadJurisdictionsCsv, "time_zone,code,name\nUTC,XX,Nowhere\n");
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].value.code, "XX");
  EXPECT_EQ(result.entries[0].value.parent, "");
}

TEST(RegistryCsv, NamesBadJurisdictionFields) {
  const auto result = ReadOk(ReadJurisdictionsCsv,
                             "code,name,parent,time_zone\n"
                             "us-wa,Washington,US,America/Los_Angeles\n"
                             "US-OR,,us,Mars/Olympus\n"
                             "US-CA,California,US-CA,\n"
                             "US,United States,,America/New_York\n"
                             "US,Again,,America/New_York\n");
  ASSERT_EQ(result.entries.size(), 1u);
  const std::vector<FieldError> expected = {
      {2, "code", "code 'us-wa' may hold only capital letters, digits and dashes"},
      {3, "name", "name is empty"},
      {3, "parent", "parent 'us' may hold only capital letters, digits and dashes"},
      {3, "time_zone", "time_zone 'Mars/Olympus' is not a known IANA time zone"},
      {4, "parent", "parent 'US-CA' is the jurisdiction itself"},
      {4, "time_zone", "time_zone is empty (it takes an IANA zone such as America/Chicago)"},
      {6, "code", "code 'US' is already on row 5"},
  };
  EXPECT_EQ(result.errors, expected);
}

TEST(RegistryCsv, ReadsEntities) {
  const auto result = ReadOk(ReadEntitiesCsv,
                             "id,name,sector,size\n"
                             "rideco,RideCo Inc.,rideshare,25000\n"
                             "home.1,The Smith household,household,1\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  ASSERT_EQ(result.entries.size(), 2u);
  EXPECT_EQ(result.entries[0].value.id, "rideco");
  EXPECT_EQ(result.entries[0].value.name, "RideCo Inc.");
  EXPECT_EQ(result.entries[0].value.sector, "rideshare");
  EXPECT_EQ(result.entries[0].value.size, 25000);
  EXPECT_EQ(result.entries[1].value.size, 1);
}

TEST(RegistryCsv, NamesBadEntityFields) {
  const auto result = ReadOk(ReadEntitiesCsv,
                             "id,name,sector,size\n"
                             "ride co,RideCo,Ride Share,-3\n"
                             "acme,\"Acme\nCorp\",cleaning,1.5\n"  // one row, two lines
                             "acme,Acme,cleaning,\n"
                             "big,Big,retail,100000001\n"
                             "rideco,RideCo\n");
  EXPECT_TRUE(result.entries.empty());
  const std::vector<FieldError> expected = {
      {2, "id", "id 'ride co' may hold only letters, digits and . _ : -"},
      {2, "sector", "sector 'Ride Share' may hold only lower-case letters, digits and _"},
      {2, "size", "size '-3' must not be negative"},
      {3, "name", "name 'Acme\nCorp' holds a control character (such as a line break or tab)"},
      {3, "size", "size '1.5' is not a whole number"},
      {4, "size", "size is empty"},
      {5, "size", "size '100000001' is more than 100000000"},
      {6, "", "the row has 2 fields but the header has 4"},
  };
  EXPECT_EQ(result.errors, expected);
}

TEST(RegistryCsv, RefusesAnEntityFileWithoutTheSizeColumn) {
  EXPECT_EQ(ReadStatus(ReadEntitiesCsv, "id,name,sector\nrideco,RideCo,rideshare\n").message(),
            "row 1 (the header): missing column 'size'");
  EXPECT_EQ(ReadStatus(ReadEntitiesCsv, "id,nmae,sector,size\n").message(),
            "row 1 (the header): unknown column 'nmae' (did you mean 'name'?)");
}

TEST(RegistryCsv, ReadsWorkersWithAndWithoutAccounts) {
  const std::string account = AccountNumber::FromSerial(777).ToString();
  const auto result = ReadOk(ReadWorkersCsv,
                             "name,birth_date,home_jurisdiction,account\n"
                             "Ana Lima,1990-05-17,US-WA-SEATTLE," +
                                 account +
                                 "\n"
                                 "Bo Chen,2001-12-01,US-CA,\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  ASSERT_EQ(result.entries.size(), 2u);
  EXPECT_EQ(result.entries[0].value.name, "Ana Lima");
  EXPECT_EQ(result.entries[0].value.birth_date, Date::FromYmd(1990, 5, 17));
  EXPECT_EQ(result.entries[0].value.home_jurisdiction, "US-WA-SEATTLE");
  EXPECT_EQ(result.entries[0].value.account, AccountNumber::FromSerial(777));
  EXPECT_FALSE(result.entries[1].value.account.valid());
}

TEST(RegistryCsv, WorkerAccountColumnIsOptional) {
  const auto result =
      ReadOk(ReadWorkersCsv, "name,birth_date,home_jurisdiction\nAna,1990-05-17,US\n");
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_FALSE(result.entries[0].value.account.valid());
}

TEST(RegistryCsv, NamesBadWorkerFields) {
  std::string mistyped = AccountNumber::FromSerial(12345).ToString();
  mistyped[3] = mistyped[3] == '9' ? '0' : static_cast<char>(mistyped[3] + 1);
  const std::string good = AccountNumber::FromSerial(5).ToString();
  const auto result = ReadOk(ReadWorkersCsv,
                             "name,birth_date,home_jurisdiction,account\n"
                             " ,2026-02-30,us-wa," +
                                 mistyped +
                                 "\n"
                                 "Ana,,US,12\n"
                                 "Bo,1990-01-01,US," +
                                 good +
                                 "\n"
                                 "Cy,1991-01-01,US," +
                                 good + "\n");
  ASSERT_EQ(result.entries.size(), 1u);
  const std::vector<FieldError> expected = {
      {2, "name", "name is empty"},
      {2, "birth_date", "birth_date '2026-02-30' is not a real calendar date"},
      {2, "home_jurisdiction",
       "home_jurisdiction 'us-wa' may hold only capital letters, digits and dashes"},
      {2, "account",
       "account number '" + mistyped +
           "' fails its check digit (a digit is mistyped or two are swapped)"},
      {3, "birth_date", "birth_date is empty"},
      {3, "account", "account number '12' must have 12 digits"},
      {5, "account", "account '" + good + "' is already on row 4"},
  };
  EXPECT_EQ(result.errors, expected);
}

TEST(RegistryCsv, RefusesAnEmptyWorkerFile) {
  EXPECT_EQ(ReadStatus(ReadWorkersCsv, "").message(),
            "the file is empty: expected a header row with the columns "
            "name,birth_date,home_jurisdiction,account");
}

}  // namespace
}  // namespace accrue
