#include "cablesim/store/journal.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <map>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/station.hpp"
#include "decisions.hpp"
#include "support.hpp"

using namespace cablesim;
namespace fs = std::filesystem;

TEST_CASE("journal: what a station holds survives a restart", "[store][journal]") {
  const auto dir = fs::temp_directory_path() / ("cablesim_journal_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto p = test::source_dir() / "topologies" / "seed.textproto";
  const auto topo = topology::load(test::read_file(p), p.string());
  const auto seed = acp127::parse(test::read_file(test::seed_cable())).cable;

  {
    store::journal j(dir / "RUEHRO.journal");
    station rome(topo, "RUEHRO");  // its channel is not up: the copy waits
    rome.keep_journal(true);
    decision out;
    REQUIRE(rome.file(seed, sim_time{}, out).ok);
    CHECK(test::count_of<journal_put>(out) == 1);
    j.write(out.journal);
  }
  store::journal j(dir / "RUEHRO.journal");
  const auto kept = j.load();
  REQUIRE(kept.pending.size() == 1);
  CHECK(kept.pending[0].first == "RUEHEUR");
  CHECK(kept.pending[0].second.message_id == "RUEHRO-1919-2531426");
  CHECK(kept.pending[0].second.cable->routing_line().routing_indicators_size() == 7);
  CHECK(kept.seen.size() == 7);

  station rome(topo, "RUEHRO");
  rome.keep_journal(true);
  for (auto key : kept.seen) rome.restore_seen(key);
  rome.restore(kept.pending[0].first, kept.pending[0].second);
  CHECK(rome.queued("RUEHEUR") == 1);
  decision out;
  rome.channel_up("RUEHEUR", sim_time{}, out);
  const auto started = test::of_kind<start_transmission>(out);
  REQUIRE(started.size() == 1);
  const auto serial = started[0].frame.channel_serial();
  rome.transmission_done("RUEHEUR", serial, sim_time{}, out);
  out.clear();
  rome.acknowledged("RUEHEUR", serial, sim_time{}, out);
  CHECK(test::count_of<journal_drop>(out) == 1);
  j.write(out.journal);
  CHECK(j.load().pending.empty());
  // filing it again after the restart: a duplicate, nothing new to send
  out.clear();
  REQUIRE(rome.file(seed, sim_time{}, out).ok);
  CHECK(test::count_of<journal_put>(out) == 0);
  fs::remove_all(dir);
}

TEST_CASE("journal: group commits of many copies, some acknowledged, some put again, survive a restart exactly",
          "[store][journal]") {
  const auto dir = fs::temp_directory_path() / ("cablesim_journal_groups_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto file = dir / "RUEHEUR.journal";
  queued_copy q;
  *q.cable = acp127::parse(test::read_file(test::seed_cable())).cable;
  // the copies in charge, as the journal should give them back: id -> channel
  std::map<uint64_t, std::string> expected;
  {
    store::journal j(file);
    uint64_t id = 0;
    for (int commit = 0; commit < 6; ++commit) {
      std::vector<journal_entry> batch;
      // 300 arrivals a commit: more than one row of copies
      for (int i = 0; i < 300; ++i) {
        q.journal_id = ++id;
        q.message_id = "M" + std::to_string(id);
        batch.emplace_back(journal_put{"RUEHFR", q});
        expected[id] = "RUEHFR";
      }
      // the commit before acknowledged, all but every tenth; every seventh of those put again
      // on another channel (rerouted)
      for (uint64_t k = id - 599; commit > 0 && k <= id - 300; ++k) {
        if (k % 10 == 0) continue;
        batch.emplace_back(journal_drop{k});
        expected.erase(k);
      }
      for (uint64_t k = id - 599; commit > 0 && k <= id - 300; k += 70) {
        q.journal_id = k;
        q.message_id = "M" + std::to_string(k);
        batch.emplace_back(journal_put{"RUEHLO", q});
        expected[k] = "RUEHLO";
      }
      // and one arrival acknowledged in the same commit
      batch.emplace_back(journal_drop{id});
      expected.erase(id);
      j.write(std::move(batch));
    }
  }
  store::journal j(file);
  const auto kept = j.load();
  std::map<uint64_t, std::string> found;
  for (const auto& [channel, copy] : kept.pending) {
    CHECK(copy.message_id == "M" + std::to_string(copy.journal_id));
    CHECK(copy.cable->body() == q.cable->body());  // the body is kept beside the cable, and back
    found[copy.journal_id] = channel;
  }
  CHECK(kept.pending.size() == found.size());  // each once
  CHECK(found == expected);
  fs::remove_all(dir);
}

TEST_CASE("journal: a path that cannot be opened is a clear error", "[store][journal]") {
  try {
    store::journal j("/nonexistent-dir/x.journal");
    FAIL("opened");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("/nonexistent-dir/x.journal: cannot open the journal") != std::string::npos);
  }
}

TEST_CASE("journal: a row that cannot be read stops the load with an error, never a silent skip", "[store][journal]") {
  const auto dir = fs::temp_directory_path() / ("cablesim_journal_damaged_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto file = dir / "RUEHRO.journal";
  {
    store::journal j(file);
    queued_copy q;
    *q.cable = acp127::parse(test::read_file(test::seed_cable())).cable;
    q.journal_id = 7;
    j.write({journal_put{"RUEHEUR", q}});
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE batches SET copies = X'FFFFFFFF'", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  store::journal j(file);
  try {
    (void)j.load();
    FAIL("a damaged row was skipped");
  } catch (const store::journal_error& e) {
    CHECK(std::string(e.what()).find("journal batch 1 cannot be read; the journal is damaged") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("journal: a restarted post goes on numbering where it was: no message id, no channel serial again",
          "[store][journal]") {
  const auto dir = fs::temp_directory_path() / ("cablesim_journal_numbers_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto p = test::source_dir() / "topologies" / "seed.textproto";
  const auto topo = topology::load(test::read_file(p), p.string());
  const auto draft =
      acp127::parse(test::read_file(test::source_dir() / "tests" / "data" / "cables" / "routine_draft.txt"),
                    {.allow_draft = true})
          .cable;
  const auto now = *parse_iso8601(topo.proto().epoch());
  // one life of the post: file a draft, send it, and note its id and channel serial
  auto life = [&] {
    store::journal j(dir / "RUEHRO.journal");
    station rome(topo, "RUEHRO");
    rome.keep_journal(true);
    const auto kept = j.load();
    for (const auto& [key, value] : kept.counters) rome.restore_counter(key, value);
    for (const auto& key : kept.seen) rome.restore_seen(key);
    decision out;
    const auto filed = rome.file(draft, now, out);
    rome.channel_up("RUEHEUR", now, out);
    j.write(out.journal);
    uint32_t serial = 0;
    for (const auto& s : test::of_kind<start_transmission>(out)) serial = s.frame.channel_serial();
    return std::pair{filed.message_id, serial};
  };
  const auto first = life();
  const auto second = life();  // the same draft, filed in the same minute after a restart
  CHECK(first.first == "RUEHRO-0001-2531400");
  CHECK(second.first == "RUEHRO-0002-2531400");
  CHECK(first.second == 1);
  CHECK(second.second == 2);
  fs::remove_all(dir);
}
