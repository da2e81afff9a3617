// JSON text written directly, for the answers on hot paths (a balance, a report's outcome)
// where building a nlohmann::json tree and dumping it cost more than the work behind them.
// What is written is byte for byte what nlohmann::json's dump() writes for the same values
// (its escapes; invalid UTF-8 replaced), so clients see no difference.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace accrue {

// Appends `text` as a JSON string.
void AppendJsonString(std::string* out, std::string_view text);
// Appends `"key":` (keys here need no escapes).
inline void AppendJsonKey(std::string* out, std::string_view key) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}
// Appends `,"key":` and `value` as a JSON string: a field after an object's first.
inline void AppendJsonField(std::string* out, std::string_view key, std::string_view value) {
  out->push_back(',');
  AppendJsonKey(out, key);
  AppendJsonString(out, value);
}
void AppendJsonInt(std::string* out, int64_t value);

}  // namespace accrue
