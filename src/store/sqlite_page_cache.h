// SQLite's own page cache (pcache1), wrapped so that truncating a cache costs what it drops.
//
// At the end of every write transaction SQLite truncates the connection's page cache to the
// database's size. pcache1 then visits every hash bucket of the cache whenever the largest page
// number it has held since the last truncate lies further past that size than it has buckets.
// A B-tree rebalance that swaps two new pages parks one of them at page 262,145 (the
// lock-byte page) for a moment, so on this project's databases that is nearly every commit; with
// a 256 MB cache the visit cost about a millisecond, a third of the HTTP writer's time under
// single-report POSTs.
//
// The wrapper remembers which page numbers each cache created. A truncate that drops a few of
// them discards exactly those (fetch, then unpin with discard: what pcache1's own truncate does
// to each page); one that drops many is passed to pcache1 as before. Everything else is passed
// through unchanged.
#pragma once

#include <sqlite3.h>

#include <cstdint>

namespace accrue {

// Installs the wrapper as SQLite's page cache. Must run before SQLite initializes (the first
// SqliteDb::Open calls it); returns false, leaving pcache1 alone, if SQLite already has.
bool InstallSqlitePageCache();

// The wrapper's methods, for tests to drive a cache directly (SQLite must be initialized).
const sqlite3_pcache_methods2& SqlitePageCacheMethods();

// Whether the wrapper is SQLite's page cache in this process.
bool SqlitePageCacheInstalled();

// Truncates since start: answered by discarding a few pages, and passed to pcache1.
struct SqlitePageCacheStats {
  int64_t by_page = 0;
  int64_t passed_on = 0;
};
SqlitePageCacheStats GetSqlitePageCacheStats();

}  // namespace accrue
