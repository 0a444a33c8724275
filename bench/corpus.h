// Deterministic synthetic FAQ corpora and matching questions for benchmarks: zh-Hans, zh-Hant and en
// entries with a title, alternative questions and a 50-400 word body. Each language has a vocabulary
// of thousands of words (real domain words as the frequent head, generated pseudo-words as the tail:
// English from syllables, Chinese from a few hundred common Han characters, zh-Hant in Traditional
// forms) drawn with Zipf distributions and clustered by topic, so posting lists have the skew of real
// FAQ text. Built from a seeded generator and no data files: every run on every machine indexes the
// same text.
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
// entry's title or alternative question (a word dropped, the rest shuffled, a question word added).
// The vocabularies and topics depend on `seed` only, not on the number of entries.
BenchCorpus GenerateCorpus(size_t entries, size_t queries, uint64_t seed = 42);

}  // namespace kefu::bench
