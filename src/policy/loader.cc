#include "policy/loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>

#include "base/ids.h"

namespace accrue {
namespace {

constexpr std::string_view kBenefitsFileName = "benefits.toml";
constexpr char kJurisdictionHeader[] = "code,name,parent,time_zone";

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// "a, b or c"
std::string OneOf(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Date OpenEnd() { return Date::FromYmd(9999, 12, 31); }

bool IsPercentBasis(Basis b) { return b == Basis::kEarnings || b == Basis::kEarningsWithTips; }

// ---------------------------------------------------------------------------------------------
// The file being checked and the errors found so far.

class Context {
 public:
  Context(std::string file, std::string_view text, const std::vector<BenefitType>* benefits)
      : file_(std::move(file)), benefits_(benefits) {
    std::string line;
    std::istringstream in{std::string(text)};
    while (std::getline(in, line)) lines_.push_back(line);
  }

  const std::string& file() const { return file_; }

  void Error(int line, std::string key, std::string message) {
    errors_.push_back({file_, line, std::move(key), std::move(message)});
  }
  void Error(const toml::node& n, std::string key, std::string message) {
    Error(LineOf(n), std::move(key), std::move(message));
  }

  // Errors in the order of the file's lines (stable within a line).
  std::vector<PolicyError> TakeErrors() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const PolicyError& a, const PolicyError& b) { return a.line < b.line; });
    return std::move(errors_);
  }

  // The number at `n` as written: a string's text, an integer's digits, or a float's digits as
  // they appear in the file (so 2.10 stays exactly 2.10). Anything else is an error.
  std::optional<std::string> NumberText(const toml::node& n, const std::string& key) {
    if (const auto* s = n.as_string()) return s->get();
    if (const auto* i = n.as_integer()) return std::to_string(i->get());
    if (const auto* f = n.as_floating_point()) {
      std::optional<std::string> written = SourceSlice(n);
      if (written && std::strtod(written->c_str(), nullptr) == f->get()) return written;
      Error(n, key, "cannot read this number exactly; write it as a string such as \"2.00\"");
      return std::nullopt;
    }
    Error(n, key, "must be a number such as \"2.00\"");
    return std::nullopt;
  }

  const BenefitType* FindBenefit(std::string_view name) const {
    for (const auto& b : *benefits_) {
      if (b.name == name) return &b;
    }
    return nullptr;
  }

  std::string BenefitNames() const {
    std::vector<std::string> names;
    for (const auto& b : *benefits_) names.push_back(b.name);
    return names.empty() ? "none loaded" : OneOf(names);
  }

 private:
  std::optional<std::string> SourceSlice(const toml::node& n) const {
    const auto& src = n.source();
    if (src.begin.line != src.end.line || src.begin.line == 0 || src.begin.line > lines_.size()) {
      return std::nullopt;
    }
    const std::string& line = lines_[src.begin.line - 1];
    const size_t from = src.begin.column - 1;
    if (src.end.column <= src.begin.column || from >= line.size()) return std::nullopt;
    return line.substr(from, src.end.column - src.begin.column);
  }

  std::string file_;
  std::vector<std::string> lines_;
  const std::vector<BenefitType>* benefits_;
  std::vector<PolicyError> errors_;
};

// ---------------------------------------------------------------------------------------------
// Exact quantities at a node. Each records an error and returns nullopt when malformed.

std::optional<std::string> TextOf(Context& cx, const toml::node& n, const std::string& key) {
  if (const auto* s = n.as_string()) return s->get();
  cx.Error(n, key, "must be a string");
  return std::nullopt;
}

template <typename T>
std::optional<T> NonNegative(Context& cx, const toml::node& n, const std::string& key,
                             const std::string& text, Result<T> parsed) {
  if (!parsed.ok()) {
    cx.Error(n, key, parsed.status().message());
    return std::nullopt;
  }
  if (parsed->is_negative()) {
    cx.Error(n, key, "must not be negative (got " + text + ")");
    return std::nullopt;
  }
  return *parsed;
}

// Money with at most `decimals` decimals, not negative.
std::optional<Money> MoneyOf(Context& cx, const toml::node& n, const std::string& key,
                             int decimals = 4) {
  auto text = cx.NumberText(n, key);
  if (!text) return std::nullopt;
  if (!text->empty() && text->back() == '%') {
    cx.Error(n, key, "must be an amount such as \"2.00\", not a percent");
    return std::nullopt;
  }
  return NonNegative<Money>(cx, n, key, *text, Money::Parse(*text, decimals));
}

// Hours with at most `decimals` decimals, not negative.
std::optional<Hours> HoursOf(Context& cx, const toml::node& n, const std::string& key,
                             int decimals = 4) {
  auto text = cx.NumberText(n, key);
  if (!text) return std::nullopt;
  return NonNegative<Hours>(cx, n, key, *text, Hours::Parse(*text, decimals));
}

// A percent written as a string with its sign ("1.13%"), between 0% and 100%.
std::optional<Ratio> PercentOf(Context& cx, const toml::node& n, const std::string& key) {
  auto text = cx.NumberText(n, key);
  if (!text) return std::nullopt;
  if (text->empty() || text->back() != '%') {
    cx.Error(n, key, "must be a percent written as a string, such as \"4%\"");
    return std::nullopt;
  }
  auto ratio = NonNegative<Ratio>(cx, n, key, *text, ParsePercent(*text));
  if (ratio && *ratio > Ratio::Whole(1)) {
    cx.Error(n, key, "must not be more than 100% (got " + *text + ")");
    return std::nullopt;
  }
  return ratio;
}

std::optional<Date> DateOf(Context& cx, const toml::node& n, const std::string& key) {
  std::string text;
  if (const auto* d = n.as_date()) {
    std::ostringstream s;
    s << d->get();
    text = s.str();
  } else if (const auto* str = n.as_string()) {
    text = str->get();
  } else {
    cx.Error(n, key, "must be a date such as 2026-01-01");
    return std::nullopt;
  }
  auto date = Date::Parse(text);
  if (!date.ok()) {
    cx.Error(n, key, date.status().message());
    return std::nullopt;
  }
  return *date;
}

// The entries of a table flattened to dotted keys ({a = {b = 1}} gives "a.b"), in the order
// they are written.
std::vector<std::pair<std::string, const toml::node*>> Flatten(const toml::table& t,
                                                               const std::string& prefix = "") {
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (const auto& [k, v] : t) {
    const std::string key = (prefix.empty() ? "" : prefix + ".") + std::string(k.str());
    if (const auto* sub = v.as_table()) {
      auto inner = Flatten(*sub, key);
      out.insert(out.end(), inner.begin(), inner.end());
    } else {
      out.emplace_back(key, &v);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const auto& sa = a.second->source().begin;
    const auto& sb = b.second->source().begin;
    return std::pair(sa.line, sa.column) < std::pair(sb.line, sb.column);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// One TOML table being read. Keys outside `allowed` are reported as unknown when the reader is
// made; each getter reports a missing required key, or a value of the wrong form, and returns
// nullopt (or null) for it.

class TableReader {
 public:
  TableReader(Context& cx, const toml::table& table, std::string path,
              std::initializer_list<std::string_view> allowed)
      : cx_(cx), table_(table), path_(std::move(path)) {
    for (const auto& [k, v] : table_) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
        cx_.Error(static_cast<int>(k.source().begin.line), Key(k.str()),
                  UnknownKeyMessage(k.str(), allowed));
      }
    }
  }

  Context& cx() const { return cx_; }
  const std::string& path() const { return path_; }
  int line() const { return std::max(1, LineOf(table_)); }
  std::string Key(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  bool Has(std::string_view key) const { return table_.contains(key); }

  // Reports `message` at the key's value, or at the table when the key is absent.
  void Error(std::string_view key, std::string message) const {
    const toml::node* n = table_.get(key);
    cx_.Error(n != nullptr ? LineOf(*n) : line(), Key(key), std::move(message));
  }

  const toml::node* Get(std::string_view key, bool required) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr && required) cx_.Error(line(), Key(key), "is required");
    return n;
  }

  std::optional<std::string> String(std::string_view key, bool required) const {
    const toml::node* n = Get(key, required);
    return n != nullptr ? TextOf(cx_, *n, Key(key)) : std::nullopt;
  }

  std::optional<int64_t> Integer(std::string_view key, bool required) const {
    const toml::node* n = Get(key, required);
    if (n == nullptr) return std::nullopt;
    if (const auto* i = n->as_integer()) return i->get();
    cx_.Error(*n, Key(key), "must be a whole number");
    return std::nullopt;
  }

  std::optional<bool> Bool(std::string_view key) const {
    const toml::node* n = Get(key, false);
    if (n == nullptr) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    cx_.Error(*n, Key(key), "must be true or false");
    return std::nullopt;
  }

  std::optional<Date> DateAt(std::string_view key, bool required) const {
    const toml::node* n = Get(key, required);
    return n != nullptr ? DateOf(cx_, *n, Key(key)) : std::nullopt;
  }

  std::optional<Money> MoneyAt(std::string_view key, bool required) const {
    const toml::node* n = Get(key, required);
    return n != nullptr ? MoneyOf(cx_, *n, Key(key)) : std::nullopt;
  }

  std::optional<Hours> HoursAt(std::string_view key, bool required) const {
    const toml::node* n = Get(key, required);
    return n != nullptr ? HoursOf(cx_, *n, Key(key)) : std::nullopt;
  }

  const toml::table* Table(std::string_view key, bool required) const {
    const toml::node* n = Get(key, required);
    if (n == nullptr) return nullptr;
    if (const auto* t = n->as_table()) return t;
    cx_.Error(*n, Key(key), "must be a table");
    return nullptr;
  }

  // The tables of an array of tables ([[key]]), empty when absent or malformed.
  std::vector<const toml::table*> Tables(std::string_view key, bool required) const {
    std::vector<const toml::table*> out;
    const toml::node* n = Get(key, required);
    if (n == nullptr) return out;
    const auto* array = n->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      cx_.Error(*n, Key(key), "must be a list of tables, written [[" + std::string(key) + "]]");
      return out;
    }
    for (const auto& element : *array) out.push_back(element.as_table());
    if (out.empty() && required) cx_.Error(*n, Key(key), "must not be empty");
    return out;
  }

  // An array of strings, each with its node (for error lines).
  std::vector<std::pair<std::string, const toml::node*>> Strings(std::string_view key) const {
    std::vector<std::pair<std::string, const toml::node*>> out;
    const toml::node* n = Get(key, false);
    if (n == nullptr) return out;
    const auto* array = n->as_array();
    if (array == nullptr) {
      cx_.Error(*n, Key(key), "must be a list of strings such as [\"a\", \"b\"]");
      return out;
    }
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      auto text = TextOf(cx_, element, Key(key) + "[" + std::to_string(i) + "]");
      if (text) out.emplace_back(*text, &element);
    }
    return out;
  }

  // One of `options` by name.
  template <typename E>
  std::optional<E> Choice(std::string_view key, bool required,
                          const std::vector<std::pair<std::string, E>>& options) const {
    auto text = String(key, required);
    if (!text) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& [name, value] : options) {
      if (*text == name) return value;
      names.push_back(name);
    }
    Error(key, Quote(*text) + " is not one of " + OneOf(names));
    return std::nullopt;
  }

 private:
  static std::string UnknownKeyMessage(std::string_view key,
                                       std::initializer_list<std::string_view> allowed) {
    std::string message = "unknown key " + Quote(key);
    for (std::string_view candidate : allowed) {
      if (EditDistance(key, candidate) <= 2) {
        return message + " (did you mean " + Quote(candidate) + "?)";
      }
    }
    std::vector<std::string> names(allowed.begin(), allowed.end());
    return message + " (expected " + OneOf(names) + ")";
  }

  Context& cx_;
  const toml::table& table_;
  std::string path_;
};

