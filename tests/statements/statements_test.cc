// Statements on a small ledger: Ana works 10 h for rideco in August and 4 h in September
// (corrected to 6 h) in Seattle, at $2.00/h paid by the hiring entity and split per the pack.
#include "statements/statements.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "api/api_fixture.h"

namespace accrue::testing {
namespace {

class StatementsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    Post("/v1/entities/rideco/reports", Body("s-1", "10", "2026-08-20"));
    Post("/v1/entities/rideco/reports", Body("s-2", "4", "2026-09-14"));
    Post("/v1/entities/rideco/reports/s-2/corrections", Body("s-2b", "6", "2026-09-14"));
    auto s = OpenSqliteStore(db_);
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    ApiTest::TearDown();
  }

  std::string Body(const std::string& id, const std::string& hours, const std::string& date) const {
    return R"({"report_id":")" + id + R"(","worker":")" + ana_.ToString() + R"(","work_date":")" +
           date + R"(","jurisdiction":"US-WA-SEATTLE","hours":")" + hours +
           R"(","earnings":"84.50","tips":"0","jobs":4,"classification":"1099"})";
  }
  void Post(const std::string& path, const std::string& body) {
    auto r = Send("POST", path, body, rideco_);
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
  }

  std::unique_ptr<Store> store_;
};

// The text of a PDF, by pdftotext.
std::string PdfText(const std::string& pdf, const std::string& path) {
  {
    std::ofstream f(path, std::ios::binary);
    f << pdf;
  }
  FILE* p = popen(("pdftotext -layout '" + path + "' - 2>&1").c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string Header(const std::string& title, const std::string& party, const std::string& period) {
  return "statement," + title + "\nparty,\"" + party + "\"\nperiod," + period + "\n";
}

TEST_F(StatementsTest, MonthlyNoticeNetsTheCorrection) {
  auto n = BuildWorkerMonthlyNotice(*store_, ana_, "2026-09");
  ASSERT_TRUE(n.ok()) << n.status().message();
  // August: 10 h x $2.00 = $20.00; September: 4 h corrected to 6 h = $12.00, counted once.
  EXPECT_EQ(n->opening.ToFixed(2), "20.00");
  EXPECT_EQ(n->credits.ToFixed(2), "12.00");
  EXPECT_EQ(n->payouts.ToFixed(2), "0.00");
  EXPECT_EQ(n->closing.ToFixed(2), "32.00");
  ASSERT_EQ(n->credits_by_entity.size(), 1u);
  EXPECT_EQ(n->credits_by_entity[0].entity, "rideco");
  EXPECT_EQ(RenderCsv(ToDocument(*n)),
            Header("Monthly balance notice", "Ana Diaz, account " + ana_.ToString(), "2026-09") +
                "\n"
                "Balances by benefit\n"
                "Benefit,Opening,Credits,Paid out,Closing\n"
                "health,10.00,6.00,0.00,16.00\n"
                "retirement,4.00,2.40,0.00,6.40\n"
                "sick_leave,2.50,1.50,0.00,4.00\n"
                "workers_comp,3.50,2.10,0.00,5.60\n"
                "Total,20.00,12.00,0.00,32.00\n"
                "\n"
                "Credits by hiring entity\n"
                "Hiring entity,Credits\n"
                "rideco,12.00\n"
                "Total,12.00\n"
                "\n"
                "Leave hours\n"
                "Benefit,Opening,Accrued,Used,Closing\n"
                "sick_leave,0.33,0.20,0.00,0.53\n");
}

TEST_F(StatementsTest, AnnualWorkerStatementByBenefitSourceAndEntity) {
  auto a = BuildWorkerAnnualStatement(*store_, ana_, 2026);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->credits.ToFixed(2), "32.00");
  ASSERT_EQ(a->by_source.size(), 1u);
  EXPECT_EQ(a->by_source[0].payer, Payer::kHiringEntity);
  EXPECT_EQ(a->by_source[0].money.ToFixed(2), "32.00");
  EXPECT_EQ(RenderCsv(ToDocument(*a)),
            Header("Annual worker statement", "Ana Diaz, account " + ana_.ToString(), "2026") +
                "\n"
                "By benefit\n"
                "Benefit,Credits,Paid out,Hours accrued,Hours used\n"
                "health,16.00,0.00,0.00,0.00\n"
                "retirement,6.40,0.00,0.00,0.00\n"
                "sick_leave,4.00,0.00,0.53,0.00\n"
                "workers_comp,5.60,0.00,0.00,0.00\n"
                "Total,32.00,0.00,,\n"
                "\n"
                "By source\n"
                "Hiring entity,Payer,Credits\n"
                "rideco,hiring_entity,32.00\n"
                "Total,,32.00\n"
                "\n"
                "By hiring entity\n"
                "Hiring entity,Credits\n"
                "rideco,32.00\n"
                "Total,32.00\n");
  auto empty = BuildWorkerAnnualStatement(*store_, ana_, 2025);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->credits.is_zero());
}

