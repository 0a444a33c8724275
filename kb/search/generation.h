// Generation directories: names (gen-N), the `current` symlink, and meta.txt, which records how a
// generation was analysed so readers analyse queries the same way and writers know what they can reuse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kb/search/index_writer.h"
#include "kb/status.h"
#include "kb/text/analyzer.h"

namespace kefu {

struct GenerationMeta {
  int layout_version = 0;
  std::string analysis_hash;
  int64_t entries = 0;
  // Per language group (English, Chinese): the hash of what its classifier file was trained from
  // (index_writer.cc); empty when the classifiers were disabled.
  std::string classifier_inputs[2];
};

std::string GenerationName(int number);                      // 3 -> "gen-3"
std::optional<int> ParseGenerationName(const std::string& name);  // "gen-3" -> 3; else nullopt

// The generation `index_dir/current` points at, e.g. "gen-3". kFailedPrecondition when there is none.
Result<std::string> ReadCurrentGeneration(const std::string& index_dir);

// Hash of what shapes the documents' terms (layout, variants, dictionary); synonyms and pins are
// query-side, so editing them reuses every entry.
std::string AnalysisHash(const ContentConfig& config);
AnalyzerOptions AnalyzerOptionsFor(const ContentConfig& config);

// Writes meta.txt and the analysis files into `gen_dir`.
Status WriteGenerationMeta(const std::string& gen_dir, const GenerationMeta& meta,
                           const ContentConfig& config);
Result<GenerationMeta> ReadGenerationMeta(const std::string& gen_dir);
ContentConfig ReadAnalysisConfig(const std::string& gen_dir);

}  // namespace kefu
