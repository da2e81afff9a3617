// The ledger's compact leg encoding, decoded in full and as the folds read it.
#include <gtest/gtest.h>

#include <map>

#include "ledger/ledger.h"

namespace accrue {
namespace {

// Ids in memory, counting the lookups decoding makes.
class CountingDictionary : public Dictionary {
 public:
  uint64_t AccountId(const std::string& key, Unit unit) override {
    units_[Id(accounts_, key)] = unit;
    return Id(accounts_, key);
  }
  uint64_t StringId(const std::string& text) override { return Id(strings_, text); }
  uint64_t TotalsId(const std::string& key) override { return Id(totals_, key); }
  Result<std::string> Account(uint64_t id) const override { return Text(accounts_, id); }
  Result<Unit> AccountUnit(uint64_t id) const override { return units_.at(id); }
  Result<std::string> String(uint64_t id) const override {
    ++string_lookups;
    return Text(strings_, id);
  }
  Result<std::string> TotalsKey(uint64_t id) const override {
    ++totals_lookups;
    return Text(totals_, id);
  }

  mutable int string_lookups = 0;
  mutable int totals_lookups = 0;

 private:
  static uint64_t Id(std::map<std::string, uint64_t>& ids, const std::string& text) {
    return ids.emplace(text, ids.size() + 1).first->second;
  }
  static Result<std::string> Text(const std::map<std::string, uint64_t>& ids, uint64_t id) {
    for (const auto& [text, i] : ids) {
      if (i == id) return text;
    }
    return Status::Corruption("no id " + std::to_string(id));
  }
  std::map<std::string, uint64_t> accounts_, strings_, totals_;
  std::map<uint64_t, Unit> units_;
};

Entry Sample() {
  Entry e;
  e.report.entity = "rideco";
  e.report.report_id = "r-1";
  const AccountNumber w = AccountNumber::FromSerial(12);
  e.legs = {
      {WorkerAccount(w, "health", Unit::kMoney), Unit::kMoney, 1'500'000, "sea@2026-01-01/hourly",
       Payer::kHiringEntity, 10'000, "2.00/h", "capped at the weekly maximum"},
      {WorkerAccount(w, "sick_leave", Unit::kHours), Unit::kHours, 3'333, "sea@2026-01-01/sick",
       Payer::kHiringEntity, 10'000, "1 h per 30 h worked", ""},
      {"E/rideco", Unit::kMoney, -1'500'000, "", Payer::kHiringEntity, 0, "", ""},
      {"E/rideco/h", Unit::kHours, -3'333, "", Payer::kHiringEntity, 0, "", ""}};
  e.deltas = {{"week/000000000012/2026-W03", {10'000, 1'500'000}},
              {"year/000000000012/2026", {10'000, 3'333}}};
  e.reversed_deltas = 1;
  return e;
}

// What every decoding gives back: each leg's account, unit, amount, rule, payer and quantity.
void ExpectSameMoneyLegs(const Entry& back, const Entry& e) {
  ASSERT_EQ(back.legs.size(), e.legs.size());
  for (size_t i = 0; i < e.legs.size(); ++i) {
    EXPECT_EQ(back.legs[i].account, e.legs[i].account);
    EXPECT_EQ(back.legs[i].unit, e.legs[i].unit);
    EXPECT_EQ(back.legs[i].amount, e.legs[i].amount);
    EXPECT_EQ(back.legs[i].rule, e.legs[i].rule);
    EXPECT_EQ(back.legs[i].payer, e.legs[i].payer);
    EXPECT_EQ(back.legs[i].quantity, e.legs[i].quantity);
  }
}

// A worker's account key carries the twelve zero-padded digits, and reads back to the worker;
// keys of other parties, or with anything but twelve digits there, name no worker.
TEST(LegsTest, WorkerAccountKeysNameTheirWorker) {
  const AccountNumber small = AccountNumber::FromSerial(7);
  EXPECT_EQ(AccountDigits(small), "000000000076");
  EXPECT_EQ(WorkerAccountPrefix(small), "W/000000000076/");
  EXPECT_EQ(WorkerAccount(small, "health", Unit::kMoney), "W/000000000076/health");
  EXPECT_EQ(WorkerAccount(small, "sick_leave", Unit::kHours), "W/000000000076/sick_leave/h");
  EXPECT_EQ(WorkerOfAccount(WorkerAccount(small, "health", Unit::kMoney)), small);
  const AccountNumber big = AccountNumber::FromSerial(98765432101ULL);
  EXPECT_EQ(WorkerOfAccount(WorkerAccount(big, "sick_leave", Unit::kHours)), big);
  EXPECT_FALSE(WorkerOfAccount("E/acme/2026-09/employer").valid());
  EXPECT_FALSE(WorkerOfAccount("W/00000000007x/health").valid());
  EXPECT_FALSE(WorkerOfAccount("W/+00000000074/health").valid());
  EXPECT_FALSE(WorkerOfAccount("W/0000000074/health").valid());
}

TEST(LegsTest, DecodesWhatWasEncoded) {
  CountingDictionary dict;
  const Entry e = Sample();
  const std::string blob = EncodeLegs(e, dict);
  Entry back;
  ASSERT_TRUE(DecodeLegs(blob, dict, &back).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectSameMoneyLegs(back, e));
  for (size_t i = 0; i < e.legs.size(); ++i) {
    EXPECT_EQ(back.legs[i].rate, e.legs[i].rate);
    EXPECT_EQ(back.legs[i].note, e.legs[i].note);
  }
  ASSERT_EQ(back.deltas.size(), 2u);
  EXPECT_EQ(back.deltas[1].key, "year/000000000012/2026");
  EXPECT_EQ(back.deltas[1].delta.amount, 3'333);
  EXPECT_EQ(back.reversed_deltas, 1u);
  EXPECT_EQ(dict.totals_lookups, 2);
}

// What a fold reads: the money and hours of every leg, and none of the lookups it does not use.
TEST(LegsTest, MoneyLegsSkipRatesNotesAndRunningTotals) {
  CountingDictionary dict;
  const Entry e = Sample();
  const std::string blob = EncodeLegs(e, dict);
  Entry back;
  ASSERT_TRUE(DecodeLegs(blob, dict, &back, LegDetail::kMoneyLegs).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectSameMoneyLegs(back, e));
  for (size_t i = 0; i < e.legs.size(); ++i) {
    EXPECT_EQ(back.legs[i].rate, "");
    EXPECT_EQ(back.legs[i].note, "");
  }
  EXPECT_TRUE(back.deltas.empty());
  EXPECT_EQ(back.reversed_deltas, 0u);
  EXPECT_EQ(dict.totals_lookups, 0);
  EXPECT_EQ(dict.string_lookups, 2);  // the two rules
}

// A blob cut short is corrupt however much of it is resolved, even inside the skipped deltas.
TEST(LegsTest, ATruncatedBlobIsCorruptInEitherDetail) {
  CountingDictionary dict;
  const std::string blob = EncodeLegs(Sample(), dict);
  for (const LegDetail detail : {LegDetail::kAll, LegDetail::kMoneyLegs}) {
    for (const size_t cut : {size_t{3}, blob.size() - 1}) {
      Entry back;
      back.report.entity = "rideco";
      back.report.report_id = "r-1";
      const Status st = DecodeLegs(std::string_view(blob).substr(0, cut), dict, &back, detail);
      EXPECT_EQ(st.code(), Code::kCorruption) << cut;
      EXPECT_EQ(st.message(), "entry rideco/r-1 has malformed legs");
    }
  }
}

}  // namespace
}  // namespace accrue
