// Golden questions (content/golden.jsonl): questions the way customers ask, with the entries that
// must answer them. They guard every build (kb/golden_guard.h) and are checked by the tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kb/content/entry.h"
#include "kb/content/loader.h"

namespace kefu {

struct GoldenQuestion {
  std::string query;
  std::optional<Locale> locale;       // from "lang"; absent = detect from the text
  std::vector<std::string> relevant;  // ids that answer it; never empty
  int line = 0;                       // 1-based line in golden.jsonl
};

// Parses golden.jsonl; malformed lines are reported in `diagnostics` (as errors at `path`:line)
// and skipped.
std::vector<GoldenQuestion> ParseGolden(const std::string& text, const std::string& path,
                                        std::vector<Diagnostic>* diagnostics);

}  // namespace kefu
