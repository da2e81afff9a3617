#include "base/account_number.h"

#include <stdexcept>

namespace accrue {
namespace {

// The totally anti-symmetric quasigroup of order 10 from H. Michael Damm's thesis (2004).
constexpr int kDamm[10][10] = {{0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
                               {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
                               {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
                               {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
                               {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0}};

}  // namespace

int DammCheckDigit(std::string_view digits) {
  int interim = 0;
  for (char c : digits) interim = kDamm[interim][c - '0'];
  return interim;
}

AccountNumber AccountNumber::FromSerial(uint64_t serial) {
  if (serial == 0 || serial > kMaxSerial) throw std::logic_error("account serial out of range");
  // The Damm digit over the serial's eleven digits, most significant first, without building
  // them as text: every leg the ledger reads back checks its worker's number this way.
  int digits[11];
  uint64_t rest = serial;
  for (int i = 10; i >= 0; --i, rest /= 10) digits[i] = static_cast<int>(rest % 10);
  int interim = 0;
  for (int d : digits) interim = kDamm[interim][d];
  return AccountNumber(serial * 10 + static_cast<uint64_t>(interim));
}

AccountNumber AccountNumber::FromValue(uint64_t v) {
  AccountNumber a = FromSerial(v / 10);
  if (a.digits_ != v) throw std::logic_error("stored account number fails its check digit");
  return a;
}

Result<AccountNumber> AccountNumber::Parse(std::string_view text) {
  auto shown = [&] { return "'" + std::string(text.substr(0, 40)) + "'"; };
  size_t n = 0;
  uint64_t value = 0;
  int interim = 0;  // the Damm check over the digits so far
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (n == 12) return Status::Invalid("account number " + shown() + " must have 12 digits");
      ++n;
      value = value * 10 + static_cast<uint64_t>(c - '0');
      interim = kDamm[interim][c - '0'];
    } else if (c != '-' && c != ' ') {
      return Status::Invalid("account number " + shown() + " may hold only digits and dashes");
    }
  }
  if (n != 12) return Status::Invalid("account number " + shown() + " must have 12 digits");
  if (interim != 0) {
    return Status::Invalid("account number " + shown() +
                           " fails its check digit (a digit is mistyped or two are swapped)");
  }
  if (value / 10 == 0) return Status::Invalid("account number " + shown() + " is not issued");
  return AccountNumber(value);
}

std::string AccountNumber::Digits() const {
  std::string d(12, '0');  // by hand: snprintf cost more than the rest of building a key
  uint64_t v = digits_;
  for (size_t i = d.size(); i-- > 0 && v != 0; v /= 10) d[i] = static_cast<char>('0' + v % 10);
  return d;
}

std::string AccountNumber::ToString() const {
  const std::string d = Digits();
  return d.substr(0, 4) + "-" + d.substr(4, 4) + "-" + d.substr(8, 4);
}

}  // namespace accrue
