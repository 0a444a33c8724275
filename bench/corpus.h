// Deterministic synthetic FAQ corpora and matching questions for benchmarks: zh-Hans, zh-Hant and en
// entries with a title, alternative questions and a 50-400 word body, built from fixed word lists
// and a seeded generator, so every run of every machine indexes the same text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kb/content/entry.h"

namespace kefu::bench {

struct BenchQuery {
  std::string text;
  Locale locale = Locale::kEn;
  std::string relevant;  // the entry it was written from
};

struct BenchCorpus {
  std::vector<Entry> entries;
  std::vector<BenchQuery> queries;
};

// `entries` entries (a third per locale) and `queries` questions, each a loose rewording of one
// entry's title or question (words dropped, shuffled, one replaced by a body word).
BenchCorpus GenerateCorpus(size_t entries, size_t queries, uint64_t seed = 42);

}  // namespace kefu::bench
