// libFuzzer target for the cable parser: no input may crash it, and whatever parses must
// survive render -> parse unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cablesim/core/acp127.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool draft : {false, true}) {
    const auto r = cablesim::acp127::parse(text, {.allow_draft = draft});
    if (!r) continue;
    const auto again = cablesim::acp127::parse(cablesim::acp127::render(r.cable), {.allow_draft = draft});
    if (!again || again.cable.SerializeAsString() != r.cable.SerializeAsString()) std::abort();
    (void)cablesim::acp127::render(r.cable, {.for_transmission = true});
  }
  return 0;
}
