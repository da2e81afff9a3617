#include "sim/output.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace accrue::sim {
namespace {

using nlohmann::json;

MoneySum Sum(__int128 units) {
  MoneySum s;
  // MoneySum only adds Money values; split into int64 pieces.
  const int64_t kStep = INT64_MAX / 2;
  while (units > kStep) {
    s.Add(Money::FromUnits(kStep));
    units -= kStep;
  }
  while (units < -kStep) {
    s.Add(Money::FromUnits(-kStep));
    units += kStep;
  }
  s.Add(Money::FromUnits(static_cast<int64_t>(units)));
  return s;
}

std::string HoursText(int64_t units) { return Hours::FromUnits(units).ToString(); }

// num / den as a decimal with `decimals` digits, rounded half away from zero.
std::string Ratio(__int128 num, __int128 den, int decimals) {
  if (den == 0) return decimals > 0 ? "0." + std::string(static_cast<size_t>(decimals), '0') : "0";
  __int128 scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  __int128 n = num * scale;
  __int128 q = n / den;
  __int128 r = n % den;
  if (r < 0) r = -r;
  if (2 * r >= (den < 0 ? -den : den)) q += (n < 0) != (den < 0) ? -1 : 1;
  const bool neg = q < 0;
  if (neg) q = -q;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(q % 10)));
    q /= 10;
  } while (q > 0);
  if (decimals > 0) {
    if (static_cast<int>(digits.size()) <= decimals) {
      digits.insert(0, static_cast<size_t>(decimals) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(decimals), ".");
  }
  return (neg ? "-" : "") + digits;
}

