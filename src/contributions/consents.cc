// Withholding consents: recording, revoking, listing, and their use at ingest.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/ids.h"
#include "contributions/contributions.h"
#include "contributions/internal.h"

namespace accrue::contributions {
namespace {

constexpr const char* kColumns =
    "id, account, benefit, percent, effective, ends, wording, recorded_by, recorded_at, "
    "revoked_by, revoked_at";
constexpr size_t kMaxText = 200;

Consent FromRow(const SqlRow& row) {
  Consent c;
  c.id = row.Int(0);
  c.account = AccountNumber::FromValue(static_cast<uint64_t>(row.Int(1)));
  c.benefit = row.Text(2);
  c.percent = Ratio::FromUnits(row.Int(3));
  c.effective = Date::FromDays(static_cast<int32_t>(row.Int(4)));
  if (!row.IsNull(5)) c.ends = Date::FromDays(static_cast<int32_t>(row.Int(5)));
  c.wording = row.Text(6);
  c.recorded_by = row.Text(7);
  c.recorded_at = row.Int(8);
  c.revoked_by = row.Text(9);
  c.revoked_at = row.Int(10);
  return c;
}

std::string Describe(const Consent& c) {
  std::string out = "consent " + std::to_string(c.id) + " to withhold " + FormatPercent(c.percent) +
                    " for " + c.benefit + " from " + c.effective.ToString();
  if (c.ends) out += " until " + c.ends->ToString();
  return out;
}

Status CheckText(const char* field, const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid(std::string(field) + " is required");
  }
  if (text.size() > kMaxText) {
    return Status::Invalid(std::string(field) + " is longer than " + std::to_string(kMaxText) +
                           " characters");
  }
  return Status::Ok();
}

// Consents as program versions, for the workers of the current batch.
class ConsentPrograms : public VoluntaryPrograms {
 public:
  explicit ConsentPrograms(Store& store) : store_(store) {}

  Status Prepare() override {
    if (!schema_ready_) {
      RETURN_IF_ERROR(EnsureSchema(store_));
      schema_ready_ = true;
    }
    programs_.clear();
    loaded_.clear();
    any_.reset();
    return Status::Ok();
  }

  Status Load(std::span<const AccountNumber> workers) override {
    if (!any_) {
      // Asked inside the batch, so that a consent committed before the batch began applies to
      // it; and whether there is any, not how many (a count reads the whole table).
      ASSIGN_OR_RETURN(auto rows, store_.sql().Query("SELECT 1 FROM worker_consents LIMIT 1"));
      any_ = !rows.empty();
    }
    if (!*any_) return Status::Ok();
    std::string list;
    for (AccountNumber w : workers) {
      if (!loaded_.insert(w.value()).second) continue;
      list += (list.empty() ? "" : ",") + std::to_string(internal::AccountKey(w));
    }
    if (list.empty()) return Status::Ok();
    // The list is of integers this process formatted, never text from a request.
    ASSIGN_OR_RETURN(auto rows, store_.sql().Query(std::string("SELECT ") + kColumns +
                                                   " FROM worker_consents WHERE account IN (" +
                                                   list + ") ORDER BY id"));
    for (const SqlRow& row : rows) {
      Consent c = FromRow(row);
      programs_[c.account.value()].push_back(Program(c));
    }
    return Status::Ok();
  }

  void Append(AccountNumber worker, Date day, std::vector<Applicable>* out) const override {
    auto it = programs_.find(worker.value());
    if (it == programs_.end()) return;
    for (const auto& pack : it->second) {
      const PolicyVersion& v = pack->versions.front();
      if (day >= v.effective_from && day <= v.effective_to) {
        out->push_back({pack.get(), &v});
      }
    }
  }

