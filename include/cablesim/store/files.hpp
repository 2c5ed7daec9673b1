#pragma once
// Reading a whole file: the one place that does it.

#include <filesystem>
#include <optional>
#include <string>

namespace cablesim::store {

/// The bytes of a file; nothing when it cannot be read (missing, unreadable, a folder).
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace cablesim::store
