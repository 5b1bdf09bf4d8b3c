// Small helpers for tests that check text: messages, reports, files the CLI wrote.
#pragma once

#include <string_view>

namespace traffic::testing {

/// Whether `text` contains `part` anywhere.
inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace traffic::testing
