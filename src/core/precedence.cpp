#include "cablesim/core/precedence.hpp"

namespace cablesim {

char precedence_prosign(Precedence p) {
  switch (p) {
    case FLASH_OVERRIDE: return 'Y';
    case FLASH: return 'Z';
    case IMMEDIATE: return 'O';
    case PRIORITY: return 'P';
    case ROUTINE: return 'R';
    default: return '?';
  }
}

std::optional<Precedence> precedence_from_prosign(char c) {
  switch (c) {
    case 'Y': return FLASH_OVERRIDE;
    case 'Z': return FLASH;
    case 'O': return IMMEDIATE;
    case 'P': return PRIORITY;
    case 'R': return ROUTINE;
    default: return std::nullopt;
  }
}

std::string precedence_word(Precedence p) {
  switch (p) {
    case FLASH_OVERRIDE: return "FLASH OVERRIDE";
    case FLASH: return "FLASH";
    case IMMEDIATE: return "IMMEDIATE";
    case PRIORITY: return "PRIORITY";
    case ROUTINE: return "ROUTINE";
    default: return "";
  }
}

std::optional<Precedence> precedence_from_word(std::string_view word) {
  if (word == "FLASH OVERRIDE") return FLASH_OVERRIDE;
  if (word == "FLASH") return FLASH;
  if (word == "IMMEDIATE") return IMMEDIATE;
  if (word == "PRIORITY") return PRIORITY;
  if (word == "ROUTINE") return ROUTINE;
  return std::nullopt;
}

std::chrono::minutes speed_of_service_objective(Precedence p) {
  using std::chrono::minutes;
  switch (p) {
    case FLASH_OVERRIDE:
    case FLASH: return minutes(10);
    case IMMEDIATE: return minutes(30);
    case PRIORITY: return minutes(180);
    default: return minutes(360);
  }
}

}  // namespace cablesim
