#pragma once
// The project's error policy, in one place:
// - bytes and cable text from outside are answered with a std::error_code and a message, never
//   an exception: frame errors (net/frame.hpp) and the errc below;
// - bad configuration at start-up throws config_error, every problem with file:line:col;
// - a journal that cannot keep what it must throws store::journal_error, and the station stops;
// - anything else (a socket, a disk, a bug) is an exception that the CLI reports as an
//   environment failure (exit 4), never as bad input (exit 1).

#include <string>
#include <system_error>

namespace cablesim {

/// Why a station refuses something it was given.
enum class errc {
  bad_cable_text = 1,   // the text does not parse as a cable (the message says where)
  no_action_addressee,  // a filing with no TO line
  no_known_addressee,   // no addressee has an RI, or an address, this network knows
  station_stopped,      // the station is stopped and takes nothing in
  bad_marking,          // the classification markings disagree or are unknown (SEC)
  foreign_origin,       // a complete cable whose FL3 names another station (no re-filing)
  over_limits,          // more addressees, RIs or pilots than a cable may have
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

}  // namespace cablesim

template <>
struct std::is_error_code_enum<cablesim::errc> : std::true_type {};
