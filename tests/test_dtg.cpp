#include "cablesim/core/dtg.hpp"

#include <catch2/catch.hpp>

#include <random>

#include "cablesim/core/precedence.hpp"
#include "cablesim/core/simd.hpp"
#include "cablesim/core/text.hpp"

using namespace cablesim;

TEST_CASE("dtg: the seed's DTG and filing time name the same instant", "[core][dtg]") {
  const auto t = parse_iso8601("2007-09-10T14:26:00Z");
  REQUIRE(t);
  const auto d = dtg_from_time(*t);
  CHECK(format_dtg(d) == "101426Z SEP 07");
  CHECK(format_filing_time(filing_time_from_time(*t)) == "2531426");
  CHECK(to_time(d) == *t);
  CHECK(format_iso8601(*t) == "2007-09-10T14:26:00Z");
  CHECK_FALSE(parse_iso8601("2007-13-10T14:26:00Z"));
  CHECK_FALSE(parse_iso8601("yesterday"));
}

TEST_CASE("dtg: ISO 8601 times are RFC 3339, strictly", "[core][dtg]") {
  SECTION("nothing may follow the zone") { CHECK_FALSE(parse_iso8601("2007-09-10T14:00:00Zjunk")); }
  SECTION("every field has its full width") {
    CHECK_FALSE(parse_iso8601("2007-9-10T14:00:00Z"));
    CHECK_FALSE(parse_iso8601("2007-09-10T4:00:00Z"));
    CHECK_FALSE(parse_iso8601("2007-09-10T14:0:00Z"));
  }
  SECTION("a zone is required") { CHECK_FALSE(parse_iso8601("2007-09-10T14:00:00")); }
  SECTION("an offset and fractions name the same instant") {
    CHECK(parse_iso8601("2007-09-10T16:00:00+02:00") == parse_iso8601("2007-09-10T14:00:00Z"));
    const auto t = parse_iso8601("2007-09-10T14:00:00.250Z");
    REQUIRE(t);
    CHECK(format_iso8601(*t) == "2007-09-10T14:00:00.250Z");
  }
  SECTION("impossible dates") {
    CHECK_FALSE(parse_iso8601("2007-02-30T14:00:00Z"));
    CHECK_FALSE(parse_iso8601("2007-09-10T24:00:00Z"));
  }
}

TEST_CASE("dtg: day of year", "[core][dtg]") {
  using namespace std::chrono;
  CHECK(day_of_year(year{2007} / September / 10) == 253);
  CHECK(day_of_year(year{2008} / December / 31) == 366);
  CHECK(date_of_day_of_year(2007, 253) == year{2007} / September / 10);
}

TEST_CASE("precedence: prosigns, words, order", "[core][precedence]") {
  CHECK(precedence_prosign(FLASH) == 'Z');
  CHECK(precedence_from_prosign('O') == IMMEDIATE);
  CHECK_FALSE(precedence_from_prosign('X'));
  CHECK(precedence_word(PRIORITY) == "PRIORITY");
  CHECK(precedence_from_word("ROUTINE") == ROUTINE);
  CHECK_FALSE(precedence_from_word("URGENT"));
  CHECK(more_urgent(FLASH, IMMEDIATE));
  CHECK(more_urgent(IMMEDIATE, PRIORITY));
  CHECK(more_urgent(PRIORITY, ROUTINE));
  CHECK_FALSE(more_urgent(ROUTINE, ROUTINE));
  CHECK(speed_of_service_objective(FLASH) == std::chrono::minutes(10));
  CHECK(speed_of_service_objective(ROUTINE) == std::chrono::hours(6));
}

