#include "cablesim/store/journal.hpp"

#include <sqlite3.h>

#include <map>
#include <set>
#include <stdexcept>

#include "cablesim/journal.pb.h"

namespace cablesim::store {

/// A prepared statement that finalizes itself; step() resets it for the next use.
class journal::statement {
 public:
  statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw journal_error(std::string("journal: ") + sqlite3_errmsg(db));
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement& text(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  /// `s` must live until the statement has run (it is not copied).
  statement& blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    return *this;
  }
  statement& integer(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      throw journal_error(std::string("journal: ") + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    return rc == SQLITE_ROW;
  }
  /// Run a statement that returns no rows, and make it ready for the next.
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string column_text(int i) const {
    const auto* p = sqlite3_column_blob(stmt_, i);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : "";
  }
  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

journal::journal(const std::filesystem::path& file, durability d) : file_(file) {
  if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw journal_error(file.string() + ": cannot open the journal: " + message);
  }
  // 16 KB pages: a copy of a 4 KB cable needs no overflow page, and a row of copies fewer (a
  // new journal only: an old one keeps its size; bench_journal compares them)
  exec("PRAGMA page_size=16384");
  exec("PRAGMA journal_mode=WAL");
  // a checkpoint each 64 MB of log: copies acknowledged meanwhile never reach the main file
  exec("PRAGMA wal_autocheckpoint=4000");

  // FULL: a committed batch survives a power loss, not only a crash of the process
  exec(d == durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  // the copies taken in charge in one commit are one row (a JournalBatch), written once and
  // deleted when the last of them is acknowledged; until then each acknowledged one is a row
  // in `dropped`
  exec("CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, copies BLOB NOT NULL)");
  exec(
      "CREATE TABLE IF NOT EXISTS dropped (batch INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (batch, id))"
      " WITHOUT ROWID");
  exec("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY)");
  exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  put_batch_ = std::make_unique<statement>(db_, "INSERT INTO batches (id, copies) VALUES (?,?)");
  drop_batch_ = std::make_unique<statement>(db_, "DELETE FROM batches WHERE id = ?");
  dropped_ = std::make_unique<statement>(db_, "INSERT OR IGNORE INTO dropped (batch, id) VALUES (?,?)");
  forget_dropped_ = std::make_unique<statement>(db_, "DELETE FROM dropped WHERE batch = ?");
  seen_ = std::make_unique<statement>(db_, "INSERT OR IGNORE INTO seen (key) VALUES (?)");
  counter_ = std::make_unique<statement>(db_, "INSERT OR REPLACE INTO counters (name, value) VALUES (?,?)");
}

journal::~journal() {
  put_batch_.reset();
  drop_batch_.reset();
  dropped_.reset();
  forget_dropped_.reset();
  seen_.reset();
  counter_.reset();
  sqlite3_close(db_);
}

/// One transaction: committed by commit(), rolled back if it is left before (a write threw).
class journal::transaction {
 public:
  explicit transaction(const journal& j) : j_(j) { j_.exec("BEGIN"); }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction() {
    if (open_) sqlite3_exec(j_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    j_.exec("COMMIT");
    open_ = false;
  }

 private:
  const journal& j_;
  bool open_ = true;
};

void journal::write(std::vector<journal_entry> batch) {
  if (batch.empty()) return;
  if (failed_) throw journal_error(file_.string() + ": journal: an earlier write failed");
  try {
    transaction t(*this);
    for (const auto b : dead_) forget_batch(b);  // found at load with nothing left in charge
    dead_.clear();
    // rows of at most `row_copies` copies: a row is written whole and deleted whole
    constexpr int row_copies = 256;
    int64_t b = next_batch_;
    JournalBatch copies;
    auto write_row = [&] {
      ++next_batch_;
      // (a row all acknowledged before it was written is not written; the blob lives till run)
      if (live_.count(b)) put_batch_->integer(1, b).blob(2, copies.SerializeAsString()).run();
      copies.Clear();
      b = next_batch_;
    };
    for (auto& entry : batch)
      std::visit(overloaded{
                     [&](journal_put& p) {
                       if (copies.copies_size() == row_copies) write_row();
                       lose(p.copy.journal_id, b, false);  // a copy put again (rerouted): this one counts
                       batch_of_[p.copy.journal_id] = b;
                       ++live_[b];
                       auto* c = copies.add_copies();
                       c->set_journal_id(p.copy.journal_id);
                       c->set_channel(p.channel);
                       c->set_precedence(p.copy.precedence);
                       c->set_message_id(p.copy.message_id);
                       for (const auto& s : p.copy.path) c->add_path(s);
                       // the body was checked for UTF-8 when the cable came: not again for the disk
                       c->set_body(std::move(*p.copy.cable->mutable_body()));
                       p.copy.cable->clear_body();
                       c->set_allocated_cable(p.copy.cable.release().release());
                     },
                     [&](const journal_drop& d) { lose(d.journal_id, b, true); },
                     [&](const journal_seen& k) { seen_->text(1, k.key).run(); },
                     [&](const journal_counter& c) {
                       counter_->text(1, counter_name(c.key)).integer(2, static_cast<int64_t>(c.value)).run();
                     },
                 },
                 entry);
    if (copies.copies_size()) write_row();
    // the acknowledged copies of rows still in charge of others: a row that went whole needs none
    for (const auto& [row, ids] : acknowledged_)
      if (live_.count(row))
        for (const auto id : ids) dropped_->integer(1, row).integer(2, static_cast<int64_t>(id)).run();
    acknowledged_.clear();
    t.commit();
  } catch (const journal_error&) {
    failed_ = true;  // what it holds in memory is no longer what the disk holds
    throw;
  }
}

void journal::lose(uint64_t journal_id, int64_t current, bool acknowledged) {
  const auto it = batch_of_.find(journal_id);
  if (it == batch_of_.end()) return;
  const auto b = it->second;
  batch_of_.erase(it);
  if (--live_[b] > 0) {
    // a put again needs no row: the newest put of a copy is the one a restart takes
    if (acknowledged) acknowledged_[b].push_back(journal_id);
    return;
  }
  live_.erase(b);
  if (b != current) forget_batch(b);
}

void journal::forget_batch(int64_t b) {
  drop_batch_->integer(1, b).run();
  forget_dropped_->integer(1, b).run();
}

void journal::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw journal_error(file_.string() + ": journal: " + message);
  }
}

journal::contents journal::load() {
  contents c;
  batch_of_.clear();
  live_.clear();
  dead_.clear();
  // the newest put of each copy, unless acknowledged since
  std::map<uint64_t, std::pair<int64_t, JournalCopy>> newest;
  statement batches(db_, "SELECT id, copies FROM batches ORDER BY id");
  while (batches.step()) {
    const auto b = batches.column_int(0);
    next_batch_ = std::max(next_batch_, b + 1);
    JournalBatch copies;
    if (!copies.ParseFromString(batches.column_text(1)))
      throw journal_error(file_.string() + ": journal batch " + std::to_string(b) +
                          " cannot be read; the journal is damaged");
    live_[b] = 0;  // until a copy in it is found in charge
    for (auto& copy : *copies.mutable_copies()) {
      const auto id = copy.journal_id();  // (the right of an = goes first: not after the move)
      newest[id] = {b, std::move(copy)};
    }
  }
  std::set<std::pair<int64_t, uint64_t>> acknowledged;
  statement dropped(db_, "SELECT batch, id FROM dropped");
  while (dropped.step()) acknowledged.emplace(dropped.column_int(0), static_cast<uint64_t>(dropped.column_int(1)));
  for (auto& [id, found] : newest) {
    auto& [b, copy] = found;
    if (acknowledged.count({b, id})) continue;
    batch_of_[id] = b;
    ++live_[b];
    queued_copy q;
    q.journal_id = id;
    q.precedence = copy.precedence();
    q.message_id = copy.message_id();
    q.path.assign(copy.path().begin(), copy.path().end());
    *q.cable = std::move(*copy.mutable_cable());
    *q.cable->mutable_body() = std::move(*copy.mutable_body());
    c.pending.emplace_back(copy.channel(), std::move(q));
  }
  for (auto it = live_.begin(); it != live_.end();)
    if (it->second == 0) {
      dead_.push_back(it->first);  // forgotten at the next write
      it = live_.erase(it);
    } else {
      ++it;
    }
  statement seen(db_, "SELECT key FROM seen");
  while (seen.step()) c.seen.push_back(seen.column_text(0));
  statement counters(db_, "SELECT name, value FROM counters");
  while (counters.step())
    if (auto key = counter_from_name(counters.column_text(0)))
      c.counters.emplace_back(std::move(*key), static_cast<uint64_t>(counters.column_int(1)));
  return c;
}

journal_committer::journal_committer(std::unique_ptr<journal> j) : journal_(std::move(j)), thread_([this] { run(); }) {}

journal_committer::~journal_committer() {
  {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return !busy_ && !telling_; });  // `done` may use its owner
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void journal_committer::begin(std::vector<journal_entry> batch, std::function<void(std::exception_ptr)> done) {
  {
    std::lock_guard lock(m_);
    batch_ = std::move(batch);
    done_ = std::move(done);
    busy_ = true;
  }
  cv_.notify_all();
}

std::exception_ptr journal_committer::wait() {
  std::unique_lock lock(m_);
  cv_.wait(lock, [&] { return !busy_; });
  return error_;
}

void journal_committer::run() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [&] { return busy_ || stopping_; });
    if (!busy_) return;
    auto batch = std::move(batch_);
    auto done = std::move(done_);
    lock.unlock();
    std::exception_ptr error;
    try {
      journal_->write(std::move(batch));
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    error_ = error;
    busy_ = false;
    telling_ = true;  // the next commit may begin from `done`, or as soon as it has run
    lock.unlock();
    cv_.notify_all();
    done(error);
    lock.lock();
    telling_ = false;
    cv_.notify_all();
  }
}

}  // namespace cablesim::store
