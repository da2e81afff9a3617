// Voluntary programs a worker opts into (withholding consents): extra program versions that
// apply to the worker's own reports, whatever the hiring entity or place.
//
// The ingestor prepares them before each batch takes the write lock, loads them for each
// chunk's workers in one read inside the batch (so that what was committed before the batch
// began applies to it), and appends what applies to a report after the policy library's
// selection. The versions stay valid until the next Prepare().
#pragma once

#include <span>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/status.h"
#include "policy/library.h"

namespace accrue {

class VoluntaryPrograms {
 public:
  virtual ~VoluntaryPrograms() = default;
  // Before a batch (no ledger transaction open).
  virtual Status Prepare() = 0;
  // Reads what `workers` have opted into (inside the batch).
  virtual Status Load(std::span<const AccountNumber> workers) = 0;
  // Appends the versions that apply to the worker's work on `day`.
  virtual void Append(AccountNumber worker, Date day, std::vector<Applicable>* out) const = 0;
};

}  // namespace accrue
