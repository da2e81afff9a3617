// The worker's portable account number.
//
// Twelve digits, shown as "1234-5678-9012": an 11-digit serial and a Damm check digit. The
// Damm check detects every single-digit error and every swap of two neighbouring digits, so
// a mistyped number is refused rather than credited to a stranger.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace accrue {

class AccountNumber {
 public:
  static constexpr uint64_t kMaxSerial = 99'999'999'999ULL;

  AccountNumber() = default;
  // Serial in [1, kMaxSerial]; the check digit is computed.
  static AccountNumber FromSerial(uint64_t serial);
  // Accepts 12 digits with or without the dashes (and spaces) of the display form.
  static Result<AccountNumber> Parse(std::string_view text);

  uint64_t serial() const { return digits_ / 10; }
  // The 12 digits as one integer (the storage key).
  uint64_t value() const { return digits_; }
  static AccountNumber FromValue(uint64_t v);  // a stored value; must verify (asserted)
  std::string ToString() const;                // "1234-5678-9012"
  std::string Digits() const;                  // "123456789012": zero-padded, no dashes
  bool valid() const { return digits_ != 0; }
  friend auto operator<=>(AccountNumber, AccountNumber) = default;

 private:
  explicit AccountNumber(uint64_t digits) : digits_(digits) {}
  uint64_t digits_ = 0;
};

// The Damm check digit of a string of decimal digits.
int DammCheckDigit(std::string_view digits);

}  // namespace accrue
