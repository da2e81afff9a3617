#include "ledger/ledger.h"

#include <sodium.h>

#include <charconv>
#include <map>
#include <stdexcept>

namespace accrue {
namespace {

std::string EntityAccount(const std::string& entity, Date d, Payer payer) {
  return "E/" + entity + "/" + d.MonthKey() + (payer == Payer::kWorker ? "/withheld" : "/employer");
}

// The paying side of a contribution: who owes it.
std::string PayerAccount(const ContributionLine& c, const WorkReport& r) {
  if (c.payer == Payer::kGovernment)
    return "G/" + c.pack->jurisdiction + "/" + r.work_date.MonthKey();
  return EntityAccount(r.entity, r.work_date, c.payer);
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutSigned(std::string* out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool GetSigned(std::string_view* in, int64_t* v) {
  uint64_t u = 0;
  if (!GetVarint(in, &u)) return false;
  *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

crypto_generichash_state* State(unsigned char* raw) {
  static_assert(sizeof(crypto_generichash_state) <= 384);
  return reinterpret_cast<crypto_generichash_state*>(raw);
}

}  // namespace

// Twelve digits, zero-padded, so keys sort and parse uniformly.
std::string AccountDigits(AccountNumber worker) { return worker.Digits(); }

std::string WorkerAccountPrefix(AccountNumber worker) { return "W/" + worker.Digits() + "/"; }

std::string WorkerAccount(AccountNumber worker, const std::string& benefit, Unit unit) {
  std::string key = WorkerAccountPrefix(worker) + benefit;
  if (unit == Unit::kHours) key += "/h";
  return key;
}

AccountNumber WorkerOfAccount(std::string_view key) {
  if (key.size() < 15 || key[0] != 'W' || key[1] != '/' || key[14] != '/') return AccountNumber();
  uint64_t value = 0;
  const char* digits = key.data() + 2;
  auto [end, ec] = std::from_chars(digits, digits + 12, value);
  if (ec != std::errc() || end != digits + 12) return AccountNumber();
  return AccountNumber::FromValue(value);
}

void AddPayerSums(const Entry& e, PayerSums* sums) {
  for (const Leg& leg : e.legs) {
    if (leg.unit != Unit::kMoney) continue;
    const AccountNumber worker = WorkerOfAccount(leg.account);
    if (worker.valid()) (*sums)[{worker.value(), e.report.entity, leg.payer}] += leg.amount;
  }
}

void AddReportCount(const Entry& e, ReportCounts* counts) {
  const EntryKind kind = EntryKindOf(e.report);
  if (kind == EntryKind::kReport || kind == EntryKind::kCorrection) {
    ++(*counts)[e.report.worker.value()];
  }
}

Entry BuildEntry(const WorkReport& report, const Evaluation& eval) {
  Entry e;
  e.kind = EntryKind::kReport;
  e.report = report;
  e.deltas = eval.deltas;
  std::map<std::pair<std::string, Unit>, int64_t> paying;  // one debit leg per payer account
  for (const ContributionLine& c : eval.contributions) {
    e.legs.push_back(Leg{WorkerAccount(report.worker, c.benefit, Unit::kMoney), Unit::kMoney,
                         c.amount.units(), RuleUid(*c.pack, *c.version, c.rule->name), c.payer,
                         c.quantity, c.rate, c.note});
    paying[{PayerAccount(c, report), Unit::kMoney}] -= c.amount.units();
  }
  for (const AccrualLine& a : eval.accruals) {
    e.legs.push_back(Leg{WorkerAccount(report.worker, a.benefit, Unit::kHours), Unit::kHours,
                         a.hours.units(), RuleUid(*a.pack, *a.version, "accrual." + a.benefit),
                         Payer::kHiringEntity, a.worked.units(), "", a.note});
    paying[{"L/" + a.pack->id + "/" + report.work_date.YearKey(), Unit::kHours}] -= a.hours.units();
  }
  for (const auto& [key, amount] : paying) {
    if (amount != 0) e.legs.push_back(Leg{key.first, key.second, amount, "", {}, 0, "", ""});
  }
  return e;
}

Entry BuildReversal(const Entry& replaced) {
  Entry e;
  e.kind = EntryKind::kCorrection;
  for (size_t i = replaced.reversed_legs; i < replaced.legs.size(); ++i) {
    Leg r = replaced.legs[i];
    r.amount = -r.amount;
    r.note = "reversal of report " + replaced.report.report_id;
    e.legs.push_back(std::move(r));
  }
  for (size_t i = replaced.reversed_deltas; i < replaced.deltas.size(); ++i) {
    const TotalsDelta& d = replaced.deltas[i];
    e.deltas.push_back({d.key, RunningTotal{-d.delta.basis, -d.delta.amount}});
  }
  e.reversed_legs = static_cast<uint32_t>(e.legs.size());
  e.reversed_deltas = static_cast<uint32_t>(e.deltas.size());
  return e;
}

Entry BuildCorrection(Entry reversal, Entry fresh) {
  Entry e = std::move(reversal);
  e.kind = EntryKind::kCorrection;
  e.report = std::move(fresh.report);
  for (Leg& leg : fresh.legs) e.legs.push_back(std::move(leg));
  for (TotalsDelta& d : fresh.deltas) e.deltas.push_back(std::move(d));
  return e;
}

namespace {

// Who pays into a payer account: the one BuildEntry charged for it.
Payer PayerOfAccount(const std::string& key) {
  if (key.starts_with("G/")) return Payer::kGovernment;
  if (key.ends_with("/withheld")) return Payer::kWorker;
  return Payer::kHiringEntity;
}

}  // namespace

void KeepPaidOut(Entry* correction, const std::string& account, Unit unit, int64_t amount) {
  if (amount <= 0) throw std::logic_error("KeepPaidOut needs a positive amount");
  const std::vector<Leg>& legs = correction->legs;
  const size_t own = correction->reversed_legs;
  // The payer: the corrected report's largest charge in this unit, else the replaced report's
  // largest refund.
  const Leg* payer = nullptr;
  for (size_t i = own; i < legs.size(); ++i) {
    const Leg& l = legs[i];
    if (l.unit == unit && !WorkerOfAccount(l.account).valid() && l.amount < 0 &&
        (payer == nullptr || l.amount < payer->amount))
      payer = &l;
  }
  for (size_t i = 0; payer == nullptr && i < own; ++i) {
    const Leg& l = legs[i];
    if (l.unit == unit && !WorkerOfAccount(l.account).valid() && l.amount > 0) payer = &l;
  }
  const Leg* reversed = nullptr;
  for (size_t i = 0; i < own && reversed == nullptr; ++i) {
    if (legs[i].account == account && legs[i].unit == unit) reversed = &legs[i];
  }
  if (payer == nullptr || reversed == nullptr) {
    throw std::logic_error("a correction takes back " + account + " without a payer to keep it");
  }
  const std::string payer_account = payer->account;
  const std::string rule = reversed->rule;
  const std::string what = unit == Unit::kHours ? Hours::FromUnits(amount).ToString() + " h"
                                                : Money::FromUnits(amount).ToString();
  correction->legs.push_back(Leg{account, unit, amount, rule, PayerOfAccount(payer_account), 0, "",
                                 "kept: " + what + " was already paid out"});
  correction->legs.push_back(Leg{payer_account, unit, -amount, "", {}, 0, "", ""});
}

Entry BuildPayout(const Payout& p) {
  Entry e;
  e.kind = EntryKind::kPayout;
  e.report.entity = kPayoutEntity;
  e.report.report_id = p.reference;
  e.report.worker = p.worker;
  e.report.work_date = p.paid;
  auto move = [&](Unit unit, int64_t amount) {
    if (amount == 0) return;
    std::string paid_out = "P/" + p.provider + "/" + p.benefit;
    if (unit == Unit::kHours) paid_out += "/h";
    e.legs.push_back(Leg{WorkerAccount(p.worker, p.benefit, unit), unit, -amount, p.rule,
                         Payer::kWorker, p.hours.units(), p.rate, p.note});
    e.legs.push_back(Leg{paid_out, unit, amount, "", Payer::kWorker, 0, "", ""});
  };
  move(Unit::kHours, p.hours.units());
  move(Unit::kMoney, p.money.units());
  return e;
}

Entry BuildCredit(const Credit& c) {
  Entry e;
  e.kind = c.kind;
  const bool match = c.kind == EntryKind::kMatch;
  e.report.entity = match ? kMatchEntity : kContributionEntity;
  e.report.report_id = c.reference;
  e.report.worker = c.worker;
  e.report.work_date = c.day;
  if (match) e.report.jurisdiction = c.jurisdiction;
  const std::string source = match ? "G/" + c.jurisdiction + "/" + c.day.MonthKey()
                                   : "V/" + AccountDigits(c.worker) + "/" + c.day.MonthKey();
  const Payer payer = match ? Payer::kGovernment : Payer::kWorker;
  e.legs.push_back(Leg{WorkerAccount(c.worker, c.benefit, Unit::kMoney), Unit::kMoney,
                       c.amount.units(), c.rule, payer, 0, c.rate, c.note});
  e.legs.push_back(Leg{source, Unit::kMoney, -c.amount.units(), "", payer, 0, "", ""});
  return e;
}

EntryKind EntryKindOf(const WorkReport& report) {
  if (report.entity == kPayoutEntity) return EntryKind::kPayout;
  if (report.entity == kContributionEntity) return EntryKind::kContribution;
  if (report.entity == kMatchEntity) return EntryKind::kMatch;
  return report.replaces.empty() ? EntryKind::kReport : EntryKind::kCorrection;
}

std::string EntryCanonical(const Entry& entry) {
  if (entry.kind == EntryKind::kPayout) return "payout\x1f" + entry.report.Canonical();
  if (entry.kind == EntryKind::kContribution) {
    return "contribution\x1f" + entry.report.Canonical();
  }
  if (entry.kind == EntryKind::kMatch) return "match\x1f" + entry.report.Canonical();
  return entry.report.Canonical();
}

Status CheckBalanced(const Entry& entry) {
  __int128 sums[2] = {0, 0};
  for (const Leg& leg : entry.legs) sums[static_cast<int>(leg.unit)] += leg.amount;
  if (sums[0] != 0 || sums[1] != 0) {
    return Status::Corruption("entry for report " + entry.report.entity + "/" +
                              entry.report.report_id + " does not balance");
  }
  return Status::Ok();
}

std::string EncodeLegs(const Entry& entry, Dictionary& dict, DeltaSums* sums) {
  std::string out;
  out.reserve(16 * entry.legs.size() + 8 * entry.deltas.size() + 4);
  PutVarint(&out, entry.legs.size());
  PutVarint(&out, entry.reversed_legs);
  for (const Leg& leg : entry.legs) {
    const uint64_t account = dict.AccountId(leg.account, leg.unit);
    if (sums != nullptr) sums->balances[account] += leg.amount;
    PutVarint(&out, account);
    PutSigned(&out, leg.amount);
    PutVarint(&out, leg.rule.empty() ? 0 : dict.StringId(leg.rule));
    out.push_back(static_cast<char>(leg.payer));
    PutSigned(&out, leg.quantity);
    PutVarint(&out, leg.rate.empty() ? 0 : dict.StringId(leg.rate));
    PutVarint(&out, leg.note.empty() ? 0 : dict.StringId(leg.note));
  }
  PutVarint(&out, entry.deltas.size());
  PutVarint(&out, entry.reversed_deltas);
  for (const TotalsDelta& d : entry.deltas) {
    const uint64_t total = dict.TotalsId(d.key);
    if (sums != nullptr) {
      RunningTotal& t = sums->totals[total];
      t.basis += d.delta.basis;
      t.amount += d.delta.amount;
    }
    PutVarint(&out, total);
    PutSigned(&out, d.delta.basis);
    PutSigned(&out, d.delta.amount);
  }
  return out;
}

namespace {

// One leg as encoded: dictionary ids, not yet looked up.
struct EncodedLeg {
  uint64_t account = 0, rule = 0, rate = 0, note = 0;
  int64_t amount = 0, quantity = 0;
  Payer payer = Payer::kHiringEntity;
};

// Reads the leg count (and how many are reversals), then each leg in turn.
bool GetLegCount(std::string_view* blob, uint64_t* n, uint64_t* reversed) {
  return GetVarint(blob, n) && *n <= blob->size() && GetVarint(blob, reversed) && *reversed <= *n;
}

bool GetLeg(std::string_view* blob, EncodedLeg* leg) {
  if (!GetVarint(blob, &leg->account) || !GetSigned(blob, &leg->amount) ||
      !GetVarint(blob, &leg->rule) || blob->empty()) {
    return false;
  }
  leg->payer = static_cast<Payer>(blob->front());
  blob->remove_prefix(1);
  return GetSigned(blob, &leg->quantity) && GetVarint(blob, &leg->rate) &&
         GetVarint(blob, &leg->note);
}

}  // namespace

Status DecodeLegs(std::string_view blob, const Dictionary& dict, Entry* entry, LegDetail detail) {
  auto bad = [&] {
    return Status::Corruption("entry " + entry->report.entity + "/" + entry->report.report_id +
                              " has malformed legs");
  };
  const bool all = detail == LegDetail::kAll;
  auto string_or_empty = [&](uint64_t id, std::string* out) -> Status {
    if (id == 0) return Status::Ok();
    ASSIGN_OR_RETURN(*out, dict.String(id));
    return Status::Ok();
  };
  uint64_t n = 0, reversed = 0;
  if (!GetLegCount(&blob, &n, &reversed)) return bad();
  entry->legs.resize(n);
  entry->reversed_legs = static_cast<uint32_t>(reversed);
  for (Leg& leg : entry->legs) {
    EncodedLeg encoded;
    if (!GetLeg(&blob, &encoded)) return bad();
    leg.amount = encoded.amount;
    leg.payer = encoded.payer;
    leg.quantity = encoded.quantity;
    ASSIGN_OR_RETURN(leg.account, dict.Account(encoded.account));
    ASSIGN_OR_RETURN(leg.unit, dict.AccountUnit(encoded.account));
    RETURN_IF_ERROR(string_or_empty(encoded.rule, &leg.rule));
    if (all) {
      RETURN_IF_ERROR(string_or_empty(encoded.rate, &leg.rate));
      RETURN_IF_ERROR(string_or_empty(encoded.note, &leg.note));
    }
  }
  if (!GetLegCount(&blob, &n, &reversed)) return bad();
  entry->deltas.resize(all ? n : 0);
  entry->reversed_deltas = all ? static_cast<uint32_t>(reversed) : 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id = 0;
    RunningTotal delta;
    if (!GetVarint(&blob, &id) || !GetSigned(&blob, &delta.basis) ||
        !GetSigned(&blob, &delta.amount)) {
      return bad();
    }
    if (!all) continue;
    entry->deltas[i].delta = delta;
    ASSIGN_OR_RETURN(entry->deltas[i].key, dict.TotalsKey(id));
  }
  return blob.empty() ? Status::Ok() : bad();
}

void AddLegAccountIds(std::string_view blob, std::vector<uint64_t>* ids) {
  uint64_t n = 0, reversed = 0;
  if (!GetLegCount(&blob, &n, &reversed)) return;
  for (uint64_t i = 0; i < n; ++i) {
    EncodedLeg leg;
    if (!GetLeg(&blob, &leg)) return;
    ids->push_back(leg.account);
  }
}

std::string HashHex(const Hash& h) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (uint8_t b : h) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

ChainHasher::ChainHasher(const Hash& previous, int64_t batch) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  crypto_generichash_init(State(state_), nullptr, 0, 32);
  Update(std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()));
  Update(std::to_string(batch));
}

// Parts are hashed once this many bytes of them are pending (and at Finish): the hash of a
// stream does not depend on how it was cut into updates.
constexpr size_t kHashChunk = size_t{16} << 10;

void ChainHasher::Update(std::string_view bytes) {
  // Length-prefixed so that no two different sequences of parts hash alike.
  const uint64_t n = bytes.size();
  pending_.append(reinterpret_cast<const char*>(&n), sizeof n);
  pending_.append(bytes);
  if (pending_.size() >= kHashChunk) Drain();
}

void ChainHasher::Drain() {
  crypto_generichash_update(State(state_), reinterpret_cast<const unsigned char*>(pending_.data()),
                            pending_.size());
  pending_.clear();
}

void ChainHasher::AddEntry(const std::string& report_canonical, std::string_view legs_blob) {
  Update(report_canonical);
  Update(legs_blob);
}

void ChainHasher::AddDictionaryRow(char table, uint64_t id, std::string_view text) {
  char tagged[24] = {table};  // the table's tag, then the id in decimal
  const auto end = std::to_chars(tagged + 1, tagged + sizeof tagged, id).ptr;
  Update(std::string_view(tagged, static_cast<size_t>(end - tagged)));
  Update(text);
}

Hash ChainHasher::Finish() {
  Drain();
  Hash h{};
  crypto_generichash_final(State(state_), h.data(), h.size());
  return h;
}

}  // namespace accrue
