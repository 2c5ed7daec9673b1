// The dependency rule: core never includes Asio or spdlog (nor does any I/O of the network
// kind), and each layer includes only the layers below it.
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>

#include "support.hpp"

namespace {

/// Every source and header file of a layer.
std::vector<std::filesystem::path> files_of(const std::string& layer) {
  std::vector<std::filesystem::path> out;
  for (const auto& dir : {"src/" + layer, "include/cablesim/" + layer}) {
    const auto root = cablesim::test::source_dir() / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("layering: core includes neither Asio nor spdlog", "[core][layering]") {
  // nor the layers above it, nor sockets
  const std::regex forbidden(
      R"(#\s*include\s*[<"](asio|spdlog|boost/asio|sys/socket|netinet|sqlite3|cablesim/(net|sim|store|report)/))");
  // the rule itself catches what it must
  CHECK(std::regex_search(std::string("#include <asio.hpp>"), forbidden));
  CHECK(std::regex_search(std::string("#include <spdlog/spdlog.h>"), forbidden));
  CHECK(std::regex_search(std::string("#include \"cablesim/net/frame.hpp\""), forbidden));
  CHECK_FALSE(std::regex_search(std::string("#include \"cablesim/core/station.hpp\""), forbidden));
  const auto files = files_of("core");
  CHECK(files.size() > 10);
  for (const auto& f : files) {
    INFO(f.string());
    CHECK_FALSE(std::regex_search(cablesim::test::read_file(f), forbidden));
  }
}

TEST_CASE("layering: each layer includes only the layers below it", "[core][layering]") {
  // cli -> sim -> net -> store -> core, sim -> report -> core (README, DESIGN.md)
  const std::map<std::string, std::set<std::string>> may_include{
      {"core", {"core"}},
      {"store", {"store", "core"}},
      {"net", {"net", "store", "core"}},
      {"report", {"report", "core"}},
      {"sim", {"sim", "net", "store", "report", "core"}},
  };
  const std::regex include(R"re(#\s*include\s*[<"]cablesim/(\w+)/)re");
  // the rule itself catches what it must
  std::smatch m;
  const std::string sample = "#include \"cablesim/sim/network.hpp\"";
  REQUIRE(std::regex_search(sample, m, include));
  CHECK(m[1] == "sim");
  CHECK_FALSE(may_include.at("net").count(m[1]));
  for (const auto& [layer, allowed] : may_include) {
    const auto files = files_of(layer);
    CHECK_FALSE(files.empty());
    for (const auto& f : files) {
      const auto text = cablesim::test::read_file(f);
      for (auto it = std::sregex_iterator(text.begin(), text.end(), include); it != std::sregex_iterator(); ++it) {
        INFO(f.string() << " includes cablesim/" << (*it)[1]);
        CHECK(allowed.count((*it)[1]));
      }
    }
  }
}
