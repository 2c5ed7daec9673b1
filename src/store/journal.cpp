#include "cablesim/store/journal.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "cablesim/core/text.hpp"

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
  statement& blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
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

namespace {

std::vector<std::string> split_path(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const auto sp = s.find(' ', start);
    out.push_back(s.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
    if (sp == std::string::npos) break;
    start = sp + 1;
  }
  return out;
}

}  // namespace

journal::journal(const std::filesystem::path& file, durability d) : file_(file) {
  if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw journal_error(file.string() + ": cannot open the journal: " + message);
  }
  exec("PRAGMA journal_mode=WAL");

  // FULL: a committed batch survives a power loss, not only a crash of the process
  exec(d == durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec(
      "CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, precedence INTEGER,"
      " message_id TEXT, path TEXT, cable BLOB NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY)");
  exec("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  put_ = std::make_unique<statement>(
      db_, "INSERT OR REPLACE INTO pending (id, channel, precedence, message_id, path, cable) VALUES (?,?,?,?,?,?)");
  drop_ = std::make_unique<statement>(db_, "DELETE FROM pending WHERE id = ?");
  seen_ = std::make_unique<statement>(db_, "INSERT OR IGNORE INTO seen (key) VALUES (?)");
  counter_ = std::make_unique<statement>(db_, "INSERT OR REPLACE INTO counters (name, value) VALUES (?,?)");
}

journal::~journal() {
  put_.reset();
  drop_.reset();
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

void journal::write(const std::vector<journal_entry>& batch) {
  if (batch.empty()) return;
  transaction t(*this);
  for (const auto& entry : batch)
    std::visit(overloaded{
                   [&](const journal_put& p) { put(p.channel, p.copy); },
                   [&](const journal_drop& d) { drop(d.journal_id); },
                   [&](const journal_seen& k) { seen(k.key); },
                   [&](const journal_counter& c) { counter(c.key, c.value); },
               },
               entry);
  t.commit();
}

void journal::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw journal_error(file_.string() + ": journal: " + message);
  }
}

void journal::put(const std::string& channel, const queued_copy& copy) {
  put_->integer(1, static_cast<int64_t>(copy.journal_id))
      .text(2, channel)
      .integer(3, copy.precedence)
      .text(4, copy.message_id)
      .text(5, join(copy.path))
      .blob(6, copy.cable->SerializeAsString())
      .run();
}

void journal::drop(uint64_t journal_id) { drop_->integer(1, static_cast<int64_t>(journal_id)).run(); }

void journal::seen(const std::string& key) { seen_->text(1, key).run(); }

void journal::counter(const counter_key& key, uint64_t value) {
  counter_->text(1, counter_name(key)).integer(2, static_cast<int64_t>(value)).run();
}

journal::contents journal::load() const {
  contents c;
  statement pending(db_, "SELECT id, channel, precedence, message_id, path, cable FROM pending ORDER BY id");
  while (pending.step()) {
    queued_copy q;
    q.journal_id = static_cast<uint64_t>(pending.column_int(0));
    q.precedence = static_cast<Precedence>(pending.column_int(2));
    q.message_id = pending.column_text(3);
    q.path = split_path(pending.column_text(4));
    if (!q.cable->ParseFromString(pending.column_text(5)))
      throw journal_error(file_.string() + ": journal row " + std::to_string(q.journal_id) +
                          " holds a cable that cannot be read; the journal is damaged");
    c.pending.emplace_back(pending.column_text(1), std::move(q));
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
      journal_->write(batch);
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
