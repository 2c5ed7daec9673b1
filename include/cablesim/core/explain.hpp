#pragma once
// A cable explained line by line in plain English, for students of message handling.

#include <string>

#include "cablesim/cable.pb.h"

namespace cablesim {

/// Each format line of the cable followed by an indented annotation saying what every prosign,
/// routing indicator, number and operating signal on it means.
std::string explain(const Cable& cable);

/// What an operating signal such as ZDK or ZFD means, or a generic description.
std::string operating_signal_meaning(const std::string& signal);

}  // namespace cablesim
