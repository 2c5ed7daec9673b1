#pragma once
// The station journal (SQLite, WAL): the copies a station has taken in charge and not yet seen
// acknowledged by the next station, the (message, RI) pairs it has handled, and its counters
// (station and channel serials). A station that restarts with its journal loses no cable it
// accepted, delivers none twice and reuses no number.
//
// Writes come in batches, one per decision of the station (a filing, a frame): a batch is one
// transaction, committed (synchronous=FULL: on the disk, not only in the OS) before anything
// that the decision sends, such as the acknowledgment that takes a copy in charge.

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cablesim/core/journal_image.hpp"
#include "cablesim/core/station.hpp"

struct sqlite3;

namespace cablesim::store {

/// The journal cannot keep what it must (I/O error, a full disk, a corrupt row). A station
/// whose journal fails stops: it can no longer promise not to lose what it acknowledges.
class journal_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Every copy a station has in its charge and every message it has handled, in SQLite.
class journal {
 public:
  /// How far a commit goes before it returns.
  enum class durability {
    full,    // on the disk (fsync at every commit): survives a power loss; the default
    normal,  // in the OS: survives a crash of the process, may lose the last commits on power loss
  };

  /// Open (creating if needed) the journal file. Throws journal_error with the path and
  /// SQLite's message when it cannot.
  explicit journal(const std::filesystem::path& file, durability d = durability::full);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Write a journal batch (of one decision of the station, or of all those a group commit
  /// holds) in one transaction, and commit it. Throws journal_error when it cannot; then nothing
  /// of the batch is kept, and the journal writes nothing more.
  void write(std::vector<journal_entry> batch);

  /// What the journal holds.
  using contents = journal_contents;
  contents load();

 private:
  class statement;
  class transaction;
  /// The copy `journal_id` is no longer in charge where it was (acknowledged, or put again
  /// in the batch `current`).
  void lose(uint64_t journal_id, int64_t current, bool acknowledged);
  void forget_batch(int64_t batch);
  void exec(const char* sql) const;
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
  // prepared once
  std::unique_ptr<statement> put_batch_, drop_batch_, dropped_, forget_dropped_, seen_, counter_;
  // The copies taken in charge in one commit are one row of `batches`, until none of them is
  // in charge: where each copy in charge is, and how many each batch still holds.
  std::unordered_map<uint64_t, int64_t> batch_of_;
  std::unordered_map<int64_t, std::size_t> live_;
  std::vector<int64_t> dead_;                                        // batches found at load with no copy in charge
  std::unordered_map<int64_t, std::vector<uint64_t>> acknowledged_;  // in this write, by batch
  int64_t next_batch_ = 1;
  bool failed_ = false;
};

/// A journal written on a thread of its own, a commit at a time, so that its station goes on
/// deciding while a commit is on its way to the disk (group commit: the next one holds all that
/// was decided meanwhile).
class journal_committer {
 public:
  explicit journal_committer(std::unique_ptr<journal> j);
  /// Waits for the commit under way.
  ~journal_committer();
  journal_committer(const journal_committer&) = delete;
  journal_committer& operator=(const journal_committer&) = delete;

  /// Start committing `batch` (nothing else may be under way); `done` runs on the committer's
  /// thread once it is on the disk, with the journal_error if it failed.
  void begin(std::vector<journal_entry> batch, std::function<void(std::exception_ptr)> done);
  /// Wait for the commit under way, if any; returns its error.
  std::exception_ptr wait();

 private:
  void run();
  std::unique_ptr<journal> journal_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<journal_entry> batch_;
  std::function<void(std::exception_ptr)> done_;
  std::exception_ptr error_;
  bool busy_ = false, telling_ = false, stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace cablesim::store
