#pragma once
// The station journal (SQLite, WAL): the copies a station has taken in charge and not yet seen
// acknowledged by the next station, and the (message, RI) pairs it has handled. A station that
// restarts with its journal loses no cable it accepted and delivers none twice.

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cablesim/core/precedence_queue.hpp"

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
  /// Open (creating if needed) the journal file. Throws journal_error with the path and
  /// SQLite's message when it cannot.
  explicit journal(const std::filesystem::path& file);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  void put(const std::string& channel, const queued_copy& copy);
  void drop(uint64_t journal_id);
  void seen(const std::string& key);

  struct contents {
    std::vector<std::pair<std::string, queued_copy>> pending;  // channel, copy; oldest first
    std::vector<std::string> seen;
  };
  contents load() const;

 private:
  void exec(const char* sql) const;
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

}  // namespace cablesim::store