TEST_F(StatementsTest, EntityAnnualStatementByMonth) {
  auto e = BuildEntityAnnualStatement(*store_, "rideco", 2026);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->total.ToFixed(2), "32.00");
  EXPECT_EQ(RenderCsv(ToDocument(*e)),
            Header("Annual contribution statement", "RideCo, hiring entity rideco", "2026") +
                "\n"
                "Contributions by month\n"
                "Month,Employer share,Withheld from workers,Total\n"
                "2026-08,20.00,0.00,20.00\n"
                "2026-09,12.00,0.00,12.00\n"
                "Total,32.00,0.00,32.00\n");
  auto none = BuildEntityAnnualStatement(*store_, "cleanco", 2026);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->months.empty());
  EXPECT_TRUE(none->total.is_zero());
}

TEST_F(StatementsTest, PdfParsesBackWithPartyPeriodAndTotals) {
  auto n = BuildWorkerMonthlyNotice(*store_, ana_, "2026-09");
  ASSERT_TRUE(n.ok());
  auto pdf = RenderPdf(ToDocument(*n));
  ASSERT_TRUE(pdf.ok()) << pdf.status().message();
  ASSERT_EQ(pdf->rfind("%PDF-", 0), 0u);
  const std::string text = PdfText(*pdf, dir_ / "notice.pdf");
  EXPECT_NE(text.find("Monthly balance notice"), std::string::npos) << text;
  EXPECT_NE(text.find("Ana Diaz, account " + ana_.ToString()), std::string::npos) << text;
  EXPECT_NE(text.find("Period: 2026-09"), std::string::npos) << text;
  EXPECT_NE(text.find("$20.00"), std::string::npos) << text;
  EXPECT_NE(text.find("$12.00"), std::string::npos) << text;
  EXPECT_NE(text.find("$32.00"), std::string::npos) << text;

  auto e = BuildEntityAnnualStatement(*store_, "rideco", 2026);
  ASSERT_TRUE(e.ok());
  auto epdf = RenderPdf(ToDocument(*e));
  ASSERT_TRUE(epdf.ok());
  const std::string etext = PdfText(*epdf, dir_ / "entity.pdf");
  EXPECT_NE(etext.find("RideCo, hiring entity rideco"), std::string::npos) << etext;
  EXPECT_NE(etext.find("Period: 2026"), std::string::npos) << etext;
  EXPECT_NE(etext.find("$32.00"), std::string::npos) << etext;
}

