// Searcher: one index generation opened for searching. Ranks entries by their best-matching document,
// reports the features confidence is computed from, and reads entries back. Xapian::Database objects
// are pooled (one per concurrent caller); Xapian errors become Status here and go no further.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "kb/content/codec.h"
#include "kb/content/entry.h"
#include "kb/search/common_postings.h"
#include "kb/search/highlighter.h"
#include "kb/search/query_builder.h"
#include "kb/search/query_rules.h"
#include "kb/status.h"
#include "kb/text/analyzer.h"

namespace kefu {

struct SearchOptions {
  std::vector<Locale> locales;    // entries in these locales only; empty = all
  bool include_internal = false;  // add audience: internal entries
  int limit = 10;                 // entries wanted
  RankingOptions ranking;
};

// An entry that matched, with what its best document says about the match.
struct Candidate {
  std::string id;
  Locale locale = Locale::kZhHans;  // locale of the best document
  double score = 0;                 // ranking score: lexical_score plus the classifier's say
  double lexical_score = 0;         // fused weight: best question + aggregate + body documents
  bool question_match = false;      // best document is a title/question, not the body
  std::string matched_text;         // that question's text (empty for a body match)
  // idf-weighted share of the query's terms found in the best document, in [0,1].
  double query_coverage = 0;
  // idf-weighted share of the best question's terms found in the query, in [0,1]; 0 for body matches.
  double doc_coverage = 0;
  // The classifier's probability for this entry, and the highest it gives any other entry the
  // question may reach; both 0 without a classifier.
  double model_probability = 0;
  double model_runner_up = 0;
};

class Searcher {
 public:
  // Opens `gen_dir` (a gen-N directory), its analysis configuration included. `previous`, the
  // searcher of the generation served until now, lends what the two share (classifier models read
  // from the same file); it may be destroyed afterwards.
  static Result<std::unique_ptr<Searcher>> Open(const std::string& gen_dir, const Searcher* previous = nullptr);
  ~Searcher();

  // Ranks by `terms`; the question's `tokens` feed the classifier (none: lexical ranking only). The
  // candidates of recently asked questions are kept: customers ask the same few questions all day.
  Result<std::vector<Candidate>> Search(const std::vector<QueryTerm>& terms, const SearchOptions& options,
                                        const std::vector<Token>& tokens = {}) const;

  // The entry (any audience, published only: drafts are never indexed). nullopt when absent. The
  // answers for the most recently asked keys are kept.
  Result<std::optional<Entry>> LoadEntry(const std::string& id, Locale locale) const;

  // An entry as hits show it: its card (codec.h), read from the entry document, never the entry;
  // nullptr when absent. Kept for the most recently shown entries of this generation without the
  // body (plain_body and spans empty), which PreparedBody() keeps apart, so that the cards of many
  // entries stay in memory (a repeated question shows them from Shown()'s cache, without bodies).
  // `with_body`: a snippet will be made, so a body read here is prepared and kept for PreparedBody()
  // rather than read again.
  Result<std::shared_ptr<const EntryCard>> LoadCard(const std::string& id, Locale locale, bool with_body) const;

  // The entry's body as plain text, with where each term occurs for highlighting (from its card);
  // kept for the most recently used entries of this generation. Empty when the card cannot be read.
  std::shared_ptr<const PreparedText> PreparedBody(const EntryCard& card) const;

  // A question's terms as its hits mark them, made once per search, with the hash of the sorted
  // terms that keys what is shown for them (a Chinese question's terms take hundreds of bytes).
  struct MarkedTerms {
    explicit MarkedTerms(std::unordered_set<std::string> marked);
    std::unordered_set<std::string> terms;
    uint64_t hash = 0;
  };
  // What a hit shows of an entry: its title and, with `snippet`, a snippet of its body with the
  // terms marked; both in the other Chinese script when `shown_in` is that one and the entry is not.
  struct ShownText {
    std::string title;
    std::string snippet;  // empty without `snippet`
  };
  // Kept for the most recently shown (entry, terms, locale): a repeated question shows the same hits,
  // and making them (highlighting, and converting the script) was 40% of a server's work on one.
  std::shared_ptr<const ShownText> Shown(const EntryCard& entry, const MarkedTerms& terms, Locale shown_in,
                                         bool snippet) const;

  const Analyzer& analyzer() const { return *analyzer_; }
  const QueryRules& rules() const { return rules_; }
  int64_t entry_count() const { return entry_count_; }
  // Search() calls, and those answered from the recent questions' cache.
  uint64_t cache_lookups() const { return cache_lookups_; }
  uint64_t cache_hits() const { return cache_hits_; }
  // Whether this generation has a classifier for `locale`'s language group (index_writer.h: trained
  // only when the group's entries have enough phrasings, ClassifierOptions).
  bool HasClassifier(Locale locale) const;

