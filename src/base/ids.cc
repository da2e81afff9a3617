#include "base/ids.h"

namespace accrue {
namespace {

std::string Shown(std::string_view text) {
  return "'" + std::string(text.substr(0, 40)) + (text.size() > 40 ? "...'" : "'");
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

Status ValidateId(std::string_view field, std::string_view text) {
  if (text.empty()) return Status::Invalid(std::string(field) + " is empty");
  if (text.size() > 64)
    return Status::Invalid(std::string(field) + " is longer than 64 characters");
  if (!IsAlnum(text[0])) {
    return Status::Invalid(std::string(field) + " " + Shown(text) +
                           " must start with a letter or digit");
  }
  for (char c : text) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-') {
      return Status::Invalid(std::string(field) + " " + Shown(text) +
                             " may hold only letters, digits and . _ : -");
    }
  }
  return Status::Ok();
}

Status ValidateJurisdictionCode(std::string_view text) {
  if (text.empty()) return Status::Invalid("jurisdiction is empty");
  if (text.size() > 64) return Status::Invalid("jurisdiction is longer than 64 characters");
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
      return Status::Invalid("jurisdiction " + Shown(text) +
                             " may hold only capital letters, digits and dashes");
    }
  }
  return Status::Ok();
}

Status ValidateName(std::string_view field, std::string_view text) {
  if (text.empty()) return Status::Invalid(std::string(field) + " is empty");
  if (text.size() > 40)
    return Status::Invalid(std::string(field) + " is longer than 40 characters");
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return Status::Invalid(std::string(field) + " " + Shown(text) +
                             " may hold only lower-case letters, digits and _");
    }
  }
  return Status::Ok();
}

}  // namespace accrue
