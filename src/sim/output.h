// The simulator's outputs: JSON (what the CLI prints with --json and what POST /v1/simulations
// will return), CSV (one "scenario,section,key,measure,value" row per figure), a text report
// for the terminal and SVG charts the portal can show.
//
// Contract: every output is a pure function of the SimulationResult, so the same simulation
// always prints the same bytes. Sums are printed exactly (every digit, at least two decimals);
// derived ratios (per hour, per job, shares, means) are rounded and say so in their names.
// With two scenarios every output adds the difference (second minus first).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/simulator.h"

namespace accrue::sim {

nlohmann::json ToJson(const SimulationResult& result);
std::string ToCsv(const SimulationResult& result);
std::string ToText(const SimulationResult& result);
// Monthly contributions by scenario (bars) and each scenario's worker balance percentiles.
std::string ToSvg(const SimulationResult& result);

}  // namespace accrue::sim