 private:
  class Pool;
  class Borrowed;
  template <typename V>
  class Lru;
  // Memory for prepared bodies (every term's spans, tens of KB for a long one, so a count would let
  // the server grow by hundreds of MB: measured 483 MB at 10k entries with 4,096 of each), the cards
  // of recently shown entries (a few hundred bytes each) and recently answered entries, decoded.
  // Per generation.
  // Sized for the server's 300 MB at 100k entries: a 5-minute soak of distinct questions peaked at
  // 332 MB with 48 + 16, 298 MB with 40 + 8 and 282 MB with these (docs/BENCHMARKS.md).
  static constexpr size_t kPreparedBodyBytes = 32u << 20;
  static constexpr size_t kCardBytes = 8u << 20;
  static constexpr size_t kEntryBytes = 16u << 20;
  // Recent questions' candidates: a few KB each. Per generation, so never stale.
  static constexpr size_t kResultBytes = 8u << 20;
  // Recently shown titles and snippets, a few hundred bytes each: the ten hits of each of the
  // benchmark's 2,000 questions at 10k entries (8 MB, with the terms themselves in the key, kept too
  // few to answer its repeats faster).
  static constexpr size_t kShownBytes = 16u << 20;
  // The common terms' postings kept in memory (common_postings.h), 5 bytes a posting: the 302
  // common leaves that the benchmark's 1,000 questions at 100k entries ask for take 6.4 MB.
  static constexpr size_t kCommonPostingBytes = 32u << 20;
  class Models;
  class TermFrequencies;
  // The card of (id, locale) as stored; nullopt when there is none.
  Result<std::optional<EntryCard>> ReadCard(const std::string& id, Locale locale) const;
  // Moves the card's body into a prepared one, kept under `key` (id|locale) for PreparedBody().
  std::shared_ptr<const PreparedText> KeepBody(const std::string& key, EntryCard* card) const;
  // The entry document of (id, locale), to read with Xapian::DOC_ASSUME_VALID: from the id table,
  // without looking the entry's unique term up (a B-tree walk per hit shown). 0 when the table
  // lacks the id (a damaged index): the caller then looks the term up.
  Xapian::docid EntryDocId(const std::string& id, Locale locale) const;
  // That document, or (through the term) the one the table lacks; an empty document when there is
  // none. Throws Xapian's errors.
  Xapian::Document EntryDocument(Xapian::Database& db, const std::string& id, Locale locale) const;
  // Search() without the cache.
  Result<std::vector<Candidate>> Rank(const std::vector<QueryTerm>& terms, const SearchOptions& options,
                                      const std::vector<Token>& tokens) const;
  // `terms` with QueryTerm::in_body cleared for the terms too common in this generation's bodies
  // (RankingOptions::body_common_share), and QueryTerm::selective cleared for those too common in its
  // questions (RankingOptions::selective_share).
  std::vector<QueryTerm> TermsMarked(Xapian::Database& db, std::vector<QueryTerm> terms,
                                     const RankingOptions& ranking) const;
  Searcher(std::unique_ptr<Analyzer> analyzer, QueryRules rules, std::unique_ptr<Pool> pool, int64_t entry_count,
           std::unique_ptr<Models> models, std::vector<std::string> ids, std::vector<bool> internal,
           std::vector<bool> entry_blocks);
  std::unique_ptr<Analyzer> analyzer_;
  QueryRules rules_;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<Lru<PreparedText>> bodies_;
  std::unique_ptr<Lru<std::optional<EntryCard>>> cards_;  // absent ones too
  std::unique_ptr<Lru<std::optional<Entry>>> entries_;  // absent ones too: lookups try both scripts
  std::unique_ptr<Lru<std::vector<Candidate>>> results_;  // by SearchKey (searcher.cc)
  std::unique_ptr<Lru<ShownText>> shown_;
  mutable std::atomic<uint64_t> cache_lookups_{0};
  mutable std::atomic<uint64_t> cache_hits_{0};
  std::unique_ptr<TermFrequencies> term_frequencies_;
  std::unique_ptr<CommonPostings> common_postings_;
  std::unique_ptr<Models> models_;
  std::vector<std::string> ids_;  // entry id by id ordinal (schema.h); "" where none
  std::vector<Xapian::docid> ordinals_by_id_;  // the ordinals ids_ names, in id order
  // Per block of kDocsPerLocale docids (one entry in one locale, schema.h): the entry is internal.
  std::vector<bool> internal_;
  // Per block of kDocsPerLocale docids: the generation has the entry in that locale.
  std::vector<bool> entry_blocks_;
  int64_t entry_count_ = 0;
};

}  // namespace kefu
