#include "cablesim/core/errors.hpp"

namespace cablesim {
namespace {

class category_impl : public std::error_category {
 public:
  const char* name() const noexcept override { return "cablesim"; }
  std::string message(int e) const override {
    switch (static_cast<errc>(e)) {
      case errc::bad_cable_text: return "the cable text does not parse";
      case errc::no_action_addressee: return "the cable has no action addressee (TO)";
      case errc::no_known_addressee: return "no addressee has a routing indicator this network knows";
      case errc::station_stopped: return "the station is stopped";
      case errc::bad_marking: return "the cable's classification markings disagree";
      case errc::foreign_origin: return "the cable originated at another station";
      case errc::over_limits: return "the cable names more addressees or RIs, or carries more pilots, than a cable may";
    }
    return "unknown cablesim error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const category_impl category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace cablesim
