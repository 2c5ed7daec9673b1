#pragma once
// Reading a whole file, and writing a small one whole: the one place that does each.

#include <filesystem>
#include <optional>
#include <string>

namespace cablesim::store {

/// The bytes of a file; nothing when it cannot be read (missing, unreadable, a folder).
std::optional<std::string> read_file(const std::filesystem::path& path);

/// Write `content` to a file beside `path`, then rename it there: a reader sees all of it or
/// nothing (a port file that another process is waiting for). Creates the folder. Throws
/// std::filesystem::filesystem_error when it cannot.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace cablesim::store
