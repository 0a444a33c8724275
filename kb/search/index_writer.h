// Index generations: entries -> a new Xapian database in DIR/gen-N/, switched live by renaming the
// DIR/current symlink (readers see the old or the new generation, never a half-built one).
// Unchanged entries (same content hash and analysis) are kept from the previous generation, not
// re-analysed; so are the classifiers of a language group whose phrasings did not change. An update
// shares the previous generation's files (hard links; Xapian writes the new revision beside the old
// one), so it costs what changed, not the index's size; the current generation and the one before
// it stay readable, older ones are removed when an update starts. A full build analyses and writes
// on every worker, each into a shard of its own, and merges the shards with Xapian's compactor; an
// update analyses on a pool of threads and writes on one, in entry order. One build at a time per
// DIR (flock).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kb/content/config_files.h"
#include "kb/content/entry.h"
#include "kb/search/classifier.h"
#include "kb/status.h"

namespace kefu {

struct IndexBuildOptions {
  // Directory holding gen-N/ and the `current` symlink; created if missing. No default.
  std::string index_dir;
  // The editors' configuration files; they travel with the generation. Default: none.
  ContentConfig analysis;
  // Generations kept on disk, the new one included; an update keeps at most 2 (the one it shares
  // files with and itself). Default: 2.
  int keep_generations = 2;
  // Reuse unchanged entries from the current generation. Default: true.
  bool incremental = true;
  // Called now and then with (entries done, entries to do); an update does only the entries it
  // re-analyses, and whichever reused ones a retrained classifier needs. Default: none.
  std::function<void(size_t, size_t)> progress;
  // Called with the new generation's directory once it is complete, before it goes live; a non-OK
  // status keeps the current generation serving, removes the new one and is returned (see
  // kb/golden_guard.h). Default: none.
  std::function<Status(const std::string& gen_dir)> verify;
  // The classifier trained on the entries' questions (classifier.h). Default: ClassifierOptions'.
  ClassifierOptions classifier;
  // Threads analysing entries: in a full build each also writes its run of entries into a shard of
  // its own; in an update one more writes them all in entry order. The index has the same documents
  // and docids whatever the number. Default: 0, meaning std::thread::hardware_concurrency().
  int workers = 0;
  // BM25's term-frequency saturation and length normalisation (0..1), baked into the documents'
  // wdfs (weight.h); an update of a generation built with others is a full build. Defaults: 1.0
  // (Xapian's) and 0.75.
  double bm25_k1 = 1.0;
  double bm25_b = 0.75;
  // An update keeps the average document length the generation's wdfs were baked with while the
  // documents' own average stays within this share of it; beyond, it is a full build, which bakes
  // every document anew (an update's documents must weigh as the ones it reuses). Default: 0.1.
  double max_length_drift = 0.1;
};

struct IndexBuildStats {
  std::string generation;  // "gen-N": the new generation, or the served one when `unchanged`
  // Nothing differed from the served generation (entries, classifiers, synonyms, pins...), so no
  // generation was made and `generation` is the one still serving. Never set by a full build.
  bool unchanged = false;
  int64_t entries = 0;     // published entries indexed
  int64_t reused = 0;      // copied unchanged from the previous generation
  int64_t analysed = 0;
  int64_t skipped_drafts = 0;
  std::map<std::string, int64_t> by_locale;  // "zh-Hans" -> count
  std::map<std::string, int64_t> by_type;    // "faq" -> count
  double seconds = 0;
  double classifier_seconds = 0;  // of `seconds`, training the classifiers (while the index commits)
  // Language groups (0..2) whose classifier file, or its absence, was copied from the previous
  // generation instead of retrained: their phrasings, classes and classifier options are unchanged,
  // so retraining would write the same bytes.
  int64_t classifiers_reused = 0;
};

// Indexes the published entries of `entries` as a new generation and makes it current, unless an
// update finds nothing changed (IndexBuildStats::unchanged).
// kFailedPrecondition when another build holds the lock; on any failure `current` is untouched.
Result<IndexBuildStats> BuildIndex(const std::vector<Entry>& entries, const IndexBuildOptions& options);

// Files inside a generation directory (besides the ContentConfig files).
inline constexpr char kGenerationDb[] = "xapian";
inline constexpr char kCurrentLink[] = "current";
// One classifier per language group (classes compete only with entries a question can reach);
// missing when disabled or the group has no entries.
inline constexpr char kEnglishClassifierFile[] = "classifier-en.bin";
inline constexpr char kChineseClassifierFile[] = "classifier-zh.bin";

}  // namespace kefu
