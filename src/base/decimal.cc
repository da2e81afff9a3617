#include "base/decimal.h"

#include <stdexcept>

namespace accrue {
namespace {

constexpr int64_t Pow10(int n) {
  int64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

std::string Quote(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string shown(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) shown += "...";
  return "'" + shown + "'";
}

std::string FormatUnsigned128(unsigned __int128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return s;
}

// Shared by FormatScaled and MoneySum::ToFixed.
std::string Format128(__int128 units, int scale, int decimals, int min_decimals) {
  const bool negative = units < 0;
  unsigned __int128 mag =
      negative ? static_cast<unsigned __int128>(-units) : static_cast<unsigned __int128>(units);
  if (decimals >= 0 && decimals < scale) {
    const unsigned __int128 step = static_cast<unsigned __int128>(Pow10(scale - decimals));
    mag = (mag + step / 2) / step;  // half away from zero
    scale = decimals;
  }
  std::string digits = FormatUnsigned128(mag);
  if (static_cast<int>(digits.size()) <= scale) {
    digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  }
  std::string whole = digits.substr(0, digits.size() - static_cast<size_t>(scale));
  std::string frac = digits.substr(digits.size() - static_cast<size_t>(scale));
  if (decimals < 0) {
    while (static_cast<int>(frac.size()) > min_decimals && !frac.empty() && frac.back() == '0') {
      frac.pop_back();
    }
  } else {
    while (static_cast<int>(frac.size()) < decimals) frac.push_back('0');
  }
  const bool is_zero = mag == 0;
  std::string out = (negative && !is_zero) ? "-" : "";
  out += whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

}  // namespace

void ThrowOverflow(const char* what) { throw std::overflow_error(what); }

Result<int64_t> ParseScaled(std::string_view text, int scale, int max_decimals) {
  if (text.empty()) return Status::Invalid("empty where a number is required");
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  unsigned __int128 mag = 0;
  int whole_digits = 0;
  int frac_digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return Status::Invalid(Quote(text) + " is not a decimal number");
    if (seen_point) {
      if (++frac_digits > max_decimals) {
        return Status::Invalid(Quote(text) + " has more than " + std::to_string(max_decimals) +
                               " decimals");
      }
    } else if (++whole_digits > 18) {
      return Status::Invalid(Quote(text) + " is too large");
    }
    mag = mag * 10 + static_cast<unsigned>(c - '0');
  }
  if (whole_digits + frac_digits == 0 || (seen_point && frac_digits == 0) ||
      (seen_point && whole_digits == 0)) {
    return Status::Invalid(Quote(text) + " is not a decimal number");
  }
  mag *= static_cast<unsigned __int128>(Pow10(scale - frac_digits));
  if (mag > static_cast<unsigned __int128>(INT64_MAX)) {
    return Status::Invalid(Quote(text) + " is too large");
  }
  const auto v = static_cast<int64_t>(mag);
  return negative ? -v : v;
}

std::string FormatScaled(int64_t units, int scale, int decimals, int min_decimals) {
  return Format128(units, scale, decimals, min_decimals);
}

Result<int64_t> MulDiv(int64_t units, int64_t num, int64_t den) {
  if (den <= 0) throw std::logic_error("MulDiv needs a positive denominator");
  const __int128 p = static_cast<__int128>(units) * num;
  __int128 q = p / den;
  __int128 r = p % den;
  if (r < 0) {  // floor division
    q -= 1;
    r += den;
  }
  if (2 * r > den || (2 * r == den && (q & 1) != 0)) q += 1;  // half to even
  if (q > INT64_MAX || q < INT64_MIN) return Status::Invalid("amount is out of range");
  return static_cast<int64_t>(q);
}

Result<Ratio> ParsePercent(std::string_view text) {
  std::string_view body = text;
  if (!body.empty() && body.back() == '%') body.remove_suffix(1);
  auto points = ParseScaled(body, Ratio::kScaleDigits - 2, 4);  // percent points at 1e-4
  if (!points.ok()) return points.status().WithContext("percent " + Quote(text));
  return Ratio::FromUnits(*points);
}

std::string FormatPercent(Ratio r) { return FormatScaled(r.units(), 4, -1) + "%"; }

Result<Money> Times(Money rate_per_hour, Hours hours) {
  auto u = MulDiv(rate_per_hour.units(), hours.units(), Hours::kOne);
  if (!u.ok()) return u.status();
  return Money::FromUnits(*u);
}

Result<Money> Times(Money amount, Ratio ratio) {
  auto u = MulDiv(amount.units(), ratio.units(), Ratio::kOne);
  if (!u.ok()) return u.status();
  return Money::FromUnits(*u);
}

Result<Money> Times(Money rate_per_unit, int64_t count) {
  auto u = MulDiv(rate_per_unit.units(), count, 1);
  if (!u.ok()) return u.status();
  return Money::FromUnits(*u);
}

std::vector<int64_t> AllocateUnits(int64_t total, std::span<const int64_t> weights) {
  std::vector<int64_t> parts(weights.size(), 0);
  __int128 weight_sum = 0;
  for (int64_t w : weights) {
    if (w < 0) throw std::logic_error("AllocateUnits: negative weight");
    weight_sum += w;
  }
  if (weights.empty() || weight_sum == 0) {
    if (total != 0) throw std::logic_error("AllocateUnits: nothing to allocate to");
    return parts;
  }
  const bool negative = total < 0;
  const __int128 mag = negative ? -static_cast<__int128>(total) : total;
  std::vector<__int128> remainders(weights.size());
  __int128 assigned = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const __int128 p = mag * weights[i];
    parts[i] = static_cast<int64_t>(p / weight_sum);
    remainders[i] = p % weight_sum;
    assigned += parts[i];
  }
  for (__int128 left = mag - assigned; left > 0; --left) {
    size_t best = 0;
    for (size_t i = 1; i < weights.size(); ++i) {
      if (remainders[i] > remainders[best]) best = i;
    }
    parts[best] += 1;
    remainders[best] = -1;
  }
  if (negative) {
    for (auto& p : parts) p = -p;
  }
  return parts;
}

std::string MoneySum::ToFixed(int decimals) const {
  return Format128(sum_, Money::kScaleDigits, decimals, 0);
}

}  // namespace accrue
