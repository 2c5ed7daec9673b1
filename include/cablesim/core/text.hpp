#pragma once
// Small text helpers that every layer uses: joining words, zero-padded numbers.

#include <string>
#include <string_view>
#include <vector>

namespace cablesim {

/// The words with `sep` between them: join({"RUEHC", "RUEHFR"}) == "RUEHC RUEHFR".
std::string join(const std::vector<std::string>& words, std::string_view sep = " ");

/// A number with leading zeros to `digits` (more digits are kept): zero_pad(7, 4) == "0007".
std::string zero_pad(unsigned value, unsigned digits);

}  // namespace cablesim
