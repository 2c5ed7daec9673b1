// libFuzzer target for the topology loader (fuzz/targets.hpp).
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cablesim::fuzz::topology_text({reinterpret_cast<const char*>(data), size});
  return 0;
}