 private:
  static std::shared_ptr<const PolicyPack> Program(const Consent& c) {
    auto pack = std::make_shared<PolicyPack>();
    pack->id = kConsentPack;
    pack->name = "Withholding consent " + std::to_string(c.id);
    pack->kind = PackKind::kVoluntary;
    pack->starts = c.effective;
    PolicyVersion v;
    v.effective_from = c.effective;
    v.effective_to = c.ends ? c.ends->AddDays(-1) : Date::FromYmd(9999, 12, 31);
    ContributionRule rule;
    rule.name = "consent-" + std::to_string(c.id);
    rule.formula.basis = Basis::kEarnings;
    rule.formula.percent = c.percent;
    rule.payers[Payer::kWorker] = Ratio::Whole(1);
    rule.split.push_back({c.benefit, 1});
    v.contributions.push_back(std::move(rule));
    pack->versions.push_back(std::move(v));
    pack->ends = pack->versions.front().effective_to;
    return pack;
  }

  Store& store_;
  bool schema_ready_ = false;
  std::optional<bool> any_;  // whether the table has any consent; unknown until the first Load
  std::set<uint64_t> loaded_;
  std::map<uint64_t, std::vector<std::shared_ptr<const PolicyPack>>> programs_;
};

}  // namespace

namespace internal {

Status CheckVoluntaryBenefit(const std::vector<BenefitType>& benefits, const std::string& name) {
  RETURN_IF_ERROR(ValidateName("benefit", name));
  std::string known;
  for (const BenefitType& b : benefits) {
    if (b.name == name) {
      if (b.kind != BenefitKind::kMoney) {
        return Status::Invalid("benefit '" + name +
                               "' is a leave benefit credited in hours; voluntary contributions "
                               "go to a money benefit");
      }
      return Status::Ok();
    }
    if (b.kind == BenefitKind::kMoney) known += (known.empty() ? "" : ", ") + b.name;
  }
  return Status::Invalid("unknown benefit '" + name + "' (money benefits: " + known + ")");
}

Status CheckWorker(Store& store, AccountNumber account) {
  ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
  if (!worker) return Status::NotFound("no worker has account number " + account.ToString());
  return Status::Ok();
}

}  // namespace internal

Status EnsureSchema(Store& store) {
  return MigrateModule(
      store.sql(), "contributions",
      {{1,
        "CREATE TABLE consent_lock(id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
        "INSERT INTO consent_lock(id, n) VALUES(1, 0);"
        "CREATE TABLE worker_consents(id BIGINT PRIMARY KEY, account BIGINT NOT NULL,"
        " benefit TEXT NOT NULL, percent BIGINT NOT NULL, effective BIGINT NOT NULL,"
        " ends BIGINT, wording TEXT NOT NULL, recorded_by TEXT NOT NULL,"
        " recorded_at BIGINT NOT NULL, revoked_by TEXT NOT NULL, revoked_at BIGINT NOT NULL);"
        "CREATE INDEX worker_consents_by_account ON worker_consents(account, benefit);"}});
}

Result<Consent> RecordConsent(Store& store, const std::vector<BenefitType>& benefits,
                              const ConsentAsk& ask, Date today, int64_t now) {
  RETURN_IF_ERROR(internal::CheckVoluntaryBenefit(benefits, ask.benefit));
  if (ask.percent <= Ratio() || ask.percent > kMaxConsentPercent) {
    return Status::Invalid("percent must be more than 0% and at most " +
                           FormatPercent(kMaxConsentPercent) + " (got " +
                           FormatPercent(ask.percent) + ")");
  }
  if (ask.effective < today) {
    return Status::Invalid("effective " + ask.effective.ToString() +
                           " is in the past: a consent applies from today (" + today.ToString() +
                           ") or later");
  }
  RETURN_IF_ERROR(CheckText("wording", ask.wording));
  RETURN_IF_ERROR(CheckText("recorded_by", ask.recorded_by));
  RETURN_IF_ERROR(internal::CheckWorker(store, ask.account));
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  Consent c;
  c.account = ask.account;
  c.benefit = ask.benefit;
  c.percent = ask.percent;
  c.effective = ask.effective;
  c.wording = ask.wording;
  c.recorded_by = ask.recorded_by;
  c.recorded_at = now;
  Status st = InSqlTransaction(sql, [&]() -> Status {
    // Consent changes serialise on the module's lock row, so two at once cannot both pass the
    // overlap check.
    RETURN_IF_ERROR(sql.Query("UPDATE consent_lock SET n = n + 1 WHERE id = 1").status());
    ASSIGN_OR_RETURN(auto rows, sql.Query(std::string("SELECT ") + kColumns +
                                              " FROM worker_consents WHERE account = $1 AND "
                                              "benefit = $2 ORDER BY id",
                                          {internal::AccountKey(ask.account), ask.benefit}));
    for (const SqlRow& row : rows) {
      const Consent other = FromRow(row);
      if (!other.ends || *other.ends > ask.effective) {
        return Status::Precondition(
            "account " + ask.account.ToString() + " already has " + Describe(other) +
            (other.ends ? ""
                        : "; revoke it first (a new consent may start on its revocation day)"));
      }
    }
    ASSIGN_OR_RETURN(auto next, sql.Query("SELECT coalesce(max(id), 0) + 1 FROM worker_consents"));
    c.id = next.at(0).Int(0);
    return sql
        .Query(std::string("INSERT INTO worker_consents(") + kColumns +
                   ") VALUES($1, $2, $3, $4, $5, NULL, $6, $7, $8, '', 0)",
               {c.id, internal::AccountKey(c.account), c.benefit, c.percent.units(),
                int64_t{c.effective.days()}, c.wording, c.recorded_by, c.recorded_at})
        .status();
  });
  if (!st.ok()) return st;
  return c;
}

