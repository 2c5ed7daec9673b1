#pragma once
// Reading a station's decision in tests: every command, journal entry or event of one kind.

#include <cstddef>
#include <vector>

#include "cablesim/core/decision.hpp"

namespace cablesim::test {

/// The part of a decision that holds T.
template <class T>
const auto& part_of(const decision& d) {
  if constexpr (decision_command<T>)
    return d.commands;
  else if constexpr (decision_journal_entry<T>)
    return d.journal;
  else
    return d.events;
}

/// Every T of the decision, in order.
template <class T>
std::vector<T> of_kind(const decision& d) {
  std::vector<T> v;
  for (const auto& x : part_of<T>(d))
    if (const auto* t = std::get_if<T>(&x)) v.push_back(*t);
  return v;
}

/// How many T the decision holds.
template <class T>
std::size_t count_of(const decision& d) {
  std::size_t n = 0;
  for (const auto& x : part_of<T>(d)) n += std::holds_alternative<T>(x);
  return n;
}

}  // namespace cablesim::test