// A threshold quantity (its units, already averaged) in dollars or hours, to 2 decimals.
std::string Unit(const Threshold& t, __int128 units) {
  return t.dollars ? Ratio(units, Money::kOne, 2) : Ratio(units, Hours::kOne, 2);
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

json DistributionJson(const Distribution& d, bool money) {
  json j = json::object();
  for (const auto& [p, v] : d.percentiles) {
    j["p" + std::to_string(p)] = money ? Exact(Money::FromUnits(v)) : HoursText(v);
  }
  j["max"] = money ? Exact(Money::FromUnits(d.max)) : HoursText(d.max);
  j["mean_rounded"] =
      Ratio(d.sum, static_cast<__int128>(d.count) * (money ? Money::kOne : Hours::kOne), 2);
  return j;
}

json ScenarioJson(const ScenarioResult& s) {
  json j;
  j["name"] = s.name;
  j["packs"] = s.packs;
  j["reports"] = s.reports;
  j["reports_covered"] = s.reports_covered;
  j["hours"] = HoursText(s.hours);
  j["jobs"] = s.jobs;
  j["earnings"] = Exact(s.earnings);
  j["contributions"] = Exact(s.contributions);
  j["hiring_entity_cost"] = Exact(s.entity_cost);
  j["hiring_entity_cost_per_hour_rounded"] = PerUnit(s.entity_cost, s.hours, Hours::kOne);
  j["hiring_entity_cost_per_job_rounded"] = PerUnit(s.entity_cost, s.jobs, 1);
  j["contributions_per_hour_rounded"] = PerUnit(s.contributions, s.hours, Hours::kOne);
  j["by_payer_benefit"] = json::array();
  for (const auto& x : s.by_payer_benefit) {
    j["by_payer_benefit"].push_back(
        {{"payer", PayerName(x.payer)}, {"benefit", x.benefit}, {"amount", Exact(x.amount)}});
  }
  j["sectors"] = json::array();
  for (const auto& x : s.sectors) {
    j["sectors"].push_back(
        {{"sector", x.sector},
         {"reports", x.reports},
         {"hours", HoursText(x.hours)},
         {"jobs", x.jobs},
         {"earnings", Exact(x.earnings)},
         {"hiring_entity_cost", Exact(x.entity_cost)},
         {"contributions", Exact(x.contributions)},
         {"hiring_entity_cost_per_hour_rounded", PerUnit(x.entity_cost, x.hours, Hours::kOne)},
         {"hiring_entity_cost_per_job_rounded", PerUnit(x.entity_cost, x.jobs, 1)}});
  }
  j["worker_balances"] = DistributionJson(s.balances, true);
  j["worker_leave_hours"] = DistributionJson(s.leave, false);
  j["thresholds"] = json::array();
  for (const auto& t : s.thresholds) {
    const int64_t short_periods = t.worker_periods - t.reached;
    j["thresholds"].push_back(
        {{"threshold", t.threshold.Text()},
         {"worker_periods", t.worker_periods},
         {"reached", t.reached},
         {"reached_percent_rounded",
          Ratio(static_cast<__int128>(t.reached) * 100, t.worker_periods, 2)},
         {"workers_reaching_every_period", t.workers_always},
         {"workers_reaching_every_period_percent_rounded",
          Ratio(static_cast<__int128>(t.workers_always) * 100, s.balances.count, 2)},
         {"mean_short_by_rounded",
          Unit(t.threshold, short_periods == 0 ? 0 : t.shortfall / short_periods)},
         {"short_by_unit", t.threshold.dollars ? "dollars" : "hours"}});
  }
  j["funds"] = json::array();
  for (const auto& f : s.funds) {
    json fj = {{"benefit", f.benefit}, {"contributions", Exact(f.contributions)}};
    if (f.leave) {
      fj["leave_hours_accrued"] = HoursText(f.leave_hours);
      fj["leave_liability"] = Exact(f.leave_liability);
      fj["reserve_needed"] = Exact(f.reserve_needed);
    }
    j["funds"].push_back(fj);
  }
  j["months"] = json::array();
  for (const auto& m : s.months) {
    j["months"].push_back({{"month", m.month},
                           {"hours", HoursText(m.hours)},
                           {"contributions", Exact(m.contributions)},
                           {"hiring_entity_cost", Exact(m.entity_cost)},
                           {"leave_hours", HoursText(m.leave_hours)}});
  }
  return j;
}

MoneySum Minus(const MoneySum& a, const MoneySum& b) { return Sum(a.units() - b.units()); }

json DifferenceJson(const ScenarioResult& a, const ScenarioResult& b) {
  json j;
  j["of"] = b.name + " minus " + a.name;
  j["contributions"] = Exact(Minus(b.contributions, a.contributions));
  j["hiring_entity_cost"] = Exact(Minus(b.entity_cost, a.entity_cost));
  j["hiring_entity_cost_per_hour_rounded"] =
      PerUnit(Minus(b.entity_cost, a.entity_cost), a.hours, Hours::kOne);
  std::map<std::pair<std::string, std::string>, __int128> pb;
  for (const auto& x : a.by_payer_benefit) pb[{PayerName(x.payer), x.benefit}] -= x.amount.units();
  for (const auto& x : b.by_payer_benefit) pb[{PayerName(x.payer), x.benefit}] += x.amount.units();
  j["by_payer_benefit"] = json::array();
  for (const auto& [k, v] : pb) {
    j["by_payer_benefit"].push_back(
        {{"payer", k.first}, {"benefit", k.second}, {"amount", Exact(Sum(v))}});
  }
  json bal = json::object();
  for (size_t i = 0; i < a.balances.percentiles.size() && i < b.balances.percentiles.size(); ++i) {
    bal["p" + std::to_string(a.balances.percentiles[i].first)] =
        Exact(Sum(static_cast<__int128>(b.balances.percentiles[i].second) -
                  a.balances.percentiles[i].second));
  }
  j["worker_balances"] = bal;
  json lv = json::object();
  for (size_t i = 0; i < a.leave.percentiles.size() && i < b.leave.percentiles.size(); ++i) {
    lv["p" + std::to_string(a.leave.percentiles[i].first)] =
        HoursText(b.leave.percentiles[i].second - a.leave.percentiles[i].second);
  }
  j["worker_leave_hours"] = lv;
  return j;
}

// A plain aligned table (numbers right-aligned).
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& r : rows) {
    w.resize(std::max(w.size(), r.size()));
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  std::string out;
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < rows[k].size(); ++i) {
      const std::string& c = rows[k][i];
      const bool num =
          k > 0 && !c.empty() && c.find_first_not_of("0123456789.,-+%") == std::string::npos;
      const std::string pad(w[i] - c.size(), ' ');
      line += num ? pad + c : c + pad;
      if (i + 1 < rows[k].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Cents(const MoneySum& m) { return m.ToFixed(2); }

}  // namespace

nlohmann::json ToJson(const SimulationResult& r) {
  json j;
  j["population"] = r.population;
  j["workers"] = r.workers;
  j["first_day"] = r.first_day.ToString();
  j["months"] = r.months;
  j["scenarios"] = json::array();
  for (const auto& s : r.scenarios) j["scenarios"].push_back(ScenarioJson(s));
  if (r.scenarios.size() == 2) j["difference"] = DifferenceJson(r.scenarios[0], r.scenarios[1]);
  return j;
}

std::string ToCsv(const SimulationResult& r) {
  std::string out = "scenario,section,key,measure,value\n";
  auto row = [&](const std::string& s, const std::string& sec, const std::string& key,
                 const std::string& measure, const std::string& value) {
    out += s + "," + sec + "," + key + "," + measure + "," + value + "\n";
  };
  for (const auto& s : r.scenarios) {
    const json j = ScenarioJson(s);
    for (const char* k :
         {"reports", "reports_covered", "hours", "jobs", "earnings", "contributions",
          "hiring_entity_cost", "hiring_entity_cost_per_hour_rounded",
          "hiring_entity_cost_per_job_rounded", "contributions_per_hour_rounded"}) {
      row(s.name, "total", "", k, j[k].is_string() ? j[k].get<std::string>() : j[k].dump());
    }
    for (const auto& x : s.by_payer_benefit) {
      row(s.name, "payer_benefit", std::string(PayerName(x.payer)) + "/" + x.benefit, "amount",
          Exact(x.amount));
    }
    for (const auto& x : j["sectors"]) {
      for (auto it = x.begin(); it != x.end(); ++it) {
        if (it.key() == "sector") continue;
        row(s.name, "sector", x["sector"], it.key(),
            it->is_string() ? it->get<std::string>() : it->dump());
      }
    }
    for (const char* d : {"worker_balances", "worker_leave_hours"}) {
      for (auto it = j[d].begin(); it != j[d].end(); ++it) row(s.name, d, "", it.key(), *it);
    }
    for (const auto& x : j["thresholds"]) {
      for (auto it = x.begin(); it != x.end(); ++it) {
        if (it.key() == "threshold") continue;
        row(s.name, "threshold", x["threshold"], it.key(),
            it->is_string() ? it->get<std::string>() : it->dump());
      }
    }
    for (const auto& x : j["funds"]) {
      for (auto it = x.begin(); it != x.end(); ++it) {
        if (it.key() == "benefit") continue;
        row(s.name, "fund", x["benefit"], it.key(), *it);
      }
    }
    for (const auto& x : j["months"]) {
      for (auto it = x.begin(); it != x.end(); ++it) {
        if (it.key() == "month") continue;
        row(s.name, "month", x["month"], it.key(), *it);
      }
    }
  }
  return out;
}

std::string ToText(const SimulationResult& r) {
  std::ostringstream o;
  o << "Simulation: " << r.population << "\n"
    << r.months << " months from " << r.first_day.ToString() << "\n";
  for (const auto& s : r.scenarios) {
    o << "\n== " << s.name << " (";
    for (size_t i = 0; i < s.packs.size(); ++i) o << (i ? ", " : "") << s.packs[i];
    o << ")\n";
    o << Table({{"reports", "covered", "hours", "jobs", "earnings", "contributions", "entity cost",
                 "entity $/h", "entity $/job"},
                {std::to_string(s.reports), std::to_string(s.reports_covered),
                 Hours::FromUnits(s.hours).ToFixed(1), std::to_string(s.jobs), Cents(s.earnings),
                 Cents(s.contributions), Cents(s.entity_cost),
                 PerUnit(s.entity_cost, s.hours, Hours::kOne), PerUnit(s.entity_cost, s.jobs, 1)}});
    std::vector<std::vector<std::string>> pb{{"payer", "benefit", "amount"}};
    for (const auto& x : s.by_payer_benefit)
      pb.push_back({PayerName(x.payer), x.benefit, Cents(x.amount)});
    o << "\nContributions by payer and benefit\n" << Table(pb);
    std::vector<std::vector<std::string>> sec{
        {"sector", "hours", "jobs", "entity cost", "entity $/h", "entity $/job"}};
    for (const auto& x : s.sectors) {
      sec.push_back({x.sector, Hours::FromUnits(x.hours).ToFixed(1), std::to_string(x.jobs),
                     Cents(x.entity_cost), PerUnit(x.entity_cost, x.hours, Hours::kOne),
                     PerUnit(x.entity_cost, x.jobs, 1)});
    }
    o << "\nHiring entities' cost by sector\n" << Table(sec);
    std::vector<std::vector<std::string>> dist{{"per worker"}};
    for (const auto& [p, v] : s.balances.percentiles) dist[0].push_back("p" + std::to_string(p));
    dist[0].push_back("max");
    std::vector<std::string> b{"balance $"}, l{"leave h"};
    for (const auto& [p, v] : s.balances.percentiles) b.push_back(Money::FromUnits(v).ToFixed(2));
    b.push_back(Money::FromUnits(s.balances.max).ToFixed(2));
    for (const auto& [p, v] : s.leave.percentiles) l.push_back(Hours::FromUnits(v).ToFixed(2));
    l.push_back(Hours::FromUnits(s.leave.max).ToFixed(2));
    dist.push_back(b);
    dist.push_back(l);
    o << "\nWorker outcomes (" << s.balances.count << " workers)\n" << Table(dist);
    if (!s.thresholds.empty()) {
      std::vector<std::vector<std::string>> th{
          {"threshold", "periods reached", "%", "workers every period", "mean short by"}};
      const json j = ScenarioJson(s);
      for (const auto& t : j["thresholds"]) {
        th.push_back({t["threshold"],
                      std::to_string(t["reached"].get<int64_t>()) + "/" +
                          std::to_string(t["worker_periods"].get<int64_t>()),
                      t["reached_percent_rounded"],
                      t["workers_reaching_every_period_percent_rounded"].get<std::string>() + "%",
                      t["mean_short_by_rounded"].get<std::string>() + " " +
                          t["short_by_unit"].get<std::string>()});
      }
      o << "\nEligibility thresholds\n" << Table(th);
    }
    std::vector<std::vector<std::string>> fu{
        {"fund", "contributions", "leave h accrued", "leave liability", "reserve needed"}};
    for (const auto& f : s.funds) {
      fu.push_back({f.benefit, Cents(f.contributions),
                    f.leave ? Hours::FromUnits(f.leave_hours).ToFixed(2) : "-",
                    f.leave ? Cents(f.leave_liability) : "-",
                    f.leave ? Cents(f.reserve_needed) : "-"});
    }
    o << "\nFunds at the end\n" << Table(fu);
  }
  if (r.scenarios.size() == 2) {
    const json d = DifferenceJson(r.scenarios[0], r.scenarios[1]);
    o << "\n== Difference (" << d["of"].get<std::string>() << ")\n";
    std::vector<std::vector<std::string>> t{
        {"measure", "difference"},
        {"contributions", d["contributions"]},
        {"hiring entity cost", d["hiring_entity_cost"]},
        {"entity $/h", d["hiring_entity_cost_per_hour_rounded"]}};
    for (auto it = d["worker_balances"].begin(); it != d["worker_balances"].end(); ++it) {
      t.push_back({"worker balance " + it.key(), *it});
    }
    o << Table(t);
  }
  return o.str();
}

std::string ToSvg(const SimulationResult& r) {
  // Chart geometry uses doubles; the labels print the exact figures rounded to the cent.
  const int width = 760, chart_h = 260, margin = 60;
  const int height = 2 * chart_h + 3 * margin;
  static const char* kColors[] = {"#3b6ea5", "#d9822b"};
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<title>Policy simulation: " << Escape(r.population) << "</title>\n";
  // Chart 1: contributions by month.
  double max_month = 0;
  for (const auto& s : r.scenarios) {
    for (const auto& m : s.months)
      max_month = std::max(max_month, static_cast<double>(m.contributions.units()) / 1e10);
  }
  if (max_month <= 0) max_month = 1;
  const int x0 = margin, y0 = margin;
  o << "<text x=\"" << x0 << "\" y=\"" << y0 - 20
    << "\" font-size=\"14\">Contributions by month ($)</text>\n";
  o << "<line x1=\"" << x0 << "\" y1=\"" << y0 + chart_h << "\" x2=\"" << width - 20 << "\" y2=\""
    << y0 + chart_h << "\" stroke=\"#333\"/>\n";
  const size_t months = r.scenarios.empty() ? 0 : r.scenarios[0].months.size();
  const double slot =
      months == 0 ? 0 : static_cast<double>(width - 20 - x0) / static_cast<double>(months);
  const double bar = slot * 0.8 / std::max<size_t>(1, r.scenarios.size());
  char buf[4096];
  for (size_t si = 0; si < r.scenarios.size(); ++si) {
    const auto& s = r.scenarios[si];
    for (size_t m = 0; m < s.months.size(); ++m) {
      const double v = static_cast<double>(s.months[m].contributions.units()) / 1e10;
      const double h = v / max_month * chart_h;
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%s\"><title>%s %s: %s</title></rect>\n",
                    x0 + slot * static_cast<double>(m) + slot * 0.1 + bar * static_cast<double>(si),
                    y0 + chart_h - h, bar, h, kColors[si % 2], Escape(s.name).c_str(),
                    s.months[m].month.c_str(), s.months[m].contributions.ToFixed(2).c_str());
      o << buf;
      if (si == 0) {
        std::snprintf(buf, sizeof buf,
                      "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                      x0 + slot * (static_cast<double>(m) + 0.5), y0 + chart_h + 14,
                      s.months[m].month.substr(2).c_str());
        o << buf;
      }
    }
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" "
                  "y=\"%d\">%s</text>\n",
                  width - 240, y0 - 30 + 14 * static_cast<int>(si), kColors[si % 2], width - 225,
                  y0 - 21 + 14 * static_cast<int>(si), Escape(s.name).c_str());
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>\n",
                x0 - 4, y0 + 4, max_month);
  o << buf << "<text x=\"" << x0 - 4 << "\" y=\"" << y0 + chart_h
    << "\" text-anchor=\"end\">0</text>\n";
  // Chart 2: per-worker balance percentiles.
  const int y1 = y0 + chart_h + margin + 20;
  double max_bal = 0;
  for (const auto& s : r.scenarios) {
    for (const auto& [p, v] : s.balances.percentiles)
      max_bal = std::max(max_bal, static_cast<double>(v) / 1e10);
  }
  if (max_bal <= 0) max_bal = 1;
  o << "<text x=\"" << x0 << "\" y=\"" << y1 - 20
    << "\" font-size=\"14\">Worker balances at the end, by percentile ($)</text>\n";
  o << "<line x1=\"" << x0 << "\" y1=\"" << y1 + chart_h << "\" x2=\"" << width - 20 << "\" y2=\""
    << y1 + chart_h << "\" stroke=\"#333\"/>\n";
  const size_t np = r.scenarios.empty() ? 0 : r.scenarios[0].balances.percentiles.size();
  const double pslot = np == 0 ? 0 : static_cast<double>(width - 20 - x0) / static_cast<double>(np);
  const double pbar = pslot * 0.8 / std::max<size_t>(1, r.scenarios.size());
  for (size_t si = 0; si < r.scenarios.size(); ++si) {
    const auto& s = r.scenarios[si];
    for (size_t i = 0; i < s.balances.percentiles.size(); ++i) {
      const auto [p, v] = s.balances.percentiles[i];
      const double h = static_cast<double>(v) / 1e10 / max_bal * chart_h;
      std::snprintf(
          buf, sizeof buf,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s p%d: "
          "%s</title></rect>\n",
          x0 + pslot * static_cast<double>(i) + pslot * 0.1 + pbar * static_cast<double>(si),
          y1 + chart_h - h, pbar, h, kColors[si % 2], Escape(s.name).c_str(), p,
          Money::FromUnits(v).ToFixed(2).c_str());
      o << buf;
      if (si == 0) {
        std::snprintf(buf, sizeof buf,
                      "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">p%d</text>\n",
                      x0 + pslot * (static_cast<double>(i) + 0.5), y1 + chart_h + 14, p);
        o << buf;
      }
    }
  }
  std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>\n",
                x0 - 4, y1 + 4, max_bal);
  o << buf << "<text x=\"" << x0 - 4 << "\" y=\"" << y1 + chart_h
    << "\" text-anchor=\"end\">0</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace accrue::sim
