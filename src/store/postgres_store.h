// The PostgreSQL engine of the Store interface: several stateless `accrue` processes on one
// cluster, with correctness held by the database.
//
// Contract (in addition to store.h's):
//   - OpenPostgresStore(url) connects with libpq (a connection string or a
//     postgresql://user@host:port/db URI) and brings the schema to the current version. Each
//     migration runs in its own transaction under a transaction-scoped advisory lock, so
//     processes starting together migrate once; `meta.schema` records the version, and a
//     database newer than this binary is refused.
//   - The logical tables are SQLite's: jurisdictions, entities, workers, packs, batches,
//     entries (legs as bytea, in the ledger's own encoding), accounts, strings, totals, with
//     the same dictionary ids, so a batch hashes to the same BLAKE2b chain hash in either
//     engine. Worker-owned rows carry the worker's account (entries.worker, accounts.worker).
//   - Begin() opens a READ COMMITTED transaction and takes the ledger's advisory lock
//     (kPostgresLedgerLock) for its duration: ledger batches of every process form one
//     sequence, and every read a batch decides on (reports, hours, balances, totals) runs after
//     the lock, so it sees every batch committed before and none can commit meanwhile.
//     Batch, entry and dictionary ids are max+1 read under the lock.
//   - Append() writes new dictionary rows and entries with binary COPY and adds to balances
//     and totals with one UPDATE per table (over unnest'ed arrays). Commit() returns once
//     COMMIT succeeded (durable under the default synchronous_commit=on). If the connection is
//     lost during COMMIT the outcome is unknown and Commit() fails; resending is safe, since a
//     recorded report is recognised by its id.
//   - Only immutable data is cached across transactions: dictionary id ↔ text. Balances and
//     totals are always read from the database.
//   - Registry writes run in transactions of their own; issued account numbers that collide
//     are drawn again (INSERT ... ON CONFLICT DO NOTHING, so no transaction is aborted).
//   - Verify() reads one REPEATABLE READ snapshot, so it can run beside ingesting processes.
//   - One Store object is one connection and is not thread-safe; a lost connection is
//     re-established at the next operation outside a batch.
#pragma once

#include <cstdint>

#include "store/store.h"

namespace accrue {

// Advisory lock keys (pg_advisory_xact_lock), constant across versions: "accrue/L", "accrue/M",
// "accrue/P" in ASCII.
inline constexpr int64_t kPostgresLedgerLock = 0x6163637275652f4c;
inline constexpr int64_t kPostgresMigrationLock = 0x6163637275652f4d;
inline constexpr int64_t kPostgresPackLock = 0x6163637275652f50;

}  // namespace accrue
