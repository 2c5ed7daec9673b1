#pragma once
// Precedence prosigns and words, their order, and ACP 127's speed-of-service objectives.

#include <chrono>
#include <optional>
#include <string_view>

#include "cablesim/cable.pb.h"

namespace cablesim {

/// The single-letter prosign of a precedence: Z, O, P, R (Y for FLASH OVERRIDE).
char precedence_prosign(Precedence p);

/// Inverse of precedence_prosign; nullopt for any other letter.
std::optional<Precedence> precedence_from_prosign(char c);

/// The word written in addressee lines: FLASH, IMMEDIATE, PRIORITY, ROUTINE.
std::string precedence_word(Precedence p);

/// Inverse of precedence_word (exact upper-case match); nullopt for any other word.
std::optional<Precedence> precedence_from_word(std::string_view word);

/// True when a is more urgent than b.
constexpr bool more_urgent(Precedence a, Precedence b) { return static_cast<int>(a) > static_cast<int>(b); }

/// Speed-of-service objective (ACP127.md): in-station time for Z and O, delivery time for P and R.
std::chrono::minutes speed_of_service_objective(Precedence p);

}  // namespace cablesim
