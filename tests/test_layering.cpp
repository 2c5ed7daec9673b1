// The dependency rule: core never includes Asio or spdlog (nor does any I/O of the network kind).
#include <catch2/catch.hpp>

#include <regex>

#include "support.hpp"

TEST_CASE("layering: core includes neither Asio nor spdlog", "[core][layering]") {
  const std::regex forbidden(R"(#\s*include\s*[<"](asio|spdlog|boost/asio|sys/socket|netinet))");
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