Result<Consent> RevokeConsent(Store& store, AccountNumber account, int64_t id, Date effective,
                              const std::string& by, Date today, int64_t now) {
  RETURN_IF_ERROR(CheckText("revoked_by", by));
  if (effective < today) {
    return Status::Invalid("effective " + effective.ToString() +
                           " is in the past: a revocation applies from today (" + today.ToString() +
                           ") or later");
  }
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  Consent c;
  Status st = InSqlTransaction(sql, [&]() -> Status {
    RETURN_IF_ERROR(sql.Query("UPDATE consent_lock SET n = n + 1 WHERE id = 1").status());
    ASSIGN_OR_RETURN(auto rows,
                     sql.Query(std::string("SELECT ") + kColumns +
                                   " FROM worker_consents WHERE id = $1 AND account = $2",
                               {id, internal::AccountKey(account)}));
    if (rows.empty()) {
      return Status::NotFound("account " + account.ToString() + " has no consent " +
                              std::to_string(id));
    }
    c = FromRow(rows[0]);
    if (c.ends) return Status::Precondition(Describe(c) + " was already revoked");
    if (effective < c.effective) {
      return Status::Invalid("effective " + effective.ToString() + " is before the consent's own " +
                             c.effective.ToString());
    }
    c.ends = effective;
    c.revoked_by = by;
    c.revoked_at = now;
    return sql
        .Query(
            "UPDATE worker_consents SET ends = $2, revoked_by = $3, revoked_at = $4 WHERE id = $1",
            {id, int64_t{effective.days()}, by, now})
        .status();
  });
  if (!st.ok()) return st;
  return c;
}

Result<std::vector<Consent>> ListConsents(Store& store, AccountNumber account) {
  RETURN_IF_ERROR(internal::CheckWorker(store, account));
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query(std::string("SELECT ") + kColumns +
                                                    " FROM worker_consents WHERE account = $1 "
                                                    "ORDER BY id",
                                                {internal::AccountKey(account)}));
  std::vector<Consent> out;
  for (const SqlRow& row : rows) out.push_back(FromRow(row));
  return out;
}

std::unique_ptr<VoluntaryPrograms> MakeConsentPrograms(Store& store) {
  return std::make_unique<ConsentPrograms>(store);
}

nlohmann::json ToJson(const Consent& c) {
  return {{"id", c.id},
          {"account", c.account.ToString()},
          {"benefit", c.benefit},
          {"percent", FormatPercent(c.percent)},
          {"basis", "earnings (tips not included)"},
          {"effective", c.effective.ToString()},
          {"ends", c.ends ? nlohmann::json(c.ends->ToString()) : nlohmann::json(nullptr)},
          {"wording", c.wording},
          {"recorded_by", c.recorded_by},
          {"recorded_at", c.recorded_at},
          {"revoked_by", c.revoked_by},
          {"revoked_at", c.revoked_at},
          {"active", !c.ends}};
}

}  // namespace accrue::contributions