std::string Indexed(const std::string& key, size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

// ---------------------------------------------------------------------------------------------
// Names used by the format.

const std::vector<std::pair<std::string, Basis>> kBases = {
    {"hours", Basis::kHours},
    {"earnings", Basis::kEarnings},
    {"earnings_with_tips", Basis::kEarningsWithTips},
    {"jobs", Basis::kJobs}};
const std::vector<std::pair<std::string, Payer>> kPayers = {{"hiring_entity", Payer::kHiringEntity},
                                                            {"worker", Payer::kWorker},
                                                            {"government", Payer::kGovernment}};
const std::vector<std::pair<std::string, PackKind>> kPackKinds = {
    {"jurisdiction", PackKind::kJurisdiction},
    {"sector_fund", PackKind::kSectorFund},
    {"voluntary", PackKind::kVoluntary}};
const std::vector<std::pair<std::string, Stacking>> kStackings = {{"add", Stacking::kAdd},
                                                                  {"max", Stacking::kMax}};
const std::vector<std::pair<std::string, Combine>> kCombines = {{"lesser", Combine::kLesser},
                                                                {"greater", Combine::kGreater}};
const std::vector<std::pair<std::string, CapOn>> kCapOns = {{"amount", CapOn::kAmount},
                                                            {"basis", CapOn::kBasis}};
const std::vector<std::pair<std::string, Period>> kPeriods = {
    {"report", Period::kReport}, {"job", Period::kJob},         {"week", Period::kWeek},
    {"month", Period::kMonth},   {"quarter", Period::kQuarter}, {"year", Period::kYear}};
const std::vector<std::pair<std::string, CapScope>> kScopes = {
    {"worker", CapScope::kWorker}, {"worker_entity", CapScope::kWorkerEntity}};

std::optional<Payer> PayerNamed(std::string_view name) {
  for (const auto& [n, p] : kPayers) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::string PayerNames() {
  std::vector<std::string> names;
  for (const auto& entry : kPayers) names.push_back(entry.first);
  return OneOf(names);
}

// ---------------------------------------------------------------------------------------------
// Contribution rules.

std::vector<Classification> ReadClassifications(const TableReader& r) {
  std::vector<Classification> out;
  const auto items = r.Strings("classifications");
  for (size_t i = 0; i < items.size(); ++i) {
    auto c = ParseClassification(items[i].first);
    if (c) {
      out.push_back(*c);
    } else {
      r.cx().Error(
          *items[i].second, Indexed(r.Key("classifications"), i),
          "unknown classification " + Quote(items[i].first) + " (expected \"1099\" or \"W2\")");
    }
  }
  return out;
}

std::vector<std::string> ReadSectors(const TableReader& r) {
  std::vector<std::string> out;
  const auto items = r.Strings("sectors");
  for (size_t i = 0; i < items.size(); ++i) {
    Status st = ValidateName("sector", items[i].first);
    if (st.ok()) {
      out.push_back(items[i].first);
    } else {
      r.cx().Error(*items[i].second, Indexed(r.Key("sectors"), i), st.message());
    }
  }
  return out;
}

// The rate at `key` for `basis`: a percent for the earnings bases, an amount otherwise.
std::optional<Formula> ReadRate(const TableReader& r, Basis basis) {
  const toml::node* n = r.Get("rate", true);
  if (n == nullptr) return std::nullopt;
  Formula f;
  f.basis = basis;
  if (IsPercentBasis(basis)) {
    auto percent = PercentOf(r.cx(), *n, r.Key("rate"));
    if (!percent) return std::nullopt;
    f.percent = *percent;
  } else {
    auto amount = MoneyOf(r.cx(), *n, r.Key("rate"));
    if (!amount) return std::nullopt;
    f.per_unit = *amount;
  }
  return f;
}

// `basis` and `rate`; the basis defaults to `default_basis` when given.
std::optional<Formula> ReadFormula(const TableReader& r, std::optional<Basis> default_basis) {
  std::optional<Basis> basis = r.Choice("basis", !default_basis.has_value(), kBases);
  if (!basis && r.Has("basis")) return std::nullopt;  // malformed: already reported
  if (!basis) basis = default_basis;
  if (!basis) return std::nullopt;
  return ReadRate(r, *basis);
}

std::optional<std::map<Payer, Ratio>> ReadPayers(const TableReader& r) {
  const toml::table* t = r.Table("payers", false);
  if (t == nullptr) return std::nullopt;
  Context& cx = r.cx();
  const std::string key = r.Key("payers");
  std::map<Payer, Ratio> payers;
  Ratio sum;
  bool valid = true;
  for (const auto& [name, node] : Flatten(*t)) {
    const std::string entry_key = key + "." + name;
    auto payer = PayerNamed(name);
    if (!payer) {
      cx.Error(*node, entry_key,
               "unknown payer " + Quote(name) + " (expected " + PayerNames() + ")");
      valid = false;
      continue;
    }
    auto share = PercentOf(cx, *node, entry_key);
    if (share && share->is_zero()) {
      cx.Error(*node, entry_key, "a share must be more than 0%; leave the payer out instead");
      share.reset();
    }
    if (!share) {
      valid = false;
      continue;
    }
    payers[*payer] = *share;
    sum += *share;
  }
  if (valid && payers.empty()) {
    cx.Error(LineOf(*t), key, "must name at least one payer");
    valid = false;
  }
  if (valid && sum > Ratio::Whole(1)) {
    cx.Error(LineOf(*t), key, "payer shares sum to " + FormatPercent(sum) + ", more than 100%");
    valid = false;
  }
  if (!valid) return std::nullopt;
  return payers;
}

// The split of each contribution across benefits: percents summing to 100%, or per-unit amounts
// summing to the rate (per-hour and per-job rates only). Weights keep the order written.
std::optional<std::vector<std::pair<std::string, int64_t>>> ReadSplit(const TableReader& r,
                                                                      const Formula* formula) {
  const toml::table* t = r.Table("split", true);
  if (t == nullptr) return std::nullopt;
  Context& cx = r.cx();
  const std::string key = r.Key("split");
  const int line = LineOf(*t);
  std::vector<std::pair<std::string, int64_t>> weights;
  int percents = 0;
  int amounts = 0;
  bool valid = true;
  for (const auto& [name, node] : Flatten(*t)) {
    const std::string entry_key = key + "." + name;
    if (cx.FindBenefit(name) == nullptr) {
      cx.Error(*node, entry_key,
               "unknown benefit " + Quote(name) + " (known: " + cx.BenefitNames() + ")");
      valid = false;
      continue;
    }
    auto text = cx.NumberText(*node, entry_key);
    if (!text) {
      valid = false;
    } else if (!text->empty() && text->back() == '%') {
      ++percents;
      auto p = PercentOf(cx, *node, entry_key);
      valid = valid && p.has_value();
      if (p) weights.emplace_back(name, p->units());
    } else {
      ++amounts;
      auto m = MoneyOf(cx, *node, entry_key);
      valid = valid && m.has_value();
      if (m) weights.emplace_back(name, m->units());
    }
  }
  if (percents > 0 && amounts > 0) {
    cx.Error(line, key,
             "split mixes percents and amounts; write all as percents or all as amounts");
    return std::nullopt;
  }
  if (!valid) return std::nullopt;
  if (weights.empty()) {
    cx.Error(line, key, "must name at least one benefit");
    return std::nullopt;
  }
  int64_t sum = 0;
  for (const auto& w : weights) sum += w.second;
  if (percents > 0 && sum != Ratio::kOne) {
    cx.Error(line, key,
             "split percents sum to " + FormatPercent(Ratio::FromUnits(sum)) + ", not 100%");
    return std::nullopt;
  }
  if (amounts > 0 && formula != nullptr) {
    if (IsPercentBasis(formula->basis)) {
      cx.Error(line, key,
               "a rate on earnings is split by percents such as \"60%\", not by amounts");
      return std::nullopt;
    }
    if (sum != formula->per_unit.units()) {
      cx.Error(line, key,
               "split sums to " + Money::FromUnits(sum).ToString(2) + ", not the rate " +
                   formula->per_unit.ToString(2));
      return std::nullopt;
    }
    if (sum == 0) {
      cx.Error(line, key, "split amounts must not all be zero");
      return std::nullopt;
    }
  }
  return weights;
}

std::optional<Cap> ReadCap(Context& cx, const toml::table& t, const std::string& path,
                           Basis basis) {
  TableReader r(cx, t, path, {"on", "per", "scope", "limit"});
  auto on = r.Choice("on", true, kCapOns);
  auto per = r.Choice("per", true, kPeriods);
  auto scope = r.Choice("scope", false, kScopes);
  const toml::node* limit = r.Get("limit", true);
  if (!on || !per || limit == nullptr) return std::nullopt;
  Cap cap;
  cap.on = *on;
  cap.per = *per;
  cap.scope = scope.value_or(CapScope::kWorker);
  const std::string key = r.Key("limit");
  bool positive = false;
  if (cap.on == CapOn::kBasis && basis == Basis::kHours) {
    auto h = HoursOf(cx, *limit, key);
    if (!h) return std::nullopt;
    cap.limit_hours = *h;
    positive = !h->is_zero();
  } else if (cap.on == CapOn::kBasis && basis == Basis::kJobs) {
    auto jobs = r.Integer("limit", true);
    if (!jobs) return std::nullopt;
    cap.limit_jobs = *jobs;
    positive = *jobs > 0;
  } else {
    auto m = MoneyOf(cx, *limit, key);
    if (!m) return std::nullopt;
    cap.limit_money = *m;
    positive = !m->is_zero() && !m->is_negative();
  }
  if (!positive) {
    cx.Error(*limit, key, "must be more than 0");
    return std::nullopt;
  }
  return cap;
}

std::optional<SizeTier> ReadTier(Context& cx, const toml::table& t, const std::string& path,
                                 Basis basis) {
  TableReader r(cx, t, path, {"min_size", "max_size", "basis", "rate", "payers"});
  SizeTier tier;
  tier.min_size = r.Integer("min_size", false).value_or(0);
  tier.max_size = r.Integer("max_size", false).value_or(INT64_MAX);
  bool valid = true;
  if (tier.min_size < 0) {
    r.Error("min_size", "must not be negative");
    valid = false;
  }
  if (tier.max_size < tier.min_size) {
    r.Error("max_size", "must not be less than min_size (" + std::to_string(tier.min_size) + ")");
    valid = false;
  }
  if (r.Has("basis") || r.Has("rate")) {
    tier.formula = ReadFormula(r, basis);
    valid = valid && tier.formula.has_value();
  }
  if (r.Has("payers")) {
    tier.payers = ReadPayers(r);
    valid = valid && tier.payers.has_value();
  }
  if (!valid) return std::nullopt;
  return tier;
}

std::string SizeRange(const SizeTier& t) {
  return std::to_string(t.min_size) + "–" +
         (t.max_size == INT64_MAX ? std::string("any") : std::to_string(t.max_size));
}

std::vector<SizeTier> ReadTiers(const TableReader& r, Basis basis, bool* valid) {
  std::vector<SizeTier> tiers;
  const auto tables = r.Tables("tier", false);
  for (size_t i = 0; i < tables.size(); ++i) {
    const std::string path = Indexed(r.Key("tier"), i);
    auto tier = ReadTier(r.cx(), *tables[i], path, basis);
    if (!tier) {
      *valid = false;
      continue;
    }
    for (size_t j = 0; j < tiers.size(); ++j) {
      const SizeTier& other = tiers[j];
      if (tier->min_size <= other.max_size && other.min_size <= tier->max_size) {
        r.cx().Error(LineOf(*tables[i]), path,
                     "sizes " + SizeRange(*tier) + " overlap " + Indexed(r.Key("tier"), j) +
                         " (sizes " + SizeRange(other) + ")");
        *valid = false;
      }
    }
    tiers.push_back(*tier);
  }
  return tiers;
}

std::vector<Cap> ReadCaps(const TableReader& r, Basis basis, bool* valid) {
  std::vector<Cap> caps;
  const auto tables = r.Tables("cap", false);
  for (size_t i = 0; i < tables.size(); ++i) {
    auto cap = ReadCap(r.cx(), *tables[i], Indexed(r.Key("cap"), i), basis);
    if (cap) {
      caps.push_back(*cap);
    } else {
      *valid = false;
    }
  }
  return caps;
}

// A basis cap counts the rule's own basis, so every formula of the rule must share it.
bool BasisCapsConsistent(const TableReader& r, const ContributionRule& rule) {
  const bool has_basis_cap = std::any_of(rule.caps.begin(), rule.caps.end(),
                                         [](const Cap& c) { return c.on == CapOn::kBasis; });
  if (!has_basis_cap) return true;
  auto differs = [&](const std::optional<Formula>& f) {
    return f.has_value() && f->basis != rule.formula.basis;
  };
  bool ok = !differs(rule.alternative);
  for (const SizeTier& t : rule.tiers) ok = ok && !differs(t.formula);
  if (!ok) {
    r.Error("cap", std::string("a basis cap counts ") + BasisName(rule.formula.basis) +
                       ", so the alternative and the tiers must use that basis too");
  }
  return ok;
}

// `alternative` with `combine`: a second formula; the lesser or greater amount applies.
bool ReadAlternative(const TableReader& r, ContributionRule* rule) {
  const toml::table* alt = r.Table("alternative", false);
  if (alt == nullptr) {
    if (!r.Has("combine")) return !r.Has("alternative");
    r.Error("combine", "combine needs an alternative formula (alternative = { basis, rate })");
    return false;
  }
  TableReader ar(r.cx(), *alt, r.Key("alternative"), {"basis", "rate"});
  rule->alternative = ReadFormula(ar, std::nullopt);
  auto combine = r.Choice("combine", true, kCombines);
  rule->combine = combine.value_or(Combine::kGreater);
  return rule->alternative.has_value() && combine.has_value();
}

// An optional amount; `out` keeps its default (zero) when the key is absent.
bool ReadOptionalMoney(const TableReader& r, std::string_view key, Money* out) {
  if (!r.Has(key)) return true;
  auto m = r.MoneyAt(key, false);
  if (m) *out = *m;
  return m.has_value();
}

std::optional<ContributionRule> ReadContribution(Context& cx, const toml::table& t,
                                                 const std::string& path) {
  TableReader r(cx, t, path,
                {"name", "basis", "rate", "alternative", "combine", "payers", "tier",
                 "min_per_report", "min_per_job", "cap", "classifications", "sectors", "split"});
  ContributionRule rule;
  bool valid = true;
  if (auto name = r.String("name", true)) {
    Status st = ValidateName("rule name", *name);
    if (!st.ok()) r.Error("name", st.message());
    valid = valid && st.ok();
    rule.name = *name;
  } else {
    valid = false;
  }
  auto formula = ReadFormula(r, std::nullopt);
  if (formula) rule.formula = *formula;
  valid = valid && formula.has_value();

  valid = ReadAlternative(r, &rule) && valid;

  rule.payers = {{Payer::kHiringEntity, Ratio::Whole(1)}};
  if (r.Has("payers")) {
    auto payers = ReadPayers(r);
    if (payers) rule.payers = *payers;
    valid = valid && payers.has_value();
  }
  const Basis basis = formula ? formula->basis : Basis::kHours;
  rule.tiers = ReadTiers(r, basis, &valid);
  rule.caps = ReadCaps(r, basis, &valid);
  valid = ReadOptionalMoney(r, "min_per_report", &rule.min_per_report) && valid;
  valid = ReadOptionalMoney(r, "min_per_job", &rule.min_per_job) && valid;
  rule.classifications = ReadClassifications(r);
  rule.sectors = ReadSectors(r);
  auto split = ReadSplit(r, formula ? &*formula : nullptr);
  if (split) rule.split = *split;
  valid = valid && split.has_value() && BasisCapsConsistent(r, rule);
  if (!valid) return std::nullopt;
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Accrual rules.

std::optional<AccrualRule> ReadAccrual(Context& cx, const toml::table& t, const std::string& path) {
  TableReader r(cx, t, path,
                {"benefit", "per_hours", "credit", "year_cap", "carryover_cap", "classifications",
                 "sectors"});
  AccrualRule rule;
  bool valid = true;
  if (auto benefit = r.String("benefit", true)) {
    rule.benefit = *benefit;
    const BenefitType* b = cx.FindBenefit(*benefit);
    if (b == nullptr) {
      r.Error("benefit",
              "unknown benefit " + Quote(*benefit) + " (known: " + cx.BenefitNames() + ")");
      valid = false;
    } else if (b->kind != BenefitKind::kLeave) {
      r.Error("benefit", "accruals credit leave hours, but " + Quote(*benefit) +
                             " is a money benefit (kind = \"money\" in the benefit list)");
      valid = false;
    }
  } else {
    valid = false;
  }
  auto positive = [&](std::string_view key, bool required, std::optional<Hours> fallback) {
    if (!r.Has(key) && !required) return fallback;
    auto h = r.HoursAt(key, required);
    if (h && h->is_zero()) {
      r.Error(key, "must be more than 0");
      h.reset();
    }
    valid = valid && h.has_value();
    return h;
  };
  rule.per_hours_worked = positive("per_hours", true, std::nullopt).value_or(Hours());
  rule.credit = positive("credit", false, Hours::Whole(1)).value_or(Hours());
  if (r.Has("year_cap")) {
    rule.year_cap = r.HoursAt("year_cap", false);
    valid = valid && rule.year_cap.has_value();
  }
  if (r.Has("carryover_cap")) {
    rule.carryover_cap = r.HoursAt("carryover_cap", false);
    valid = valid && rule.carryover_cap.has_value();
  }
  rule.classifications = ReadClassifications(r);
  rule.sectors = ReadSectors(r);
  if (!valid) return std::nullopt;
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Eligibility rules.

constexpr int64_t kHoursInAWeek = 168;

const std::vector<std::pair<std::string, Basis>> kEligibilityBases = {
    {"hours", Basis::kHours}, {"earnings", Basis::kEarnings}};
const std::vector<std::pair<std::string, Period>> kEligibilityPeriods = {
    {"month", Period::kMonth}, {"quarter", Period::kQuarter}};

std::string TierText(const EligibilityRule& rule, const EligibilityTier& tier) {
  if (tier.hours_per_week) return tier.hours_per_week->ToString() + " h a week";
  return rule.basis == Basis::kHours ? Hours::FromUnits(tier.minimum).ToString() + " h"
                                     : Money::FromUnits(tier.minimum).ToString(2);
}

// A positive threshold at `key` in the rule's basis: hours, or dollars of earnings.
std::optional<int64_t> ReadThreshold(const TableReader& r, std::string_view key, Basis basis) {
  std::optional<int64_t> units;
  if (basis == Basis::kHours) {
    if (auto h = r.HoursAt(key, true)) units = h->units();
  } else if (auto m = r.MoneyAt(key, true)) {
    units = m->units();
  }
  if (units && *units == 0) {
    r.Error(key, "must be more than 0");
    return std::nullopt;
  }
  return units;
}

// `minimum` (in the basis's unit), or `hours_per_week` averaged over a quarter.
bool ReadTierThreshold(const TableReader& r, const EligibilityRule& rule, EligibilityTier* tier) {
  const bool has_minimum = r.Has("minimum");
  if (r.Has("hours_per_week")) {
    if (has_minimum) {
      r.Error("hours_per_week", "give either minimum or hours_per_week, not both");
      return false;
    }
    if (rule.basis != Basis::kHours) {
      r.Error("hours_per_week", "hours_per_week counts hours; it needs basis = \"hours\"");
      return false;
    }
    if (rule.per != Period::kQuarter) {
      r.Error("hours_per_week",
              "hours_per_week is averaged over a quarter's 13 weeks; it needs per = \"quarter\" "
              "(for a month, give minimum in hours)");
      return false;
    }
    auto h = r.HoursAt("hours_per_week", true);
    if (h && (h->is_zero() || *h > Hours::Whole(kHoursInAWeek))) {
      r.Error("hours_per_week", "must be more than 0 and at most " + std::to_string(kHoursInAWeek) +
                                    " (the hours in a week)");
      return false;
    }
    if (!h) return false;
    tier->hours_per_week = *h;
    return true;
  }
  auto minimum = ReadThreshold(r, "minimum", rule.basis);
  if (minimum) tier->minimum = *minimum;
  return minimum.has_value();
}

// `[[...tier]]`: named thresholds, each above the one before.
bool ReadEligibilityTiers(const TableReader& r, EligibilityRule* rule) {
  const auto tables = r.Tables("tier", false);
  bool valid = true;
  std::set<std::string> names;
  for (size_t i = 0; i < tables.size(); ++i) {
    TableReader tr(r.cx(), *tables[i], Indexed(r.Key("tier"), i),
                   {"name", "minimum", "hours_per_week"});
    EligibilityTier tier;
    auto name = tr.String("name", true);
    bool ok = name.has_value() && ReadTierThreshold(tr, *rule, &tier);
    if (name) {
      tier.name = *name;
      Status st = ValidateName("tier name", *name);
      if (!st.ok()) tr.Error("name", st.message());
      if (st.ok() && !names.insert(*name).second) {
        tr.Error("name", "another tier of this rule is already named " + Quote(*name));
        ok = false;
      }
      ok = ok && st.ok();
    }
    if (ok && !rule->tiers.empty() && tier.Threshold() <= rule->tiers.back().Threshold()) {
      const EligibilityTier& before = rule->tiers.back();
      tr.cx().Error(tr.line(), tr.path(),
                    "tiers must rise: " + Quote(tier.name) + " (" + TierText(*rule, tier) +
                        ") is not above " + Quote(before.name) + " (" + TierText(*rule, before) +
                        ")");
      ok = false;
    }
    if (ok) rule->tiers.push_back(std::move(tier));
    valid = valid && ok;
  }
  return valid;
}

// `bank = { monthly_draw, cap, forfeit_after_months }`: hours, counted month by month, pooled.
bool ReadHourBank(const TableReader& r, EligibilityRule* rule) {
  const toml::table* t = r.Table("bank", true);
  if (t == nullptr) return false;
  TableReader br(r.cx(), *t, r.Key("bank"), {"monthly_draw", "cap", "forfeit_after_months"});
  if (rule->basis != Basis::kHours || rule->per != Period::kMonth) {
    r.Error("bank",
            "an hour bank credits hours month by month: it needs basis = \"hours\" and "
            "per = \"month\"");
    return false;
  }
  if (rule->scope != CapScope::kWorker) {
    r.Error("bank", "an hour bank pools all the worker's hours: scope must be \"worker\"");
    return false;
  }
  HourBank bank;
  auto draw = br.HoursAt("monthly_draw", true);
  if (draw && draw->is_zero()) {
    br.Error("monthly_draw", "must be more than 0");
    draw.reset();
  }
  bool valid = draw.has_value();
  if (draw) bank.monthly_draw = *draw;
  if (br.Has("cap")) {
    bank.cap = br.HoursAt("cap", false);
    if (bank.cap && draw && *bank.cap < *draw) {
      br.Error("cap", "a bank that holds less than the monthly draw (" + draw->ToString() +
                          " h) can never pay for a month on its own");
      bank.cap.reset();
    }
    valid = valid && bank.cap.has_value();
  }
  if (br.Has("forfeit_after_months")) {
    auto months = br.Integer("forfeit_after_months", false);
    if (months && (*months < 1 || *months > 120)) {
      br.Error("forfeit_after_months", "must be between 1 and 120");
      months.reset();
    }
    if (months) bank.forfeit_after_months = static_cast<int>(*months);
    valid = valid && months.has_value();
  }
  if (valid) rule->bank = bank;
  return valid;
}

// Exactly one of `minimum`, `[[tier]]` and `bank` says what qualifies.
bool ReadEligibilityThresholds(const TableReader& r, EligibilityRule* rule) {
  const int given = (r.Has("minimum") ? 1 : 0) + (r.Has("tier") ? 1 : 0) + (r.Has("bank") ? 1 : 0);
  if (given == 0) {
    r.cx().Error(r.line(), r.path(),
                 "say what qualifies: a minimum, [[tier]] thresholds or an hour bank");
    return false;
  }
  if (given > 1) {
    r.cx().Error(r.line(), r.path(), "give only one of minimum, [[tier]] and bank");
    return false;
  }
  if (r.Has("bank")) return ReadHourBank(r, rule);
  if (r.Has("tier")) return ReadEligibilityTiers(r, rule);
  EligibilityTier tier;
  auto minimum = ReadThreshold(r, "minimum", rule->basis);
  if (!minimum) return false;
  tier.minimum = *minimum;
  rule->tiers.push_back(tier);
  return true;
}

std::optional<EligibilityRule> ReadEligibilityRule(Context& cx, const toml::table& t,
                                                   const std::string& path) {
  TableReader r(cx, t, path,
                {"benefit", "basis", "per", "lag_months", "scope", "minimum", "tier", "bank"});
  EligibilityRule rule;
  bool valid = true;
  if (auto benefit = r.String("benefit", true)) {
    rule.benefit = *benefit;
    if (cx.FindBenefit(*benefit) == nullptr) {
      r.Error("benefit",
              "unknown benefit " + Quote(*benefit) + " (known: " + cx.BenefitNames() + ")");
      valid = false;
    }
  } else {
    valid = false;
  }
  auto basis = r.Choice("basis", false, kEligibilityBases);
  auto per = r.Choice("per", false, kEligibilityPeriods);
  auto scope = r.Choice("scope", false, kScopes);
  valid =
      valid && (basis || !r.Has("basis")) && (per || !r.Has("per")) && (scope || !r.Has("scope"));
  rule.basis = basis.value_or(Basis::kHours);
  rule.per = per.value_or(Period::kMonth);
  rule.scope = scope.value_or(CapScope::kWorker);
  if (r.Has("lag_months")) {
    auto lag = r.Integer("lag_months", false);
    if (lag && (*lag < 0 || *lag > kMaxLagMonths)) {
      r.Error("lag_months", "must be between 0 and " + std::to_string(kMaxLagMonths) + " (got " +
                                std::to_string(*lag) + ")");
      lag.reset();
    }
    rule.lag_months = static_cast<int>(lag.value_or(0));
    valid = valid && lag.has_value();
  }
  // The thresholds' units depend on the basis and period, so read them only when those are good.
  valid = valid && ReadEligibilityThresholds(r, &rule);
  if (!valid) return std::nullopt;
  return rule;
}

// Every `[[version.eligibility]]` of a version, at most one per benefit.
bool ReadEligibility(const TableReader& r, PolicyVersion* v) {
  bool valid = true;
  std::set<std::string> decided;
  const auto tables = r.Tables("eligibility", false);
  for (size_t i = 0; i < tables.size(); ++i) {
    const std::string rule_path = Indexed(r.Key("eligibility"), i);
    auto rule = ReadEligibilityRule(r.cx(), *tables[i], rule_path);
    if (rule && !decided.insert(rule->benefit).second) {
      r.cx().Error(
          LineOf(*tables[i]), rule_path + ".benefit",
          "another eligibility rule in this version already decides " + Quote(rule->benefit));
      rule.reset();
    }
    if (rule) v->eligibility.push_back(std::move(*rule));
    valid = valid && rule.has_value();
  }
  return valid;
}

// ---------------------------------------------------------------------------------------------
// Leave and claim rules: how accrued leave is drawn as pay, and what may be claimed from a
// money benefit.

const std::vector<std::pair<std::string, LeaveCash>> kLeaveCash = {
    {"average_earnings", LeaveCash::kAverageEarnings}, {"leave_account", LeaveCash::kLeaveAccount}};

// An optional whole number between 0 and `max` at `key`; `out` keeps its default when absent.
bool ReadDays(const TableReader& r, std::string_view key, int max, int* out) {
  if (!r.Has(key)) return true;
  auto v = r.Integer(key, false);
  if (v && (*v < 0 || *v > max)) {
    r.Error(key,
            "must be between 0 and " + std::to_string(max) + " (got " + std::to_string(*v) + ")");
    return false;
  }
  if (v) *out = static_cast<int>(*v);
  return v.has_value();
}

// The rule's `benefit`, which must be in the benefit list (and of kind `kind`, when given).
std::optional<std::string> ReadRuleBenefit(const TableReader& r, std::optional<BenefitKind> kind,
                                           const char* what) {
  auto benefit = r.String("benefit", true);
  if (!benefit) return std::nullopt;
  const BenefitType* b = r.cx().FindBenefit(*benefit);
  if (b == nullptr) {
    r.Error("benefit",
            "unknown benefit " + Quote(*benefit) + " (known: " + r.cx().BenefitNames() + ")");
    return std::nullopt;
  }
  if (kind && b->kind != *kind) {
    r.Error("benefit", std::string(what) + Quote(*benefit) + " is a money benefit");
    return std::nullopt;
  }
  return benefit;
}

std::optional<LeaveRule> ReadLeaveRule(Context& cx, const toml::table& t, const std::string& path) {
  TableReader r(cx, t, path, {"benefit", "waiting_days", "minimum_unit", "cash", "lookback_days"});
  LeaveRule rule;
  auto benefit = ReadRuleBenefit(r, BenefitKind::kLeave, "leave rules draw leave hours, but ");
  bool valid = benefit.has_value();
  rule.benefit = benefit.value_or("");
  valid = ReadDays(r, "waiting_days", kMaxWaitingDays, &rule.waiting_days) && valid;
  if (r.Has("minimum_unit")) {
    auto unit = r.HoursAt("minimum_unit", false);
    if (unit && (unit->is_zero() || *unit > Hours::Whole(24))) {
      r.Error("minimum_unit", "must be more than 0 and at most 24 hours");
      unit.reset();
    }
    rule.minimum_unit = unit.value_or(Hours());
    valid = valid && unit.has_value();
  }
  auto cash = r.Choice("cash", true, kLeaveCash);
  valid = valid && cash.has_value();
  rule.cash = cash.value_or(LeaveCash::kLeaveAccount);
  valid = ReadDays(r, "lookback_days", kMaxLookbackDays, &rule.lookback_days) && valid;
  if (cash == LeaveCash::kAverageEarnings && rule.lookback_days == 0 && valid) {
    r.Error("lookback_days", "cash = \"average_earnings\" needs lookback_days of 1 or more");
    valid = false;
  }
  if (cash == LeaveCash::kLeaveAccount && r.Has("lookback_days")) {
    r.Error("lookback_days", "only cash = \"average_earnings\" looks back over earnings");
    valid = false;
  }
  if (!valid) return std::nullopt;
  return rule;
}

std::optional<ClaimRule> ReadClaimRule(Context& cx, const toml::table& t, const std::string& path) {
  TableReader r(cx, t, path, {"benefit", "uses", "minimum_age", "fixed_amount", "unit"});
  ClaimRule rule;
  auto benefit = ReadRuleBenefit(r, std::nullopt, "");
  bool valid = benefit.has_value();
  rule.benefit = benefit.value_or("");
  for (const auto& [use, node] : r.Strings("uses")) {
    Status st = ValidateName("use", use);
    if (!st.ok()) {
      cx.Error(*node, r.Key("uses"), st.message());
      valid = false;
    } else if (std::find(rule.uses.begin(), rule.uses.end(), use) != rule.uses.end()) {
      cx.Error(*node, r.Key("uses"), Quote(use) + " is listed twice");
      valid = false;
    } else {
      rule.uses.push_back(use);
    }
  }
  valid = ReadDays(r, "minimum_age", 120, &rule.minimum_age) && valid;
  if (r.Has("fixed_amount") != r.Has("unit")) {
    r.Error(r.Has("unit") ? "unit" : "fixed_amount",
            "fixed_amount and unit go together (\"120.00\" per \"day\")");
    valid = false;
  } else if (r.Has("fixed_amount")) {
    auto amount = r.MoneyAt("fixed_amount", false);
    if (amount && amount->is_zero()) {
      r.Error("fixed_amount", "must be more than 0");
      amount.reset();
    }
    auto unit = r.String("unit", false);
    if (unit) {
      Status st = ValidateName("unit", *unit);
      if (!st.ok()) {
        r.Error("unit", st.message());
        unit.reset();
      }
    }
    rule.fixed_amount = amount;
    rule.unit = unit.value_or("");
    valid = valid && amount.has_value() && unit.has_value();
  }
  if (!valid) return std::nullopt;
  return rule;
}

// Every `[[version.leave]]` and `[[version.claim]]` of a version, at most one of each per
// benefit.
template <typename Rule, typename ReadFn>
bool ReadPerBenefit(const TableReader& r, const char* key, const char* what, ReadFn read,
                    std::vector<Rule>* out) {
  bool valid = true;
  std::set<std::string> seen;
  const auto tables = r.Tables(key, false);
  for (size_t i = 0; i < tables.size(); ++i) {
    const std::string rule_path = Indexed(r.Key(key), i);
    std::optional<Rule> rule = read(r.cx(), *tables[i], rule_path);
    if (rule && !seen.insert(rule->benefit).second) {
      r.cx().Error(LineOf(*tables[i]), rule_path + ".benefit",
                   std::string("another ") + what + " rule in this version already covers " +
                       Quote(rule->benefit));
      rule.reset();
    }
    if (rule) out->push_back(std::move(*rule));
    valid = valid && rule.has_value();
  }
  return valid;
}

bool ReadLeaveAndClaims(const TableReader& r, PolicyVersion* v) {
  const bool leave = ReadPerBenefit(r, "leave", "leave", ReadLeaveRule, &v->leave);
  const bool claims = ReadPerBenefit(r, "claim", "claim", ReadClaimRule, &v->claims);
  return leave && claims;
}

// ---------------------------------------------------------------------------------------------
// Match rules: a government match of workers' voluntary contributions to a money benefit.

std::optional<MatchRule> ReadMatchRule(Context& cx, const toml::table& t, const std::string& path) {
  TableReader r(cx, t, path,
                {"benefit", "rate", "counts_up_to", "year_cap", "income_limit", "phase_out_from"});
  MatchRule rule;
  auto benefit = ReadRuleBenefit(r, std::nullopt, "");
  bool valid = benefit.has_value();
  if (benefit) {
    const BenefitType* b = cx.FindBenefit(*benefit);
    if (b != nullptr && b->kind != BenefitKind::kMoney) {
      r.Error("benefit", "a match credits money, but " + Quote(*benefit) + " is a leave benefit");
      valid = false;
    }
  }
  rule.benefit = benefit.value_or("");
  const toml::node* rate_node = r.Get("rate", true);
  std::optional<Ratio> rate;
  if (rate_node != nullptr) rate = PercentOf(cx, *rate_node, r.Key("rate"));
  if (rate && rate->is_zero()) {
    r.Error("rate", "must be more than 0%");
    rate.reset();
  }
  valid = valid && rate.has_value();
  rule.rate = rate.value_or(Ratio());
  auto optional_money = [&](std::string_view key, std::optional<Money>* out) {
    if (!r.Has(key)) return;
    auto m = r.MoneyAt(key, false);
    if (m && m->is_zero()) {
      r.Error(key, "must be more than 0 (leave it out for no limit)");
      m.reset();
    }
    if (!m) valid = false;
    *out = m;
  };
  optional_money("counts_up_to", &rule.counts_up_to);
  optional_money("year_cap", &rule.year_cap);
  optional_money("income_limit", &rule.income_limit);
  optional_money("phase_out_from", &rule.phase_out_from);
  if (r.Has("phase_out_from") && !r.Has("income_limit")) {
    r.Error("phase_out_from", "a phase-out needs the income_limit where it ends");
    valid = false;
  } else if (rule.phase_out_from && rule.income_limit &&
             *rule.phase_out_from >= *rule.income_limit) {
    r.Error("phase_out_from", "must be below income_limit " + rule.income_limit->ToString(2) +
                                  " (got " + rule.phase_out_from->ToString(2) + ")");
    valid = false;
  }
  if (!valid) return std::nullopt;
  return rule;
}

// ---------------------------------------------------------------------------------------------
// Versions and their chronology.

// Where a version sits in time, as written (for the contiguity checks).
struct VersionSpan {
  size_t index = 0;
  std::optional<Date> effective;
  std::optional<Date> ends;
  int effective_line = 0;
  int ends_line = 0;
};

std::optional<PolicyVersion> ReadVersion(Context& cx, const toml::table& t, const std::string& path,
                                         VersionSpan* span) {
  TableReader r(cx, t, path,
                {"effective", "ends", "stacking", "notes", "contribution", "accrual", "eligibility",
                 "leave", "claim", "match"});
  PolicyVersion v;
  span->effective = r.DateAt("effective", true);
  span->ends = r.DateAt("ends", false);
  span->effective_line = r.Has("effective") ? LineOf(*r.Get("effective", false)) : r.line();
  span->ends_line = r.Has("ends") ? LineOf(*r.Get("ends", false)) : r.line();
  bool valid = span->effective.has_value() && (span->ends.has_value() || !r.Has("ends"));
  auto stacking = r.Choice("stacking", false, kStackings);
  valid = valid && (stacking.has_value() || !r.Has("stacking"));
  v.stacking = stacking.value_or(Stacking::kAdd);
  v.notes = r.String("notes", false).value_or("");

  std::set<std::string> names;
  const auto contributions = r.Tables("contribution", false);
  for (size_t i = 0; i < contributions.size(); ++i) {
    const std::string rule_path = Indexed(r.Key("contribution"), i);
    auto rule = ReadContribution(cx, *contributions[i], rule_path);
    if (rule && !names.insert(rule->name).second) {
      cx.Error(LineOf(*contributions[i]), rule_path + ".name",
               "another contribution in this version is already named " + Quote(rule->name));
      rule.reset();
    }
    if (rule) v.contributions.push_back(std::move(*rule));
    valid = valid && rule.has_value();
  }
  std::set<std::string> accrued;
  const auto accruals = r.Tables("accrual", false);
  for (size_t i = 0; i < accruals.size(); ++i) {
    const std::string rule_path = Indexed(r.Key("accrual"), i);
    auto rule = ReadAccrual(cx, *accruals[i], rule_path);
    if (rule && !accrued.insert(rule->benefit).second) {
      cx.Error(LineOf(*accruals[i]), rule_path + ".benefit",
               "another accrual in this version already credits " + Quote(rule->benefit));
      rule.reset();
    }
    if (rule) v.accruals.push_back(std::move(*rule));
    valid = valid && rule.has_value();
  }
  valid = ReadEligibility(r, &v) && valid;
  valid = ReadLeaveAndClaims(r, &v) && valid;
  valid = ReadPerBenefit(r, "match", "match", ReadMatchRule, &v.matches) && valid;
  if (!valid) return std::nullopt;
  return v;
}

std::string VersionKey(size_t index, const char* field) {
  return "version[" + std::to_string(index) + "]." + field;
}

// Checks that the versions, sorted by effective date, cover the pack from `starts` to `ends`
// without gap or overlap. Returns the effective_to of each span (same order as `sorted`).
std::vector<Date> CheckChronology(Context& cx, const std::vector<VersionSpan>& sorted, Date starts,
                                  std::optional<Date> ends) {
  std::vector<Date> to(sorted.size());
  for (size_t k = 0; k < sorted.size(); ++k) {
    const VersionSpan& v = sorted[k];
    const Date effective = *v.effective;
    if (k == 0 && effective > starts) {
      cx.Error(v.effective_line, VersionKey(v.index, "effective"),
               "gap: the pack starts " + starts.ToString() +
                   " but its first version takes effect " + effective.ToString());
    }
    if (effective < starts) {
      cx.Error(
          v.effective_line, VersionKey(v.index, "effective"),
          "takes effect " + effective.ToString() + ", before the pack starts " + starts.ToString());
    }
    if (ends && effective > *ends) {
      cx.Error(
          v.effective_line, VersionKey(v.index, "effective"),
          "takes effect " + effective.ToString() + ", after the pack ends " + ends->ToString());
    }
    if (v.ends && *v.ends < effective) {
      cx.Error(v.ends_line, VersionKey(v.index, "ends"),
               "ends " + v.ends->ToString() + ", before it takes effect " + effective.ToString());
    }
    const bool last = k + 1 == sorted.size();
    to[k] = last ? ends.value_or(OpenEnd()) : sorted[k + 1].effective->AddDays(-1);
    if (!last && *sorted[k + 1].effective == effective) {
      cx.Error(sorted[k + 1].effective_line, VersionKey(sorted[k + 1].index, "effective"),
               "overlap: version[" + std::to_string(v.index) + "] also takes effect " +
                   effective.ToString());
      continue;
    }
    if (!v.ends || *v.ends == to[k]) continue;
    if (last && !ends) {
      cx.Error(v.ends_line, VersionKey(v.index, "ends"),
               "gap: the last version ends " + v.ends->ToString() +
                   " but the pack has no end; give the pack ends = " + v.ends->ToString());
    } else if (*v.ends < to[k]) {
      cx.Error(
          v.ends_line, VersionKey(v.index, "ends"),
          "gap: ends " + v.ends->ToString() + " but " +
              (last ? "the pack runs to " + ends->ToString()
                    : "the next version takes effect only " + sorted[k + 1].effective->ToString()));
    } else {
      cx.Error(v.ends_line, VersionKey(v.index, "ends"),
               "overlap: ends " + v.ends->ToString() + " but " +
                   (last ? "the pack ends " + ends->ToString()
                         : "the next version takes effect " + sorted[k + 1].effective->ToString()));
    }
  }
  return to;
}

std::vector<PolicyVersion> ReadVersions(Context& cx, const TableReader& root,
                                        std::optional<Date> starts, std::optional<Date> ends) {
  std::vector<std::optional<PolicyVersion>> read;
  std::vector<VersionSpan> spans;
  const auto tables = root.Tables("version", true);
  for (size_t i = 0; i < tables.size(); ++i) {
    VersionSpan span;
    span.index = i;
    read.push_back(ReadVersion(cx, *tables[i], Indexed("version", i), &span));
    if (span.effective) spans.push_back(span);
  }
  std::stable_sort(spans.begin(), spans.end(), [](const VersionSpan& a, const VersionSpan& b) {
    return *a.effective < *b.effective;
  });
  if (!starts || spans.empty()) return {};
  const std::vector<Date> to = CheckChronology(cx, spans, *starts, ends);
  std::vector<PolicyVersion> versions;
  for (size_t k = 0; k < spans.size(); ++k) {
    std::optional<PolicyVersion>& v = read[spans[k].index];
    if (!v) continue;
    v->effective_from = *spans[k].effective;
    v->effective_to = to[k];
    versions.push_back(std::move(*v));
  }
  return versions;
}

// ---------------------------------------------------------------------------------------------
// Test cases.

// What the tests of a pack may name: the rules and the accrued leave benefits of any version.
struct PackNames {
  std::set<std::string> rules;
  std::set<std::string> accrued;
};

// Read from the file rather than from the checked versions, so that an error in a version does
// not also fail the tests that name its rules.
PackNames NamesOf(const toml::table& root) {
  PackNames names;
  const toml::array* versions = root["version"].as_array();
  if (versions == nullptr) return names;
  for (const toml::node& v : *versions) {
    const toml::table* version = v.as_table();
    for (const char* list : {"contribution", "accrual"}) {
      const toml::array* rules = version ? (*version)[list].as_array() : nullptr;
      if (rules == nullptr) continue;
      for (const toml::node& r : *rules) {
        const toml::table* rule = r.as_table();
        if (rule == nullptr) continue;
        if (auto name = (*rule)["name"].value<std::string>()) names.rules.insert(*name);
        if (auto benefit = (*rule)["benefit"].value<std::string>()) names.accrued.insert(*benefit);
      }
    }
  }
  return names;
}

// `before` entries: "RULE.amount" and "RULE.basis" (money, or the basis's unit), and
// "BENEFIT.worked", "BENEFIT.accrued", "BENEFIT.balance" (hours).
bool ReadBefore(Context& cx, const toml::table& t, const std::string& key, const PackNames& names,
                std::map<std::string, std::string>* out) {
  bool valid = true;
  for (const auto& [name, node] : Flatten(t)) {
    const std::string entry_key = key + "." + name;
    const size_t dot = name.rfind('.');
    const std::string subject = dot == std::string::npos ? "" : name.substr(0, dot);
    const std::string field = dot == std::string::npos ? name : name.substr(dot + 1);
    auto text = cx.NumberText(*node, entry_key);
    bool ok = text.has_value();
    if (ok && (field == "amount" || field == "basis")) {
      if (names.rules.count(subject) == 0) {
        cx.Error(*node, entry_key, "no contribution rule is named " + Quote(subject));
        ok = false;
      } else {
        ok = MoneyOf(cx, *node, entry_key, Money::kScaleDigits).has_value();
      }
    } else if (ok && (field == "worked" || field == "accrued" || field == "balance")) {
      if (names.accrued.count(subject) == 0) {
        cx.Error(*node, entry_key, "no accrual rule credits " + Quote(subject));
        ok = false;
      } else {
        ok = HoursOf(cx, *node, entry_key, Hours::kScaleDigits).has_value();
      }
    } else if (ok) {
      cx.Error(*node, entry_key,
               "unknown running total " + Quote(name) +
                   " (expected RULE.amount, RULE.basis, BENEFIT.worked, BENEFIT.accrued or "
                   "BENEFIT.balance)");
      ok = false;
    }
    if (ok) (*out)[name] = *text;
    valid = valid && ok;
  }
  return valid;
}

// `expect` entries: "total" and "PAYER.BENEFIT" (money), "accrual.BENEFIT" (hours).
bool ReadExpect(Context& cx, const toml::table& t, const std::string& key, PackTestCase* test) {
  bool valid = true;
  const auto entries = Flatten(t);
  if (entries.empty()) {
    cx.Error(LineOf(t), key, "must expect at least one value");
    return false;
  }
  for (const auto& [name, node] : entries) {
    const std::string entry_key = key + "." + name;
    const size_t dot = name.find('.');
    const std::string head = dot == std::string::npos ? name : name.substr(0, dot);
    const std::string benefit = dot == std::string::npos ? "" : name.substr(dot + 1);
    bool ok = true;
    if (name == "total") {
      ok = MoneyOf(cx, *node, entry_key, Money::kScaleDigits).has_value();
      if (ok) test->expect_total = *cx.NumberText(*node, entry_key);
      valid = valid && ok;
      continue;
    }
    const BenefitType* b = cx.FindBenefit(benefit);
    if (head == "accrual") {
      if (b == nullptr || b->kind != BenefitKind::kLeave) {
        cx.Error(*node, entry_key, Quote(benefit) + " is not a leave benefit");
        ok = false;
      } else {
        ok = HoursOf(cx, *node, entry_key, Hours::kScaleDigits).has_value();
      }
    } else if (!PayerNamed(head)) {
      cx.Error(*node, entry_key,
               "unknown expectation " + Quote(name) +
                   " (expected total, PAYER.BENEFIT or accrual.BENEFIT; payers are " +
                   PayerNames() + ")");
      ok = false;
    } else if (b == nullptr) {
      cx.Error(*node, entry_key,
               "unknown benefit " + Quote(benefit) + " (known: " + cx.BenefitNames() + ")");
      ok = false;
    } else {
      ok = MoneyOf(cx, *node, entry_key, Money::kScaleDigits).has_value();
    }
    if (ok) test->expect[name] = *cx.NumberText(*node, entry_key);
    valid = valid && ok;
  }
  return valid;
}

// An optional quantity (default zero), not negative and at most `max`.
template <typename T>
std::optional<T> BoundedQuantity(const TableReader& r, std::string_view key, T max) {
  if (!r.Has(key)) return T();
  std::optional<T> v;
  if constexpr (std::is_same_v<T, Hours>) {
    v = r.HoursAt(key, false);
  } else {
    v = r.MoneyAt(key, false);
  }
  if (v && *v > max) {
    r.Error(key, "must not be more than " + max.ToString());
    return std::nullopt;
  }
  return v;
}

// An optional whole number (default zero) between 0 and `max`.
std::optional<int64_t> BoundedCount(const TableReader& r, std::string_view key, int64_t max) {
  if (!r.Has(key)) return 0;
  auto v = r.Integer(key, false);
  if (v && (*v < 0 || *v > max)) {
    r.Error(key, "must be between 0 and " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

// An optional sector name (default empty).
std::optional<std::string> OptionalName(const TableReader& r, std::string_view key) {
  if (!r.Has(key)) return std::string();
  auto name = r.String(key, false);
  if (!name) return std::nullopt;
  Status st = ValidateName(key, *name);
  if (!st.ok()) {
    r.Error(key, st.message());
    return std::nullopt;
  }
  return name;
}

std::optional<Classification> TestClassification(const TableReader& r) {
  if (!r.Has("classification")) return Classification::kContractor1099;
  auto text = r.String("classification", false);
  if (!text) return std::nullopt;
  auto c = ParseClassification(*text);
  if (!c) {
    r.Error("classification",
            "unknown classification " + Quote(*text) + " (expected \"1099\" or \"W2\")");
  }
  return c;
}

// The work location: the pack's jurisdiction unless the test names another.
std::optional<std::string> TestJurisdiction(const TableReader& r, const PolicyPack& pack) {
  auto code = r.String("jurisdiction", pack.jurisdiction.empty());
  if (!code) return r.Has("jurisdiction") ? std::nullopt : std::optional(pack.jurisdiction);
  Status st = ValidateJurisdictionCode(*code);
  if (!st.ok()) {
    r.Error("jurisdiction", st.message());
    return std::nullopt;
  }
  return code;
}

// The report of a test case, within the bounds every report must respect. The report comes
// from entity "test" (a voluntary pack's own entity) and a fixed valid account number.
bool ReadTestReport(const TableReader& r, const PolicyPack& pack, size_t index,
                    PackTestCase* test) {
  const auto date = r.DateAt("date", true);
  const auto jurisdiction = TestJurisdiction(r, pack);
  const auto hours = BoundedQuantity(r, "hours", Hours::Whole(kMaxReportHours));
  const auto earnings = BoundedQuantity(r, "earnings", Money::Whole(kMaxReportEarnings));
  const auto tips = BoundedQuantity(r, "tips", Money::Whole(kMaxReportEarnings));
  const auto jobs = BoundedCount(r, "jobs", kMaxReportJobs);
  const auto classification = TestClassification(r);
  const auto sector = OptionalName(r, "sector");
  const auto entity_sector = OptionalName(r, "entity_sector");
  const auto entity_size = BoundedCount(r, "entity_size", INT64_MAX);
  if (!date || !jurisdiction || !hours || !earnings || !tips || !jobs || !classification ||
      !sector || !entity_sector || !entity_size) {
    return false;
  }
  WorkReport& report = test->report;
  report.entity = pack.kind == PackKind::kVoluntary ? pack.entity : "test";
  report.report_id = "test-" + std::to_string(index);
  report.worker = AccountNumber::FromSerial(1);
  report.work_date = *date;
  report.jurisdiction = *jurisdiction;
  report.hours = *hours;
  report.earnings = *earnings;
  report.tips = *tips;
  report.jobs = *jobs;
  report.classification = *classification;
  report.sector = *sector;
  test->entity_sector = *entity_sector;
  test->entity_size = *entity_size;
  return true;
}

std::optional<PackTestCase> ReadTest(Context& cx, const toml::table& t, size_t index,
                                     const PolicyPack& pack, const PackNames& names) {
  const std::string path = Indexed("test", index);
  TableReader r(cx, t, path,
                {"name", "date", "jurisdiction", "hours", "earnings", "tips", "jobs",
                 "classification", "sector", "entity_size", "entity_sector", "before", "expect"});
  PackTestCase test;
  test.line = r.line();
  auto name = r.String("name", true);
  test.name = name.value_or("");
  bool valid = name.has_value() && ReadTestReport(r, pack, index, &test);
  if (const toml::table* before = r.Table("before", false)) {
    valid = ReadBefore(cx, *before, r.Key("before"), names, &test.before) && valid;
  } else {
    valid = valid && !r.Has("before");
  }
  if (const toml::table* expect = r.Table("expect", true)) {
    valid = ReadExpect(cx, *expect, r.Key("expect"), &test) && valid;
  } else {
    valid = false;
  }
  if (!valid) return std::nullopt;
  return test;
}

// ---------------------------------------------------------------------------------------------
// The pack as a whole.

void ReadIdentity(const TableReader& r, PolicyPack* pack) {
  if (auto id = r.String("id", true)) {
    pack->id = *id;
    Status st = ValidateId("id", *id);
    if (!st.ok()) r.Error("id", st.message());
    // Workers' withholding consents are booked as programs of this id (contributions.h).
    if (st.ok() && *id == "consent") {
      r.Error("id", "'consent' is reserved for workers' withholding consents");
    }
  }
  pack->name = r.String("name", true).value_or("");
  pack->source = r.String("source", true).value_or("");
  pack->kind = r.Choice("kind", true, kPackKinds).value_or(PackKind::kJurisdiction);
}

// Which of jurisdiction, sectors and entity the pack's kind requires or forbids.
void ReadScope(const TableReader& r, PolicyPack* pack) {
  const bool jurisdiction_pack = pack->kind == PackKind::kJurisdiction;
  if (auto j = r.String("jurisdiction", jurisdiction_pack)) {
    pack->jurisdiction = *j;
    Status st = ValidateJurisdictionCode(*j);
    if (!st.ok()) r.Error("jurisdiction", st.message());
  }
  if (pack->kind == PackKind::kSectorFund) {
    pack->sectors = ReadSectors(r);
    const toml::node* sectors = r.Get("sectors", false);
    if (sectors == nullptr || (sectors->is_array() && sectors->as_array()->empty())) {
      r.Error("sectors", "a sector fund must name the sectors it covers");
    }
  } else if (r.Has("sectors")) {
    r.Error("sectors", "only a sector_fund pack covers sectors; limit a rule with its own sectors");
  }
  if (pack->kind == PackKind::kVoluntary) {
    if (auto entity = r.String("entity", true)) {
      pack->entity = *entity;
      Status st = ValidateId("entity", *entity);
      if (!st.ok()) r.Error("entity", st.message());
    }
  } else if (r.Has("entity")) {
    r.Error("entity", "only a voluntary pack names a hiring entity");
  }
}

std::shared_ptr<PolicyPack> ReadPack(Context& cx, const toml::table& root) {
  TableReader r(cx, root, "",
                {"id", "name", "kind", "jurisdiction", "sectors", "entity", "starts", "ends",
                 "source", "version", "test"});
  auto pack = std::make_shared<PolicyPack>();
  ReadIdentity(r, pack.get());
  ReadScope(r, pack.get());
  auto starts = r.DateAt("starts", true);
  auto ends = r.DateAt("ends", false);
  if (starts && ends && *ends < *starts) {
    r.Error("ends",
            "the pack ends " + ends->ToString() + ", before it starts " + starts->ToString());
  }
  pack->starts = starts.value_or(Date());
  pack->ends = ends;
  pack->versions = ReadVersions(cx, r, starts, ends);
  const PackNames names = NamesOf(root);
  const auto tests = r.Tables("test", false);
  for (size_t i = 0; i < tests.size(); ++i) {
    auto test = ReadTest(cx, *tests[i], i, *pack, names);
    if (test) pack->tests.push_back(std::move(*test));
  }
  return pack;
}

std::optional<toml::table> Parse(Context& cx, std::string_view text) {
  try {
    return toml::parse(text, std::string_view(cx.file()));
  } catch (const toml::parse_error& e) {
    cx.Error(static_cast<int>(e.source().begin.line), "",
             "TOML syntax: " + std::string(e.description()));
    return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// The benefit list.

std::optional<BenefitType> ReadBenefit(Context& cx, const toml::table& t, const std::string& path) {
  TableReader r(cx, t, path, {"name", "label", "kind", "pooled"});
  BenefitType b;
  auto name = r.String("name", true);
  auto label = r.String("label", true);
  auto kind = r.Choice<BenefitKind>(
      "kind", true, {{"money", BenefitKind::kMoney}, {"leave", BenefitKind::kLeave}});
  auto pooled = r.Bool("pooled");
  bool valid = name && label && kind && (pooled || !r.Has("pooled"));
  if (name) {
    Status st = ValidateName("benefit name", *name);
    if (!st.ok()) r.Error("name", st.message());
    valid = valid && st.ok();
  }
  if (label && label->empty()) {
    r.Error("label", "must not be empty");
    valid = false;
  }
  if (!valid) return std::nullopt;
  b.name = *name;
  b.label = *label;
  b.kind = *kind;
  b.pooled = pooled.value_or(false);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The jurisdiction list.

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// Checks one row; `codes` holds the codes of the rows before it.
std::vector<PolicyError> CheckJurisdictionRow(const std::string& file, int line,
                                              const Jurisdiction& j,
                                              const std::set<std::string>& codes) {
  std::vector<PolicyError> errors;
  auto fail = [&](const char* field, std::string message) {
    errors.push_back({file, line, field, std::move(message)});
  };
  if (Status st = ValidateJurisdictionCode(j.code); !st.ok()) fail("code", st.message());
  if (codes.count(j.code) != 0) fail("code", Quote(j.code) + " appears twice");
  if (j.name.empty()) fail("name", "is empty");
  if (!j.parent.empty() && codes.count(j.parent) == 0) {
    fail("parent", "unknown parent " + Quote(j.parent) + " (a parent must be listed above)");
  }
  if (Status st = ValidateTimeZone(j.time_zone); !st.ok()) fail("time_zone", st.message());
  return errors;
}

}  // namespace

// -----------------------------------------------------------------------------------------------
// Public API.

std::string PolicyError::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

Status ErrorsToStatus(const std::vector<PolicyError>& errors) {
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) message += "\n";
    message += e.ToString();
  }
  return Status::Invalid(message);
}

Result<std::vector<BenefitType>> LoadBenefitsFromString(std::string_view text,
                                                        const std::string& name) {
  const std::vector<BenefitType> none;
  Context cx(name, text, &none);
  auto root = Parse(cx, text);
  std::vector<BenefitType> benefits;
  if (root) {
    TableReader r(cx, *root, "", {"benefit"});
    const auto tables = r.Tables("benefit", true);
    std::set<std::string> names;
    for (size_t i = 0; i < tables.size(); ++i) {
      const std::string path = Indexed("benefit", i);
      auto b = ReadBenefit(cx, *tables[i], path);
      if (b && !names.insert(b->name).second) {
        cx.Error(LineOf(*tables[i]), path + ".name", Quote(b->name) + " is listed twice");
        b.reset();
      }
      if (b) benefits.push_back(std::move(*b));
    }
  }
  Status st = ErrorsToStatus(cx.TakeErrors());
  if (!st.ok()) return st;
  return benefits;
}

Result<std::vector<BenefitType>> LoadBenefits(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadBenefitsFromString(text, path);
}

PackCheck CheckPackString(std::string_view text, const std::string& name,
                          const std::vector<BenefitType>& benefits) {
  Context cx(name, text, &benefits);
  auto root = Parse(cx, text);
  std::shared_ptr<PolicyPack> pack;
  if (root) pack = ReadPack(cx, *root);
  PackCheck check;
  check.errors = cx.TakeErrors();
  if (check.ok()) {
    pack->file = name;
    pack->text = std::string(text);
    check.pack = std::move(pack);
  }
  return check;
}

PackCheck CheckPackFile(const std::string& path, const std::vector<BenefitType>& benefits) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    PackCheck check;
    check.errors.push_back({path, 0, "", text.status().message()});
    return check;
  }
  return CheckPackString(*text, path, benefits);
}

Result<PackPtr> LoadPackFromString(std::string_view text, const std::string& name,
                                   const std::vector<BenefitType>& benefits) {
  PackCheck check = CheckPackString(text, name, benefits);
  if (!check.ok()) return ErrorsToStatus(check.errors);
  return check.pack;
}

Result<PackPtr> LoadPack(const std::string& path, const std::vector<BenefitType>& benefits) {
  PackCheck check = CheckPackFile(path, benefits);
  if (!check.ok()) return ErrorsToStatus(check.errors);
  return check.pack;
}

Result<std::vector<PackPtr>> LoadPackDir(const std::string& dir,
                                         const std::vector<BenefitType>& benefits) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> paths;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() == ".toml" && p.filename() != kBenefitsFileName) paths.push_back(p.string());
  }
  if (ec) return Status::Io("cannot list '" + dir + "': " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<PackPtr> packs;
  std::vector<PolicyError> errors;
  std::map<std::string, std::string> file_of_id;
  for (const std::string& path : paths) {
    PackCheck check = CheckPackFile(path, benefits);
    errors.insert(errors.end(), check.errors.begin(), check.errors.end());
    if (!check.ok()) continue;
    auto [it, fresh] = file_of_id.emplace(check.pack->id, path);
    if (!fresh) {
      errors.push_back(
          {path, 0, "id", "id " + Quote(check.pack->id) + " is also used by " + it->second});
      continue;
    }
    packs.push_back(check.pack);
  }
  if (!errors.empty()) return ErrorsToStatus(errors);
  return packs;
}

std::vector<PolicyError> JurisdictionErrors(const PolicyPack& pack,
                                            const JurisdictionKnown& known) {
  std::optional<toml::table> root;
  try {
    root = toml::parse(std::string_view(pack.text), std::string_view(pack.file));
  } catch (const toml::parse_error&) {
    // Lines are then unknown; the codes are still checked.
  }
  auto line_of = [&](std::optional<size_t> test, std::string_view key) {
    if (!root) return 0;
    const toml::node* n = test ? (*root)["test"][*test][key].node() : (*root)[key].node();
    return n != nullptr ? LineOf(*n) : 0;
  };
  std::vector<PolicyError> errors;
  auto check = [&](const std::string& code, std::optional<size_t> test, const std::string& key) {
    if (code.empty() || known(code)) return;
    errors.push_back({pack.file, line_of(test, "jurisdiction"), key,
                      "unknown jurisdiction " + Quote(code) + " (not in the jurisdiction list)"});
  };
  check(pack.jurisdiction, std::nullopt, "jurisdiction");
  for (size_t i = 0; i < pack.tests.size(); ++i) {
    if (pack.tests[i].report.jurisdiction == pack.jurisdiction) continue;
    check(pack.tests[i].report.jurisdiction, i, Indexed("test", i) + ".jurisdiction");
  }
  return errors;
}

Status CheckJurisdictions(const PolicyPack& pack, const JurisdictionKnown& known) {
  return ErrorsToStatus(JurisdictionErrors(pack, known));
}

Result<std::vector<Jurisdiction>> LoadJurisdictionsFromString(std::string_view text,
                                                              const std::string& name) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::vector<PolicyError> errors;
  std::vector<Jurisdiction> out;
  std::set<std::string> codes;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1) {
      if (line != kJurisdictionHeader) {
        errors.push_back({name, 1, "", std::string("the header must be ") + kJurisdictionHeader});
      }
      continue;
    }
    if (line.empty()) continue;
    const std::vector<std::string> f = SplitCsvLine(line);
    if (f.size() != 4 || line.find('"') != std::string::npos) {
      errors.push_back(
          {name, number, "", "expected 4 unquoted fields: " + std::string(kJurisdictionHeader)});
      continue;
    }
    Jurisdiction j{f[0], f[1], f[2], f[3]};
    auto row_errors = CheckJurisdictionRow(name, number, j, codes);
    errors.insert(errors.end(), row_errors.begin(), row_errors.end());
    codes.insert(j.code);
    out.push_back(std::move(j));
  }
  if (number == 0) errors.push_back({name, 0, "", "is empty"});
  if (!errors.empty()) return ErrorsToStatus(errors);
  return out;
}

Result<std::vector<Jurisdiction>> LoadJurisdictions(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadJurisdictionsFromString(text, path);
}

}  // namespace accrue
