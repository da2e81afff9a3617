// Statement documents as CSV and as PDF (libhpdf).
#include <hpdf.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "statements/statements.h"

namespace accrue {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  return out + "\n";
}

std::vector<std::string> Texts(const std::vector<StatementCell>& cells) {
  std::vector<std::string> out;
  for (const auto& c : cells) out.push_back(c.text);
  return out;
}

// "1234.50" → "$1,234.50"; "-5.00" → "-$5.00".
std::string Dollars(const std::string& fixed) {
  const bool negative = !fixed.empty() && fixed[0] == '-';
  std::string digits = negative ? fixed.substr(1) : fixed;
  const size_t dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : digits.substr(dot);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return (negative ? "-$" : "$") + grouped + frac;
}

// Calls `fn` with each code point of `utf8` (a malformed sequence as U+FFFD).
template <typename Fn>
void ForEachCodePoint(const std::string& utf8, Fn&& fn) {
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    bool valid = (c < 0x80 || c >= 0xC0) && i + len <= utf8.size();
    for (size_t k = 1; k < len && i + k < utf8.size(); ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      valid = valid && (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    i += len;
    fn(valid && cp <= 0x10FFFF ? cp : 0xFFFD);
  }
}

bool InLatin1(uint32_t cp) { return (cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF); }
// Dashes and the ellipsis, which WinAnsi spells out.
bool Spelled(uint32_t cp) { return cp == 0x2013 || cp == 0x2014 || cp == 0x2026; }

// UTF-8 to the PDF's WinAnsi encoding: Latin-1 letters as they are, dashes and the ellipsis
// spelled out, anything else as '?'.
std::string ToWinAnsi(const std::string& utf8) {
  std::string out;
  ForEachCodePoint(utf8, [&](uint32_t cp) {
    if (InLatin1(cp)) {
      out += static_cast<char>(cp);
    } else if (cp == 0x2026) {
      out += "...";
    } else {
      out += Spelled(cp) ? '-' : '?';
    }
  });
  return out;
}

// Well-formed UTF-8 for the embedded font, control characters as '?'.
std::string CleanUtf8(const std::string& utf8) {
  std::string out;
  ForEachCodePoint(utf8, [&](uint32_t cp) {
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) cp = '?';
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  });
  return out;
}

