#include "cli_checks.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace traffic::cli {

CLI::Validator threadCount() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        long long n = -1;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size() || n < 0 || n > kMaxThreads)
          return fmt::format("{}: expected 0 (one per core) to {}; more threads than cores only slow a run down",
                             shortened(text, 40), kMaxThreads);
        return {};
      },
      fmt::format("INT in [0, {}]", kMaxThreads));
}

CLI::Validator finiteNumber(Sign sign, double max, double min) {
  const char* bound = sign == Sign::Positive ? " > 0" : sign == Sign::NonNegative ? " >= 0" : "";
  return CLI::Validator(
      [sign, max, min, bound](std::string& text) -> std::string {
        double v = 0;
        try {
          std::size_t used = 0;
          v = std::stod(text, &used);
          if (used != text.size()) throw std::invalid_argument(text);
        } catch (const std::exception&) {
          return fmt::format("{}: expected a number", shortened(text, 40));
        }
        const bool signOk = sign == Sign::Positive ? v > 0 : sign == Sign::NonNegative ? v >= 0 : true;
        if (!std::isfinite(v) || !signOk || v > max || v < min)
          return fmt::format("{}: expected a finite number{}{}{}", shortened(text, 40), bound,
                             min > std::numeric_limits<double>::lowest() ? fmt::format(", at least {}", min) : std::string(),
                             max < std::numeric_limits<double>::max() ? fmt::format(", at most {}", max) : std::string());
        return {};
      },
      std::string("NUMBER") + bound);
}

std::string shortened(const std::string& text, std::size_t limit) {
  std::string out;
  std::size_t shown = 0;
  for (; shown < text.size() && out.size() < limit; ++shown) {
    const auto c = static_cast<unsigned char>(text[shown]);
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (shown < text.size()) out += fmt::format("... ({} more bytes)", text.size() - shown);
  return out;
}

}  // namespace traffic::cli
