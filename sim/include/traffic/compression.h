// How a run's CSV outputs are stored: as is, or gzip-compressed ([outputs] compress, `run
// --compress`; docs/metrics.md). Its own header so that the scenario can name it without the
// output writers.
#pragma once

namespace traffic {

enum class Compression { None, Gzip };

}  // namespace traffic
