// Generation directories: names (gen-N), the `current` symlink, and meta.txt, which records how a
// generation was analysed so readers analyse queries the same way and writers know what they can reuse.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "kb/search/index_writer.h"
#include "kb/search/weight.h"
#include "kb/status.h"
#include "kb/text/analyzer.h"

namespace kefu {

// Documents' lengths (terms, counted with repeats) before their wdfs were baked (weight.h), summed,
// and how many documents: of one entry (its entry document's schema::kSlotLength), or of a generation.
struct DocLengths {
  uint64_t terms = 0;
  uint64_t docs = 0;
  void Add(uint64_t length) {
    terms += length;
    ++docs;
  }
  void Add(const DocLengths& other) {
    terms += other.terms;
    docs += other.docs;
  }
  void Remove(const DocLengths& other) {
    terms -= std::min(terms, other.terms);
    docs -= std::min(docs, other.docs);
  }
  double Average() const { return docs == 0 ? 1 : static_cast<double>(terms) / static_cast<double>(docs); }
  std::string Encode() const;  // "terms docs"
  static std::optional<DocLengths> Decode(const std::string& text);
};

struct GenerationMeta {
  int layout_version = 0;
  std::string analysis_hash;
  int64_t entries = 0;
  // The BM25 parameters and average length the documents' wdfs were baked with. An update keeps
  // them, so that its documents are weighted like the ones it reuses.
  LengthNorm length_norm;
  // The generation's documents, measured: the baked average is a sample's in a full build of more
  // than 1,000 entries (index_writer.cc), and an update's documents move it.
  DocLengths lengths;
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