// East Asian scripts DejaVu Sans lacks: Hangul, CJK punctuation, kana and ideographs,
// compatibility ideographs, vertical and fullwidth forms, and the supplementary ideographs.
bool EastAsian(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x2E80 && cp <= 0x9FFF) ||
         (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xAC00 && cp <= 0xD7FF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

// Whether `pred` holds for every code point of every piece of text the document prints.
template <typename Pred>
bool EveryCodePoint(const StatementDocument& doc, Pred pred) {
  auto text = [&](const std::string& utf8) {
    bool all = true;
    ForEachCodePoint(utf8, [&](uint32_t cp) { all = all && pred(cp); });
    return all;
  };
  auto cells = [&](const std::vector<StatementCell>& row) {
    return std::all_of(row.begin(), row.end(),
                       [&](const StatementCell& c) { return text(c.text); });
  };
  for (const std::string* s : {&doc.title, &doc.party, &doc.period, &doc.note}) {
    if (!text(*s)) return false;
  }
  for (const StatementTable& t : doc.tables) {
    if (!text(t.title) || !cells(t.total)) return false;
    for (const std::string& c : t.columns) {
      if (!text(c)) return false;
    }
    for (const auto& row : t.rows) {
      if (!cells(row)) return false;
    }
  }
  return true;
}

// The fonts a document is set in. Text WinAnsi covers (Latin-1) uses the PDF's built-in
// Helvetica, so the file stays small; other text (Vietnamese, Greek, Cyrillic names…) embeds
// DejaVu Sans with UTF-8, and text with Chinese, Japanese or Korean embeds WenQuanYi Micro Hei
// (which has Latin, Greek and Cyrillic too, but no bold). Without the font it needs on the
// machine, a document falls back to the next: CJK to DejaVu (boxes), DejaVu to WinAnsi ('?').
struct PdfFonts {
  HPDF_Font regular = nullptr, bold = nullptr;
  bool unicode = false;

  std::string Encode(const std::string& s) const { return unicode ? CleanUtf8(s) : ToWinAnsi(s); }
};

constexpr const char* kUnicodeFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kUnicodeBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

// The flattened CJK font beside this executable, found once.
const std::string& CjkFont() {
  static const std::string* path = [] {
    std::error_code ec;
    return new std::string(
        FindCjkFont(std::filesystem::read_symlink("/proc/self/exe", ec).parent_path()));
  }();
  return *path;
}

// Embeds the TrueType fonts at these paths with UTF-8; false if either is missing or unreadable.
bool EmbedFonts(HPDF_Doc pdf, const char* regular_path, const char* bold_path, PdfFonts* f) {
  if (!std::filesystem::exists(regular_path) || !std::filesystem::exists(bold_path)) return false;
  HPDF_UseUTFEncodings(pdf);
  const char* regular = HPDF_LoadTTFontFromFile(pdf, regular_path, HPDF_TRUE);
  const char* bold = std::string_view(bold_path) == regular_path
                         ? regular
                         : HPDF_LoadTTFontFromFile(pdf, bold_path, HPDF_TRUE);
  if (regular == nullptr || bold == nullptr) return false;
  f->regular = HPDF_GetFont(pdf, regular, "UTF-8");
  f->bold = HPDF_GetFont(pdf, bold, "UTF-8");
  f->unicode = f->regular != nullptr && f->bold != nullptr;
  return f->unicode;
}

PdfFonts ChooseFonts(HPDF_Doc pdf, const StatementDocument& doc) {
  PdfFonts f;
  const bool latin1 = EveryCodePoint(doc, [](uint32_t cp) { return InLatin1(cp) || Spelled(cp); });
  const bool east_asian = !EveryCodePoint(doc, [](uint32_t cp) { return !EastAsian(cp); });
  if (east_asian && EmbedFonts(pdf, CjkFont().c_str(), CjkFont().c_str(), &f)) return f;
  if (!latin1 && EmbedFonts(pdf, kUnicodeFont, kUnicodeBoldFont, &f)) return f;
  f.regular = HPDF_GetFont(pdf, "Helvetica", "WinAnsiEncoding");
  f.bold = HPDF_GetFont(pdf, "Helvetica-Bold", "WinAnsiEncoding");
  f.unicode = false;
  return f;
}

struct PdfError {
  HPDF_STATUS code = 0;
  HPDF_STATUS detail = 0;
};

void OnPdfError(HPDF_STATUS code, HPDF_STATUS detail, void* user) {
  auto* e = static_cast<PdfError*>(user);
  if (e->code == 0) {
    e->code = code;
    e->detail = detail;
  }
}

// Lays out text top-down, starting a new page when the current one is full.
class PdfWriter {
 public:
  PdfWriter(HPDF_Doc pdf, PdfFonts fonts, std::string footer)
      : pdf_(pdf), fonts_(fonts), footer_(std::move(footer)) {
    NewPage();
  }

  void Text(float x, const std::string& s, float size, bool bold) {
    const std::string text = fonts_.Encode(s);
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, bold ? fonts_.bold : fonts_.regular, size);
    HPDF_Page_TextOut(page_, x, y_, text.c_str());
    HPDF_Page_EndText(page_);
  }
  // Right-aligned at `right`.
  void TextRight(float right, const std::string& s, float size, bool bold) {
    HPDF_Page_SetFontAndSize(page_, bold ? fonts_.bold : fonts_.regular, size);
    const float w = HPDF_Page_TextWidth(page_, fonts_.Encode(s).c_str());
    Text(right - w, s, size, bold);
  }
  void Rule(float x0, float x1, float width) {
    HPDF_Page_SetLineWidth(page_, width);
    HPDF_Page_MoveTo(page_, x0, y_ - 3);
    HPDF_Page_LineTo(page_, x1, y_ - 3);
    HPDF_Page_Stroke(page_);
  }
  void Down(float dy) {
    y_ -= dy;
    if (y_ < kBottom) NewPage();
  }
  void Need(float dy) {
    if (y_ - dy < kBottom) NewPage();
  }

  static constexpr float kLeft = 56, kRight = 556, kTop = 740, kBottom = 72;

 private:
  void NewPage() {
    page_ = HPDF_AddPage(pdf_);
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_LETTER, HPDF_PAGE_PORTRAIT);
    ++pages_;
    y_ = 40;
    Text(kLeft, footer_ + " - page " + std::to_string(pages_), 8, false);
    y_ = kTop;
  }

  HPDF_Doc pdf_;
  PdfFonts fonts_;
  std::string footer_;
  HPDF_Page page_ = nullptr;
  float y_ = kTop;
  int pages_ = 0;
};

}  // namespace

