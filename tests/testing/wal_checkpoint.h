// Whether every frame of a SQLite database's WAL can be copied into the file: a passive
// checkpoint from a connection of the caller's copies all that no open snapshot still needs.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>

namespace accrue::testing {

// Runs passive checkpoints on `db` until one copies every frame, for up to `patience` (a reader
// may be in the middle of a read meanwhile). False if none did, or if the WAL is empty.
inline bool CheckpointCopiesEveryFrame(
    sqlite3* db, std::chrono::milliseconds patience = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    int frames = -1;
    int copied = -1;
    const int rc =
        sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK && frames > 0 && copied == frames) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
}

}  // namespace accrue::testing
