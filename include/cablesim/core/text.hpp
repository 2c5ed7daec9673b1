#pragma once
// Small text helpers that every layer uses: joining words, zero-padded numbers, edit distance.

#include <string>
#include <string_view>
#include <vector>

namespace cablesim {

/// The words with `sep` between them: join({"RUEHC", "RUEHFR"}) == "RUEHC RUEHFR".
std::string join(const std::vector<std::string>& words, std::string_view sep = " ");

/// Letters to change, add or remove to turn a into b (99 for words over 30 letters).
int edit_distance(std::string_view a, std::string_view b);

/// A number with leading zeros to `digits` (more digits are kept): zero_pad(7, 4) == "0007".
std::string zero_pad(unsigned value, unsigned digits);

}  // namespace cablesim