TEST_CASE("dtg: filing times and serials are written with their leading zeros", "[core][dtg]") {
  FilingTime ft;
  ft.set_day_of_year(5);
  ft.set_hour(7);
  ft.set_minute(0);
  CHECK(format_filing_time(ft) == "0050700");
  ft.set_day_of_year(366);
  ft.set_hour(23);
  ft.set_minute(59);
  CHECK(format_filing_time(ft) == "3662359");
  CHECK(zero_pad(7, 4) == "0007");
  CHECK(zero_pad(0, 4) == "0000");
  CHECK(zero_pad(0, 0) == "0");
  CHECK(zero_pad(12345, 4) == "12345");  // more digits are kept
  CHECK(zero_pad(4294967295u, 12) == "004294967295");
}

TEST_CASE("text: valid_utf8 takes well-formed UTF-8 only, at any place in a long text", "[core][text]") {
  struct sample {
    std::string bytes;
    bool valid;
  };
  const std::vector<sample> samples = {
      {"", true},
      {"\xC2\xB6", true},           // the paragraph mark the published cables carry
      {"\xE2\x82\xAC", true},       // the euro sign, three bytes
      {"\xF0\x9F\x93\x9C", true},   // four bytes
      {"\xC0\xAF", false},          // an overlong '/'
      {"\xE0\x80\xAF", false},      // another
      {"\xED\xA0\x80", false},      // a surrogate
      {"\xF4\x90\x80\x80", false},  // above U+10FFFF
      {"\x80", false},              // a continuation byte alone
      {"\xFF", false},
      {"\xC2", false},  // cut short
      {"\xE2\x82", false},
  };
  for (const auto& s : samples) {
    INFO("bytes " << Catch::Detail::stringify(s.bytes));
    CHECK(valid_utf8(s.bytes) == s.valid);
    // at the start, the end, inside and across the blocks of 64 bytes that are read at once
    for (const std::size_t before : {0, 1, 15, 37, 62, 63, 64, 65, 100, 127, 190})
      for (const std::size_t after : {0, 1, 37, 70, 130})
        CHECK(valid_utf8(std::string(before, 'A') + s.bytes + std::string(after, 'A')) == s.valid);
    if (!s.bytes.empty()) CHECK(utf8_sequence(s.bytes, 0) == (s.valid ? s.bytes.size() : 0));
  }
  CHECK(valid_utf8(std::string_view("A\0B", 3)));  // NUL is UTF-8; cable text refuses it on its own
}

TEST_CASE("text: the block primitives agree with a character-by-character reading, on every path this CPU has",
          "[core][text]") {
  // valid_utf8 and the markings check read text through these, with AVX2 where the CPU has it:
  // each way they can be built is checked here against the plain reading of the same bytes
  std::mt19937 random(20261202);
  std::string bytes(simd::block, ' ');
  int not_ascii = 0;
  for (int round = 0; round < 2000; ++round) {
    // mostly letters, some newlines; in half the rounds a byte above 0x7F at a random place
    for (auto& c : bytes) c = random() % 8 == 0 ? '\n' : static_cast<char>('A' + random() % 26);
    if (round % 2) bytes[random() % simd::block] = static_cast<char>(0x80 + random() % 0x80);
    uint64_t newlines = 0;
    bool ascii = true;
    for (std::size_t k = 0; k < simd::block; ++k) {
      newlines |= static_cast<uint64_t>(bytes[k] == '\n') << k;
      ascii = ascii && static_cast<unsigned char>(bytes[k]) < 0x80;
    }
    CHECK(simd::equal_mask(bytes.data(), '\n') == newlines);
    CHECK(simd::ascii(bytes.data()) == ascii);
#if defined(__x86_64__)
    if (simd::has_avx2()) {
      CHECK(simd::equal_mask_avx2(bytes.data(), '\n') == newlines);
      CHECK(simd::ascii_avx2(bytes.data()) == ascii);
      CHECK(simd::ascii_blocks_avx2(bytes.data(), bytes.size()) == (ascii ? simd::block : 0));
    }
#endif
    not_ascii += ascii ? 0 : 1;
  }
  CHECK(not_ascii == 1000);  // the rounds given a byte above 0x7F, and only they
}
