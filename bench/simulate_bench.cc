// Simulator benchmark: a synthetic population (default 1,000,000 workers) over 12 months under
// every pack in policies/, on all hardware threads. Prints workers, reports, seconds, reports
// per second and the peak resident memory.
//
//   simulate_bench [--workers N] [--months M] [--threads T] [--seed S] [--policies DIR]
//                  [--report-period day|week|month]
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "policy/loader.h"
#include "sim/simulator.h"

using namespace accrue;

int main(int argc, char** argv) {
  int64_t workers = 1'000'000;
  int months = 12;
  int threads = 0;
  uint64_t seed = 1;
  std::string period = "week";
  std::string policies = "policies";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--workers")
      workers = std::stoll(next());
    else if (a == "--months")
      months = std::stoi(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--seed")
      seed = std::stoull(next());
    else if (a == "--policies")
      policies = next();
    else if (a == "--report-period")
      period = next();
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  auto benefits = LoadBenefits(policies + "/benefits.toml");
  if (!benefits.ok()) {
    std::cerr << benefits.status().ToString() << "\n";
    return 1;
  }
  auto packs = LoadPackDir(policies, *benefits);
  auto jurisdictions = LoadJurisdictions(policies + "/jurisdictions.csv");
  if (!packs.ok() || !jurisdictions.ok()) {
    std::cerr << (packs.ok() ? jurisdictions.status() : packs.status()).ToString() << "\n";
    return 1;
  }
  sim::SyntheticSpec spec;
  spec.seed = seed;
  spec.workers = workers;
  spec.report_period = period == "day"     ? sim::SyntheticSpec::ReportPeriod::kDay
                       : period == "month" ? sim::SyntheticSpec::ReportPeriod::kMonth
                                           : sim::SyntheticSpec::ReportPeriod::kWeek;
  auto population = sim::MakeSyntheticPopulation(spec);
  if (!population.ok()) {
    std::cerr << population.status().ToString() << "\n";
    return 1;
  }
  sim::SimulationRequest req;
  req.scenarios.push_back({"all example packs", *packs});
  req.population = population->get();
  req.jurisdictions = *jurisdictions;
  req.benefits = *benefits;
  req.months = months;
  req.threads = threads;
  req.thresholds.push_back(*sim::ParseThreshold("health:hours:80:month"));
  const auto start = std::chrono::steady_clock::now();
  auto result = sim::RunSimulation(req);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    std::cerr << result.status().ToString() << "\n";
    return 1;
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  const auto& s = result->scenarios[0];
  std::cout << "workers            " << result->workers << "\n"
            << "months             " << months << "\n"
            << "reports            " << s.reports << " (one per worker, entity and " << period
            << ")"
            << "\n"
            << "threads            " << (threads > 0 ? std::to_string(threads) : std::string("all"))
            << "\n"
            << "seconds            " << seconds << "\n"
            << "reports per second " << static_cast<int64_t>(s.reports / seconds) << "\n"
            << "peak RSS MB        " << usage.ru_maxrss / 1024 << "\n"
            << "contributions      " << sim::Exact(s.contributions) << "\n";
  return 0;
}
