#pragma once
// What the fuzzers exercise, as plain functions: libFuzzer drives them (fuzz_*.cpp, clang
// builds), and the test suite runs them on seeds and their mutations (tests/test_fuzz_smoke.cpp).
// Each returns normally on any input; a broken invariant aborts.

#include <string_view>

namespace cablesim::fuzz {

/// The cable parser: whatever parses survives render -> parse unchanged.
void cable_text(std::string_view bytes);
/// The frame decoder on a hostile byte stream: frames come out whole or the stream is refused.
void frame_stream(std::string_view bytes);
/// A relay's receive path after the handshake: the bytes are frames from its neighbours
/// (transmissions, acknowledgments, cancels). Every transmission is acknowledged (taken in
/// charge), whatever it carries.
void station_frames(std::string_view bytes);
/// The topology loader: a topology either loads, validated, or is refused with its problems.
void topology_text(std::string_view bytes);

}  // namespace cablesim::fuzz
