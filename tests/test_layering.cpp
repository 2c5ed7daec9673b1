// The dependency rule: core never includes Asio or spdlog (nor does any I/O of the network kind).
#include <catch2/catch.hpp>

#include <regex>

#include "support.hpp"

TEST_CASE("layering: core includes neither Asio nor spdlog", "[core][layering]") {
  // nor the layers above it, nor sockets
  const std::regex forbidden(
      R"(#\s*include\s*[<"](asio|spdlog|boost/asio|sys/socket|netinet|sqlite3|cablesim/(net|sim|store|report)/))");
  // the rule itself catches what it must
  CHECK(std::regex_search(std::string("#include <asio.hpp>"), forbidden));
  CHECK(std::regex_search(std::string("#include <spdlog/spdlog.h>"), forbidden));
  CHECK(std::regex_search(std::string("#include \"cablesim/net/frame.hpp\""), forbidden));
  CHECK_FALSE(std::regex_search(std::string("#include \"cablesim/core/station.hpp\""), forbidden));
  int files = 0;
  for (const auto* dir : {"src/core", "include/cablesim/core"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(cablesim::test::source_dir() / dir)) {
      if (!e.is_regular_file()) continue;
      ++files;
      const auto text = cablesim::test::read_file(e.path());
      INFO(e.path().string());
      CHECK_FALSE(std::regex_search(text, forbidden));
    }
  }
  CHECK(files > 0);
}
