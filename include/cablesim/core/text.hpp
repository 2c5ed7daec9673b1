#pragma once
// Small text helpers that every layer uses: joining words, zero-padded numbers, edit distance,
// UTF-8 checks.

#include <string>
#include <string_view>
#include <vector>

namespace cablesim {

/// The words with `sep` between them: join({"RUEHC", "RUEHFR"}) == "RUEHC RUEHFR".
std::string join(const std::vector<std::string>& words, std::string_view sep = " ");

/// Letters to change, add or remove to turn a into b (99 for words over 30 letters).
int edit_distance(std::string_view a, std::string_view b);

/// The length of the well-formed UTF-8 sequence at s[i] (1 to 4: shortest form, no surrogates,
/// nothing above U+10FFFF), or 0 if none starts there.
std::size_t utf8_sequence(std::string_view s, std::size_t i);

/// Whether `s` is well-formed UTF-8 (ASCII 64 bytes at a time: cable text nearly always is).
bool valid_utf8(std::string_view s);

/// A number with leading zeros to `digits` (more digits are kept): zero_pad(7, 4) == "0007".
std::string zero_pad(unsigned value, unsigned digits);
/// The same, appended to `out` (no string of its own: message identities are made per cable).
void append_zero_pad(std::string& out, unsigned value, unsigned digits);

}  // namespace cablesim
