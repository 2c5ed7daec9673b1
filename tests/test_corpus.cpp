// Every real cable of ../shared/corpus: parse, reproduce the heading, round-trip.
#include "cablesim/core/acp127.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <vector>

#include "support.hpp"

using namespace cablesim;

namespace {

std::vector<std::string> split_csv_line(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        field += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"')
      quoted = true;
    else if (c == ',')
      out.push_back(field), field.clear();
    else
      field += c;
  }
  out.push_back(field);
  return out;
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(rtrim(l));
  return out;
}

struct index_row {
  std::string id, tid, de_line, security_line, dtg_line;
  int n_to = 0, n_info = 0;
  bool full_header = false;
};

std::map<std::string, index_row> read_index(const std::filesystem::path& csv) {
  std::map<std::string, index_row> rows;
  std::istringstream in(test::read_file(csv));
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  REQUIRE(std::find(header.begin(), header.end(), "full_header") != header.end());
  auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  while (std::getline(in, line)) {
    const auto f = split_csv_line(line);
    REQUIRE(f.size() == header.size());
    index_row r;
    r.id = f[col("reference_id")];
    r.tid = f[col("tid")];
    r.de_line = f[col("de_line")];
    r.security_line = f[col("security_line")];
    r.dtg_line = f[col("dtg_line")];
    r.n_to = std::stoi(f[col("n_to")]);
    r.n_info = std::stoi(f[col("n_info")]);
    r.full_header = f[col("full_header")] == "1";
    rows[r.id] = r;
  }
  return rows;
}

}  // namespace

TEST_CASE("corpus: every real cable parses, reproduces its heading and round-trips", "[core][acp127][corpus]") {
  const auto corpus = test::corpus_dir();
  if (corpus.empty()) return test::skipped("../shared/corpus is absent");
  const auto index = read_index(corpus / "index.csv");
  const auto files = std::distance(std::filesystem::directory_iterator(corpus / "cables"), {});
  REQUIRE(index.size() == static_cast<std::size_t>(files));  // the index describes every cable
  const auto headed = std::count_if(index.begin(), index.end(), [](const auto& kv) { return kv.second.full_header; });
  REQUIRE(headed > 0);

  int with_heading = 0, without_heading = 0;
  std::map<int, int> forms;
  for (const auto& entry : std::filesystem::directory_iterator(corpus / "cables")) {
    const auto id = entry.path().stem().string();
    INFO(id);
    REQUIRE(index.count(id) == 1);
    const auto& row = index.at(id);
    const auto text = test::read_file(entry.path());
    const auto r = acp127::parse(text);
    if (!row.full_header) {
      // the other forms the archive holds: as filed (from FL5 on, some as printed at the
      // receiving post) or the text alone; each parses and renders back as it came
      ++without_heading;
      INFO((r.error ? r.error->format(entry.path().string()) : ""));
      REQUIRE(r);
      CHECK(r.cable.form() != TRANSMITTED);
      ++forms[r.cable.form()];
      CHECK(acp127::render(r.cable) == text);
      if (r.cable.form() == AS_FILED) {
        CHECK(r.cable.action_size() == row.n_to);
        // (a copy printed at the receiving post lists only the addressees on its first page)
        const bool printed = r.cable.distribution().info_size() > 0;
        if (!printed) CHECK(r.cable.information_size() == row.n_info);
        CHECK(acp127::render_heading(r.cable).starts_with(row.dtg_line + "\n"));
      }
      continue;
    }
    ++with_heading;
    INFO((r.error ? r.error->format(entry.path().string()) : ""));
    REQUIRE(r);
    const auto& c = r.cable;
    CHECK(c.action_size() == row.n_to);
    CHECK(c.information_size() == row.n_info);

    // The heading: from the FL1 line to the FM line plus the TO and INFO lines the index counted.
    const auto original = lines_of(text);
    const auto fl1 = static_cast<std::size_t>(
        std::find_if(original.begin(), original.end(), [](const std::string& l) { return l.starts_with("VZCZC"); }) -
        original.begin());
    std::size_t fm = fl1;
    while (fm < original.size() && !original[fm].starts_with("FM ")) ++fm;
    REQUIRE(fm < original.size());
    const std::vector<std::string> expected(original.begin() + static_cast<long>(fl1),
                                            original.begin() + static_cast<long>(fm + 1 + row.n_to + row.n_info));
    const auto rendered = lines_of(acp127::render_heading(c));
    CHECK(rendered == expected);
    CHECK(std::find(rendered.begin(), rendered.end(), rtrim(row.de_line)) != rendered.end());
    CHECK(std::find(rendered.begin(), rendered.end(), rtrim(row.security_line)) != rendered.end());
    CHECK(std::find(rendered.begin(), rendered.end(), rtrim(row.dtg_line)) != rendered.end());

    const auto again = acp127::parse(acp127::render(c));
    REQUIRE(again);
    CHECK(again.cable.SerializeAsString() == c.SerializeAsString());
  }
  CHECK(with_heading == headed);
  CHECK(without_heading == files - headed);
  CHECK(forms[AS_FILED] > 0);
  CHECK(forms[TEXT_ONLY] > 0);
  std::cout << "corpus: " << with_heading << " cables as transmitted, " << forms[AS_FILED] << " as filed, "
            << forms[TEXT_ONLY] << " text only; all parse and render back as they came" << std::endl;
}
