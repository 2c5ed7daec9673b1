// libFuzzer target for the frame decoder (fuzz/targets.hpp).
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cablesim::fuzz::frame_stream({reinterpret_cast<const char*>(data), size});
  return 0;
}
