// Statements: the monthly balance notice and the annual statement a worker receives, and the
// annual contribution statement a hiring entity files for its tax deduction.
//
// Contract:
// - Each statement is built from the store's entries as a plain struct. Amounts are netted
//   from the legs, so a correction (reversal plus replacement) counts once, as corrected.
//   Periods are by work date (a payout's date is the day paid); an entity's contributions
//   are by the month of its obligation account E/<entity>/<YYYY-MM>/...
// - Every statement renders to a StatementDocument (title, party, period, tables with
//   totals), and the document to CSV (amounts as exact decimals with two places) or to a
//   PDF (libhpdf; amounts with $ and two decimals).
// - Unknown workers or entities are NotFound; a malformed month or year is Invalid.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "policy/policy.h"
#include "store/store.h"

namespace accrue {

// Worker monthly notice (Seattle and Washington require one).
struct NoticeBenefitLine {
  std::string benefit;
  Money opening, credits, payouts, closing;  // payouts as a positive amount paid out
  Hours opening_hours, hours_credited, hours_used, closing_hours;
};
struct EntityAmount {
  std::string entity;
  Money money;
};
struct WorkerMonthlyNotice {
  Worker worker;
  std::string month;  // "2026-09"
  std::vector<NoticeBenefitLine> benefits;
  std::vector<EntityAmount> credits_by_entity;
  Money opening, credits, payouts, closing;
};

// Worker annual statement.
struct AnnualBenefitLine {
  std::string benefit;
  Money credits, payouts;
  Hours hours_credited, hours_used;
};
struct SourceAmount {
  std::string entity;
  Payer payer = Payer::kHiringEntity;
  Money money;
};
struct WorkerAnnualStatement {
  Worker worker;
  int year = 0;
  std::vector<AnnualBenefitLine> by_benefit;
  std::vector<SourceAmount> by_source;  // by entity, then payer
  std::vector<EntityAmount> by_entity;
  Money credits, payouts;
};

// Hiring entity annual contribution statement.
struct EntityMonthLine {
  std::string month;  // "2026-09"
  Money employer, withheld, total;
};
struct EntityAnnualStatement {
  HiringEntity entity;
  int year = 0;
  std::vector<EntityMonthLine> months;  // months with contributions, in order
  Money employer, withheld, total;
};

// "YYYY-MM" and "YYYY" (1900..9999), or Invalid with a message naming the input.
Result<Date> ParseStatementMonth(const std::string& text);  // the first day of the month
Result<int> ParseStatementYear(const std::string& text);

Result<WorkerMonthlyNotice> BuildWorkerMonthlyNotice(Store& store, AccountNumber account,
                                                     const std::string& month);
Result<WorkerAnnualStatement> BuildWorkerAnnualStatement(Store& store, AccountNumber account,
                                                         int year);
Result<EntityAnnualStatement> BuildEntityAnnualStatement(Store& store, const std::string& entity,
                                                         int year);

// The layout both renderers share. A cell is text; money cells are marked so the PDF can
// print them with $ and the CSV as plain decimals.
struct StatementCell {
  std::string text;
  bool money = false;
};
struct StatementTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<StatementCell>> rows;
  std::vector<StatementCell> total;  // empty: no total row
};
struct StatementDocument {
  std::string title;   // "Monthly balance notice"
  std::string party;   // "Ana Diaz, account 4827-1026-2342"
  std::string period;  // "2026-09"
  std::vector<StatementTable> tables;
  std::string note;
  std::string file_stem;  // "accrue-notice-482710262342-2026-09"
};

StatementDocument ToDocument(const WorkerMonthlyNotice& s);
StatementDocument ToDocument(const WorkerAnnualStatement& s);
StatementDocument ToDocument(const EntityAnnualStatement& s);

std::string RenderCsv(const StatementDocument& doc);
// The PDF's bytes, or an Io error from libhpdf.
Result<std::string> RenderPdf(const StatementDocument& doc);

// The file the build makes from WenQuanYi Micro Hei for CJK names (CMake's CJK_FONT).
inline constexpr const char* kCjkFontFile = "wqy-microhei-flat.ttf";
// Where RenderPdf finds that font for an executable in `exe_dir`: fonts/ beside it (the build
// tree), else ../share/accrue/fonts (an installed prefix, as `cmake --install` lays it out).
// Empty when neither has it: CJK names then print with DejaVu, as boxes.
std::string FindCjkFont(const std::filesystem::path& exe_dir);

}  // namespace accrue