// Names outside Latin-1 print as written: the PDF embeds a Unicode font only when the text
// needs it, so a Latin-1 statement stays small.
TEST_F(StatementsTest, PdfPrintsNamesBeyondLatin1AsWritten) {
  auto n = BuildWorkerMonthlyNotice(*store_, ana_, "2026-09");
  ASSERT_TRUE(n.ok());
  StatementDocument doc = ToDocument(*n);
  auto latin = RenderPdf(doc);
  ASSERT_TRUE(latin.ok()) << latin.status().message();
  EXPECT_EQ(latin->find("FontFile2"), std::string::npos);

  doc.party = "Nguyễn Thị Hồng, account " + ana_.ToString();
  ASSERT_FALSE(doc.tables.empty());
  doc.tables[0].rows.push_back({{"Ольга Ωμέγα Øre"}, {"7.25", true}});
  auto unicode = RenderPdf(doc);
  ASSERT_TRUE(unicode.ok()) << unicode.status().message();
  EXPECT_NE(unicode->find("FontFile2"), std::string::npos);
  const std::string text = PdfText(*unicode, dir_ / "unicode.pdf");
  EXPECT_NE(text.find("Nguyễn Thị Hồng, account " + ana_.ToString()), std::string::npos) << text;
  EXPECT_NE(text.find("Ольга Ωμέγα Øre"), std::string::npos) << text;
  EXPECT_NE(text.find("$7.25"), std::string::npos) << text;
  EXPECT_NE(text.find("$32.00"), std::string::npos) << text;

  // Bytes that are not UTF-8 print as a replacement character, never break the document.
  doc.party = "Ana \xff\xfe Diaz";
  auto malformed = RenderPdf(doc);
  ASSERT_TRUE(malformed.ok()) << malformed.status().message();
  EXPECT_NE(PdfText(*malformed, dir_ / "malformed.pdf").find("Ana"), std::string::npos);
}

// The dark pixels of a PDF's first page, rendered by pdftoppm at 144 dpi in grey.
int64_t DarkPixels(const std::string& pdf, const std::string& path) {
  {
    std::ofstream f(path, std::ios::binary);
    f << pdf;
  }
  FILE* p = popen(("pdftoppm -gray -r 144 -f 1 -l 1 '" + path + "' 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  std::string pgm;
  char buf[65536];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) pgm.append(buf, n);
  pclose(p);
  // "P5\n<width> <height>\n255\n", then one byte per pixel.
  size_t at = 0;
  for (int field = 0; field < 4 && at != std::string::npos; ++field) {
    at = pgm.find_first_of(" \n", at);
    if (at != std::string::npos) ++at;
  }
  if (!pgm.starts_with("P5") || at == std::string::npos) return -1;
  return std::count_if(pgm.begin() + static_cast<std::ptrdiff_t>(at), pgm.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 128; });
}

// Chinese, Japanese and Korean names print with every glyph drawn. Most of the CJK font's
// glyphs are composites, which a PDF can carry without their parts: the text would still
// extract while the page shows nothing. So the page is rendered and each name's ink counted.
TEST_F(StatementsTest, PdfDrawsChineseJapaneseAndKoreanNames) {
  auto n = BuildWorkerMonthlyNotice(*store_, ana_, "2026-09");
  ASSERT_TRUE(n.ok());
  StatementDocument doc = ToDocument(*n);
  ASSERT_FALSE(doc.tables.empty());
  doc.tables[0].rows.push_back({{"王"}, {"7.25", true}});  // with and without a name: one font
  doc.party = ", account " + ana_.ToString();
  auto without = RenderPdf(doc);
  ASSERT_TRUE(without.ok()) << without.status().message();
  const int64_t base = DarkPixels(*without, dir_ / "base.pdf");
  ASSERT_GT(base, 0);
  for (const std::string name : {"김민지", "王芳", "さくら", "陳美玲"}) {
    doc.party = name + ", account " + ana_.ToString();
    auto pdf = RenderPdf(doc);
    ASSERT_TRUE(pdf.ok()) << pdf.status().message();
    EXPECT_NE(PdfText(*pdf, dir_ / "cjk.pdf").find(doc.party), std::string::npos) << name;
    // Each character on its own, so one blank glyph cannot hide behind its neighbours' ink.
    for (size_t i = 0; i < name.size(); i += 3) {  // three UTF-8 bytes each
      doc.party = name.substr(i, 3) + ", account " + ana_.ToString();
      auto one = RenderPdf(doc);
      ASSERT_TRUE(one.ok()) << one.status().message();
      // A blank glyph adds no ink at all; the smallest here (く) adds about 80 pixels.
      EXPECT_GT(DarkPixels(*one, dir_ / "cjk.pdf") - base, 30) << name.substr(i, 3);
    }
  }
}

