#include "cablesim/store/files.hpp"

#include <fstream>
#include <sstream>

namespace cablesim::store {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(ss).str();
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    if (!out) throw std::filesystem::filesystem_error("cannot write", tmp, std::make_error_code(std::errc::io_error));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace cablesim::store
