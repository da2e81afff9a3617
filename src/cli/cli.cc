#include "cli/cli.h"

#include <algorithm>
#include <filesystem>

#include "base/decimal.h"

namespace accrue::cli {

int Fail(const Status& status) {
  std::cerr << "accrue: " << status.message() << "\n";
  switch (status.code()) {
    case Code::kIo:
    case Code::kCorruption:
      return 2;
    default:
      return 1;
  }
}

Result<std::unique_ptr<Store>> OpenStore(const Globals& g) {
  return g.postgres.empty() ? OpenSqliteStore(g.db) : OpenPostgresStore(g.postgres);
}

void PrintJson(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

void Table::Print(std::ostream& out) const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto numeric = [](const std::string& s) {
    return !s.empty() && (std::isdigit(static_cast<unsigned char>(s.back())) != 0) &&
           s.find_first_not_of("0123456789.,-+ h") == std::string::npos;
  };
  for (size_t r = 0; r < rows_.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows_[r].size(); ++i) {
      const std::string& cell = rows_[r][i];
      const std::string pad(width[i] - cell.size(), ' ');
      line += (r > 0 && numeric(cell)) ? pad + cell : cell + pad;
      if (i + 1 < rows_[r].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

std::string FindShipped(const std::string& name, const std::string& marker) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (const auto& dir :
       {exe / name, exe.parent_path() / name, exe.parent_path() / "share" / "accrue" / name}) {
    if (std::filesystem::exists(dir / marker, ec)) return dir.string();
  }
  return "";
}

std::string ResolvePolicies(const std::string& given, bool named) {
  std::error_code ec;
  if (named || std::filesystem::exists(std::filesystem::path(given) / "benefits.toml", ec)) {
    return given;
  }
  const std::string shipped = FindShipped("policies", "benefits.toml");
  return shipped.empty() ? given : shipped;
}

std::string Counted(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Dollars(int64_t money_units) {
  const std::string plain = Money::FromUnits(money_units).ToFixed(2);  // "-1234567.89"
  const size_t sign = plain[0] == '-' ? 1 : 0;
  const size_t point = plain.find('.');
  std::string out(plain, 0, sign);
  for (size_t i = sign; i < point; ++i) {
    if (i > sign && (point - i) % 3 == 0) out += ',';
    out += plain[i];
  }
  out.append(plain, point);
  return out;
}

}  // namespace accrue::cli
