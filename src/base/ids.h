// Validation of the short codes that name things: hiring entities, jurisdictions, sectors,
// benefits, report ids. Each check names the field and the offending text.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace accrue {

// Entity ids and report ids: 1–64 of [A-Za-z0-9._:-], not starting with a punctuation mark.
Status ValidateId(std::string_view field, std::string_view text);
// Jurisdiction codes: 1–64 of [A-Z0-9-] such as "US-WA-SEATTLE".
Status ValidateJurisdictionCode(std::string_view text);
// Sector and benefit names: 1–40 of [a-z0-9_] such as "rideshare" or "sick_leave".
Status ValidateName(std::string_view field, std::string_view text);

}  // namespace accrue
