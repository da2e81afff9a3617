#include "ledger/account_view.h"

#include <gtest/gtest.h>

namespace accrue {
namespace {

// The balance's document built as a generic JSON document: what SummaryJson must write, byte
// for byte.
std::string AsDocument(const AccountSummary& s) {
  nlohmann::json out = {
      {"account", s.worker.account.ToString()}, {"name", s.worker.name},
      {"total", s.total.ToString(2)},           {"reports", s.reports},
      {"paid_out", s.paid_out.ToString(2)},     {"benefits", nlohmann::json::array()},
      {"by_payer", nlohmann::json::array()}};
  for (const auto& b : s.benefits) {
    out["benefits"].push_back({{"benefit", b.benefit},
                               {"money", b.money.ToString(2)},
                               {"leave_hours", b.leave_hours.ToString(2)}});
  }
  for (const auto& p : s.by_payer) {
    out["by_payer"].push_back(
        {{"entity", p.entity}, {"payer", PayerName(p.payer)}, {"money", p.money.ToString(2)}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

AccountSummary Sample(const std::string& name) {
  AccountSummary s;
  s.worker.account = AccountNumber::FromSerial(4242);
  s.worker.name = name;
  s.benefits = {{"health", *Money::Parse("12.3456"), {}}, {"sick_leave", {}, *Hours::Parse("1.5")}};
  s.by_payer = {{"rideco", Payer::kHiringEntity, *Money::Parse("10.00")},
                {"", Payer::kGovernment, *Money::Parse("2.3456")}};
  s.total = *Money::Parse("12.3456");
  s.paid_out = *Money::Parse("0.50");
  s.reports = 17;
  return s;
}

TEST(AccountViewTest, SummaryJsonIsTheDocumentsText) {
  const AccountSummary s = Sample("Ana Lima");
  EXPECT_EQ(SummaryJson(s), AsDocument(s));
  const nlohmann::json j = nlohmann::json::parse(SummaryJson(s));
  EXPECT_EQ(j["benefits"][0]["money"], "12.3456");  // sub-cent amounts kept
  EXPECT_EQ(j["benefits"][1]["leave_hours"], "1.50");
  EXPECT_EQ(j["by_payer"][1]["payer"], "government");
  EXPECT_EQ(j["reports"], 17);
  EXPECT_EQ(ToJson(s), j);
}

TEST(AccountViewTest, SummaryJsonWithNothingCredited) {
  AccountSummary s;
  s.worker.account = AccountNumber::FromSerial(7);
  s.worker.name = "New Worker";
  EXPECT_EQ(SummaryJson(s), AsDocument(s));
  EXPECT_EQ(nlohmann::json::parse(SummaryJson(s))["benefits"], nlohmann::json::array());
}

// Every character JSON must escape, the ones it need not, names outside ASCII, and bytes that
// are not UTF-8 (replaced, as the generic writer does).
TEST(AccountViewTest, SummaryJsonEscapesNamesAsTheGenericWriterDoes) {
  for (const std::string& name :
       {std::string("O\"Brien \\ Jr."), std::string("tab\there\nnew\rline\bback\ffeed"),
        std::string("ctl \x01 \x1f \x7f /slash"), std::string("\0nul", 4),
        std::string("陳美玲 김민지 Zoë 👋"), std::string("bad \xff\xfe utf-8 \xc3")}) {
    const AccountSummary s = Sample(name);
    EXPECT_EQ(SummaryJson(s), AsDocument(s)) << name;
    const nlohmann::json j = nlohmann::json::parse(SummaryJson(s));
    if (name.find('\xff') == std::string::npos) {
      EXPECT_EQ(j["name"], name);
    } else {
      EXPECT_NE(j["name"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
    }
  }
}

}  // namespace
}  // namespace accrue