// The CJK font is looked for beside the binary (the build tree), then in the installed
// prefix's share/accrue/fonts; a binary with neither gets no path.
TEST(CjkFontTest, FoundBesideTheBinaryOrInTheInstalledPrefix) {
  testing::TempDir root;
  const std::filesystem::path build = root.path() / "build";
  const std::filesystem::path bin = root.path() / "usr" / "bin";
  const std::filesystem::path share = root.path() / "usr/share/accrue/fonts";
  for (const auto& dir : {build / "fonts", bin, share}) std::filesystem::create_directories(dir);
  EXPECT_EQ(FindCjkFont(build), "");
  EXPECT_EQ(FindCjkFont(bin), "");
  std::ofstream(build / "fonts" / kCjkFontFile) << "font";
  std::ofstream(share / kCjkFontFile) << "font";
  EXPECT_EQ(FindCjkFont(build), (build / "fonts" / kCjkFontFile).string());
  EXPECT_EQ(FindCjkFont(bin), (share / kCjkFontFile).string());
  std::filesystem::create_directories(bin / "fonts" / kCjkFontFile);  // a directory is no font
  EXPECT_EQ(FindCjkFont(bin), (share / kCjkFontFile).string());
}

// A statement longer than a page flows onto the next, each page with its footer.
TEST_F(StatementsTest, PdfFlowsOntoMorePagesWithTheirFooters) {
  StatementDocument doc;
  doc.title = "Annual statement";
  doc.party = "Ana Diaz, account " + ana_.ToString();
  doc.period = "2026";
  StatementTable t;
  t.title = "By hiring entity";
  t.columns = {"Hiring entity", "Amount"};
  for (int i = 1; i <= 120; ++i) {
    t.rows.push_back({{"entity " + std::to_string(i)}, {std::to_string(i) + ".00", true}});
  }
  t.total = {{"Total"}, {"7260.00", true}};  // 120 x 121 / 2
  doc.tables.push_back(t);
  auto pdf = RenderPdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status().message();
  const std::string text = PdfText(*pdf, dir_ / "long.pdf");
  EXPECT_NE(text.find("page 1"), std::string::npos) << text;
  EXPECT_NE(text.find("page 2"), std::string::npos) << text;
  EXPECT_NE(text.find("entity 120"), std::string::npos) << text;
  EXPECT_NE(text.find("$120.00"), std::string::npos) << text;
  EXPECT_NE(text.find("$7,260.00"), std::string::npos) << text;
  const std::string first_page = text.substr(0, text.find('\f'));
  EXPECT_NE(first_page.find("entity 1 "), std::string::npos) << first_page;
  EXPECT_EQ(first_page.find("entity 120"), std::string::npos) << first_page;
}

TEST_F(StatementsTest, RefusesBadInputWithAClearMessage) {
  auto bad = BuildWorkerMonthlyNotice(*store_, ana_, "2026-13");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalid);
  EXPECT_NE(bad.status().message().find("2026-13"), std::string::npos);
  auto shape = BuildWorkerMonthlyNotice(*store_, ana_, "Sept 2026");
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.status().message().find("YYYY-MM"), std::string::npos);
  EXPECT_FALSE(ParseStatementYear("26").ok());
  auto unknown = BuildWorkerMonthlyNotice(*store_, AccountNumber::FromSerial(9999), "2026-09");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kNotFound);
  EXPECT_NE(unknown.status().message().find("no worker has account number"), std::string::npos);
  auto entity = BuildEntityAnnualStatement(*store_, "nosuch", 2026);
  ASSERT_FALSE(entity.ok());
  EXPECT_EQ(entity.status().code(), Code::kNotFound);
}