std::string RenderCsv(const StatementDocument& doc) {
  std::string out;
  out += CsvLine({"statement", doc.title});
  out += CsvLine({"party", doc.party});
  out += CsvLine({"period", doc.period});
  for (const StatementTable& t : doc.tables) {
    out += "\n";
    out += CsvLine({t.title});
    out += CsvLine(t.columns);
    for (const auto& row : t.rows) out += CsvLine(Texts(row));
    if (!t.total.empty()) out += CsvLine(Texts(t.total));
  }
  return out;
}

std::string FindCjkFont(const std::filesystem::path& exe_dir) {
  std::error_code ec;
  for (const auto& dir :
       {exe_dir / "fonts", exe_dir.parent_path() / "share" / "accrue" / "fonts"}) {
    if (std::filesystem::is_regular_file(dir / kCjkFontFile, ec))
      return (dir / kCjkFontFile).string();
  }
  return "";
}

Result<std::string> RenderPdf(const StatementDocument& doc) {
  PdfError error;
  HPDF_Doc pdf = HPDF_New(OnPdfError, &error);
  if (pdf == nullptr) return Status::Io("cannot create a PDF document");
  struct Free {
    HPDF_Doc pdf;
    ~Free() { HPDF_Free(pdf); }
  } free_pdf{pdf};
  HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
  HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, (doc.title + " " + doc.period).c_str());
  HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "Accrue");
  {
    PdfWriter w(pdf, ChooseFonts(pdf, doc),
                "Accrue - " + doc.title + " - " + doc.party + " - " + doc.period);
    const float left = PdfWriter::kLeft, right = PdfWriter::kRight;
    w.Text(left, "Accrue", 10, true);
    w.Down(22);
    w.Text(left, doc.title, 18, true);
    w.Down(22);
    w.Text(left, doc.party, 11, false);
    w.Down(15);
    w.Text(left, "Period: " + doc.period, 11, false);
    w.Down(28);
    for (const StatementTable& t : doc.tables) {
      if (t.rows.empty() && t.total.empty()) continue;
      w.Need(60);
      w.Text(left, t.title, 12, true);
      w.Down(18);
      const size_t n = std::max<size_t>(t.columns.size(), 1);
      // First column wider (names); the rest share what is left, right-aligned.
      const float first = n == 1 ? right - left : 150;
      const float rest = n == 1 ? 0 : (right - left - first) / static_cast<float>(n - 1);
      auto row = [&](const std::vector<std::string>& cells, bool bold, const auto& is_money) {
        for (size_t i = 0; i < cells.size() && i < n; ++i) {
          const std::string text = is_money(i) ? Dollars(cells[i]) : cells[i];
          if (i == 0) {
            w.Text(left, text, 9.5f, bold);
          } else {
            w.TextRight(left + first + rest * static_cast<float>(i), text, 9.5f, bold);
          }
        }
      };
      row(t.columns, true, [](size_t) { return false; });
      w.Rule(left, right, 0.8f);
      w.Down(15);
      for (const auto& r : t.rows) {
        std::vector<std::string> cells;
        for (const auto& c : r) cells.push_back(c.text);
        row(cells, false, [&](size_t i) { return r[i].money; });
        w.Down(14);
      }
      if (!t.total.empty()) {
        w.Rule(left, right, 0.4f);
        w.Down(2);
        w.Down(12);
        std::vector<std::string> cells;
        for (const auto& c : t.total) cells.push_back(c.text);
        row(cells, true, [&](size_t i) { return t.total[i].money && !t.total[i].text.empty(); });
        w.Down(14);
      }
      w.Down(14);
    }
    if (!doc.note.empty()) w.Text(left, doc.note, 8, false);
  }
  if (error.code != 0) {
    return Status::Io("libhpdf failed (error " + std::to_string(error.code) + ", detail " +
                      std::to_string(error.detail) + ")");
  }
  if (HPDF_SaveToStream(pdf) != HPDF_OK) return Status::Io("cannot write the PDF");
  std::string out(HPDF_GetStreamSize(pdf), '\0');
  HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.size());
  // Reading the whole stream may report its end (HPDF_STREAM_EOF): what counts is the size.
  HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
  if (size == 0 || size != out.size()) return Status::Io("cannot read the PDF back");
  out.resize(size);
  return out;
}

}  // namespace accrue
