// Parsing golden.jsonl.
#include "kb/content/golden.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace kefu {

std::vector<GoldenQuestion> ParseGolden(const std::string& text, const std::string& path,
                                        std::vector<Diagnostic>* diagnostics) {
  std::vector<GoldenQuestion> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto error = [&](const std::string& message) {
      diagnostics->push_back({path, n, Severity::kError, message});
    };
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("query") || !j["query"].is_string() ||
        j["query"].get<std::string>().empty()) {
      error("expected {\"query\": \"...\", \"lang\": \"...\", \"relevant\": [\"id\", ...]}");
      continue;
    }
    GoldenQuestion g;
    g.query = j["query"].get<std::string>();
    g.line = n;
    if (j.contains("lang")) {
      g.locale = j["lang"].is_string() ? ParseLocale(j["lang"].get<std::string>()) : std::nullopt;
      if (!g.locale) {
        error("unknown lang: use zh-Hans, zh-Hant or en");
        continue;
      }
    }
    if (j.contains("relevant") && j["relevant"].is_array()) {
      for (const auto& id : j["relevant"]) {
        if (id.is_string()) g.relevant.push_back(id.get<std::string>());
      }
    }
    if (g.relevant.empty()) {
      error("a golden question needs the ids that answer it in \"relevant\"");
      continue;
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace kefu