TEST_F(StatementsTest, ApiServesCsvAndPdfAttachments) {
  const std::string base = "/v1/workers/" + ana_.ToString() + "/statement";
  auto csv = Send("GET", base + "?month=2026-09", "", ana_token_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type.rfind("text/csv", 0), 0u);
  EXPECT_NE(csv.body.find("Total,20.00,12.00,0.00,32.00\n"), std::string::npos) << csv.body;
  bool attachment = false;
  for (const auto& [name, value] : csv.headers) {
    if (name == "Content-Disposition") attachment = value.rfind("attachment;", 0) == 0;
  }
  EXPECT_TRUE(attachment);

  auto pdf = Send("GET", base + "?year=2026&format=pdf", "", ana_token_);
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.content_type, "application/pdf");
  EXPECT_NE(PdfText(pdf.body, dir_ / "api.pdf").find("$32.00"), std::string::npos);

  auto entity = Send("GET", "/v1/entities/rideco/statement?year=2026&format=pdf", "", rideco_);
  ASSERT_EQ(entity.status, 200) << entity.body;
  EXPECT_EQ(entity.content_type, "application/pdf");
  auto entity_csv = Send("GET", "/v1/entities/rideco/statement?year=2026", "", rideco_);
  ASSERT_EQ(entity_csv.status, 200);
  EXPECT_NE(entity_csv.body.find("Total,32.00,0.00,32.00\n"), std::string::npos);

  auto bad_month = Send("GET", base + "?month=2026-13", "", ana_token_);
  EXPECT_EQ(bad_month.status, 400);
  EXPECT_NE(Json(bad_month)["detail"].get<std::string>().find("2026-13"), std::string::npos);
  EXPECT_EQ(Send("GET", base + "?month=2026-09&year=2026", "", ana_token_).status, 400);
  EXPECT_EQ(Send("GET", base, "", ana_token_).status, 400);
  EXPECT_EQ(Send("GET", base + "?month=2026-09&format=xls", "", ana_token_).status, 400);
  EXPECT_EQ(Send("GET", "/v1/entities/rideco/statement", "", rideco_).status, 400);
  EXPECT_EQ(Send("GET", base + "?month=2026-09", "", ben_token_).status, 403);
  EXPECT_EQ(Send("GET", "/v1/entities/rideco/statement?year=2026", "", cleanco_).status, 403);
}

// Runs the accrue binary; its standard output and error, and its exit status.
std::string RunAccrue(const std::string& args, int* status) {
  FILE* p = popen((std::string(ACCRUE_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = pclose(p);
  return out;
}

TEST_F(StatementsTest, CliWritesCsvAndPdfAndRefusesABadMonth) {
  int status = -1;
  const std::string db = " --db '" + db_ + "'";
  std::string out =
      RunAccrue("statement worker " + ana_.ToString() + " --month 2026-09" + db, &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Total,20.00,12.00,0.00,32.00\n"), std::string::npos) << out;

  const std::string file = dir_ / "rideco.pdf";
  out = RunAccrue("statement entity rideco --year 2026 --format pdf --out '" + file + "'" + db,
                  &status);
  EXPECT_EQ(status, 0) << out;
  std::ifstream f(file, std::ios::binary);
  const std::string pdf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(PdfText(pdf, dir_ / "rideco-copy.pdf").find("$32.00"), std::string::npos);

  out = RunAccrue("statement worker " + ana_.ToString() + " --month 2026-13" + db, &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("month '2026-13' is not a calendar month"), std::string::npos) << out;
  out = RunAccrue("statement worker " + ana_.ToString() + db, &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("either --month"), std::string::npos) << out;
}

}  // namespace
}  // namespace accrue::testing
