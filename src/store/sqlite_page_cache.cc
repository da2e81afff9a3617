#include "store/sqlite_page_cache.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <new>
#include <vector>

namespace accrue {
namespace {

sqlite3_pcache_methods2 pcache1;  // SQLite's own, which every call ends in
std::atomic<bool> installed{false};
std::atomic<int64_t> by_page{0};
std::atomic<int64_t> passed_on{0};

// A truncate that would drop more pages than this goes to pcache1 (it scans at most every
// bucket once, which beats that many single lookups).
constexpr size_t kFewPages = 64;
// Page numbers past this (a 256 GB database of 4 KB pages) are not tracked: the cache's
// truncates then all go to pcache1.
constexpr unsigned kMaxTracked = 1u << 26;

// One connection's cache. `created` has a bit for each page number pcache1 was asked to create
// since the last truncate past it; a bit may be stale (pcache1 recycles unpinned pages without
// telling), never missing, so every page at or past a truncate's limit is found.
struct Cache {
  sqlite3_pcache* inner = nullptr;
  std::vector<uint64_t> created;
  unsigned max_key = 0;  // no page past it was created
  bool untracked = false;

  void Note(unsigned key) {
    if (untracked) return;
    if (key >= kMaxTracked) {
      untracked = true;
      return;
    }
    const size_t word = key / 64;
    if (word >= created.size()) {
      try {
        created.resize(std::max(word + 1, created.size() * 2), 0);
      } catch (const std::bad_alloc&) {
        untracked = true;
        return;
      }
    }
    created[word] |= uint64_t{1} << (key % 64);
    max_key = std::max(max_key, key);
  }

  // The tracked keys from `from` on, in order, into `keys`: all of them if there are at most
  // keys->size(); otherwise returns false, having filled it.
  template <size_t N>
  bool Collect(unsigned from, std::array<unsigned, N>* keys, size_t* count) const {
    *count = 0;
    for (size_t word = from / 64; word <= max_key / 64 && word < created.size(); ++word) {
      uint64_t bits = created[word];
      if (word == from / 64) bits &= ~uint64_t{0} << (from % 64);
      for (; bits != 0; bits &= bits - 1) {
        if (*count == N) return false;
        (*keys)[(*count)++] = static_cast<unsigned>(word * 64 + std::countr_zero(bits));
      }
    }
    return true;
  }

  // Forgets every tracked key from `from` on.
  void ClearFrom(unsigned from) {
    const size_t first = from / 64;
    if (first < created.size()) {
      created[first] &= ~(~uint64_t{0} << (from % 64));
      std::fill(created.begin() + static_cast<std::ptrdiff_t>(first) + 1, created.end(), 0);
    }
    max_key = from == 0 ? 0 : std::min(max_key, from - 1);
  }
};

Cache* Of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int Init(void*) { return pcache1.xInit(pcache1.pArg); }
void Shutdown(void*) { pcache1.xShutdown(pcache1.pArg); }

sqlite3_pcache* Create(int page_size, int extra, int purgeable) {
  sqlite3_pcache* inner = pcache1.xCreate(page_size, extra, purgeable);
  if (inner == nullptr) return nullptr;
  auto* cache = new (std::nothrow) Cache;
  if (cache == nullptr) {
    pcache1.xDestroy(inner);
    return nullptr;
  }
  cache->inner = inner;
  return reinterpret_cast<sqlite3_pcache*>(cache);
}

void Cachesize(sqlite3_pcache* p, int pages) { pcache1.xCachesize(Of(p)->inner, pages); }
int Pagecount(sqlite3_pcache* p) { return pcache1.xPagecount(Of(p)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  Cache* cache = Of(p);
  sqlite3_pcache_page* page = pcache1.xFetch(cache->inner, key, create);
  if (page != nullptr && create != 0) cache->Note(key);
  return page;
}

void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
  pcache1.xUnpin(Of(p)->inner, page, discard);
}

void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  Cache* cache = Of(p);
  pcache1.xRekey(cache->inner, page, old_key, new_key);
  cache->Note(new_key);
}

void Truncate(sqlite3_pcache* p, unsigned limit) {
  Cache* cache = Of(p);
  if (cache->untracked) {
    passed_on.fetch_add(1, std::memory_order_relaxed);
    return pcache1.xTruncate(cache->inner, limit);
  }
  if (limit > cache->max_key) return;  // nothing at or past the limit was created
  std::array<unsigned, kFewPages> keys;
  size_t count = 0;
  if (cache->Collect(limit, &keys, &count)) {
    by_page.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < count; ++i) {
      // Pinned or not, the page is pinned by the fetch and freed by the unpin.
      if (sqlite3_pcache_page* page = pcache1.xFetch(cache->inner, keys[i], 0)) {
        pcache1.xUnpin(cache->inner, page, 1);
      }
    }
  } else {
    passed_on.fetch_add(1, std::memory_order_relaxed);
    pcache1.xTruncate(cache->inner, limit);
  }
  cache->ClearFrom(limit);
}

void Destroy(sqlite3_pcache* p) {
  Cache* cache = Of(p);
  pcache1.xDestroy(cache->inner);
  delete cache;
}

void Shrink(sqlite3_pcache* p) { pcache1.xShrink(Of(p)->inner); }

const sqlite3_pcache_methods2 kWrapper = {1,         nullptr,   Init,  Shutdown, Create,
                                          Cachesize, Pagecount, Fetch, Unpin,    Rekey,
                                          Truncate,  Destroy,   Shrink};

}  // namespace

bool InstallSqlitePageCache() {
  if (installed.load()) return true;
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &pcache1) != SQLITE_OK) return false;
  if (sqlite3_config(SQLITE_CONFIG_PCACHE2, &kWrapper) != SQLITE_OK) return false;
  installed.store(true);
  return true;
}

const sqlite3_pcache_methods2& SqlitePageCacheMethods() { return kWrapper; }

bool SqlitePageCacheInstalled() { return installed.load(); }

SqlitePageCacheStats GetSqlitePageCacheStats() {
  return {by_page.load(std::memory_order_relaxed), passed_on.load(std::memory_order_relaxed)};
}

}  // namespace accrue
