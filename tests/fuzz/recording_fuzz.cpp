// libFuzzer harness for the recording reader (sim/src/io/recording/): the input is opened as a
// recording and every indexed frame decoded. Opening and decoding must succeed or throw
// LoadError; nothing may read out of bounds (ASan) or overflow (UBSan). Seeds: recordings of the
// shipped scenarios, made by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "traffic/errors.h"
#include "traffic/recording.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = traffic::fuzz::writeInput("input.tsrec", data, size);
  try {
    const traffic::RecordingReader reader(path);
    for (std::size_t i = 0; i < reader.frameCount(); ++i) (void)reader.frame(i);
    (void)reader.frameAtOrBefore(1e9);
  } catch (const traffic::LoadError&) {
  }
  return 0;
}
