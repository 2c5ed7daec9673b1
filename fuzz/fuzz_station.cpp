// libFuzzer target for a relay's receive path (fuzz/targets.hpp).
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cablesim::fuzz::station_frames({reinterpret_cast<const char*>(data), size});
  return 0;
}
