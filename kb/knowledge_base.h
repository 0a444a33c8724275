// KnowledgeBase: the facade the server and tools use. Opens the current index generation, searches it,
// reads entries, and follows new generations built by kefu-indexer without a restart.
// Thread-safe: every method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kb/answer/features.h"
#include "kb/answer/policy.h"
#include "kb/content/entry.h"
#include "kb/search/ranking.h"
#include "kb/status.h"

namespace kefu {

struct KnowledgeBaseOptions {
  // Directory holding `current` (a symlink to gen-N/). Default: "var/index".
  std::string index_dir = "var/index";
  // Serve this generation of index_dir (e.g. "gen-4") and never switch; used to check a
  // generation before it goes live. Default: "" (follow `current`).
  std::string generation;
  // How often Search()/GetEntry() look for a new generation, in milliseconds; 0 checks on every call.
  // Default: 1000.
  int reload_check_ms = 1000;
  // Confidence model and thresholds. Default: AnswerPolicy's defaults.
  AnswerPolicy policy;
  // Retrieval scoring. Default: RankingOptions' defaults.
  RankingOptions ranking;
};

struct SearchRequest {
  std::string query;
  // Preferred locale; when absent it is detected from the query text. Default: detect.
  std::optional<Locale> locale;
  // kPublic searches public published entries only; kInternal adds internal entries. Default: kPublic.
  Audience audience = Audience::kPublic;
  // Number of hits wanted, 1..50. Default: 10.
  int limit = 10;
  // Fill SearchHit::matched_terms (the editors' test console, `?explain=1`). Default: false.
  bool explain = false;
  // Fill SearchHit::snippet. Preparing an entry's body for highlighting is the costliest part of a
  // search the first time the entry is shown; the bot, which shows no snippets, turns it off.
  // Default: true.
  bool snippets = true;
};

struct SearchHit {
  std::string id;
  Locale locale = Locale::kZhHans;  // the locale of the entry returned
  EntryType type = EntryType::kFaq;
  std::string title;
  std::string snippet;  // HTML-escaped, <= 160 characters, <mark> around matches
  double score = 0;     // the engine's relevance score (unbounded)
  double confidence = 0;  // calibrated probability that this hit answers the query, in [0,1]
  bool converted = false;  // the entry exists only in the other Chinese script
  std::string category;
  bool escalate = false;
  bool pinned = false;           // an editor pinned this entry to the question (content/pins.txt)
  std::string matched_question;  // the title or question that matched best; empty for a body match
  // The query's terms (normalised, stemmed) found in matched_question, or in the title for a body
  // match; filled only for SearchRequest::explain.
  std::vector<std::string> matched_terms;
  ConfidenceFeatures features;   // what `confidence` was computed from
};

struct SearchResult {
  Locale locale = Locale::kZhHans;  // the locale searched (requested or detected)
  double confidence = 0;  // that of the first hit, 0 with no hits
  std::vector<SearchHit> hits;
};

struct RelatedEntry {
  std::string id;
  std::string title;
};

struct EntryDetail {
  Entry entry;  // entry.locale is the locale it was written in
  std::vector<RelatedEntry> related;  // resolved in the same locale (or the other Chinese script)
  // No entry in the requested Chinese script: this is the other one's, its title, questions, body,
  // internal note and related titles converted for display (OpenCC, Taiwan phrases).
  bool converted = false;
};

class KnowledgeBase {
 public:
  // Opens the generation `options.index_dir/current` points at. kFailedPrecondition when there is none yet.
  static Result<std::unique_ptr<KnowledgeBase>> Open(const KnowledgeBaseOptions& options);
  ~KnowledgeBase();
  KnowledgeBase(const KnowledgeBase&) = delete;
  KnowledgeBase& operator=(const KnowledgeBase&) = delete;

  // kInvalidArgument for an empty query or a limit out of range.
  Result<SearchResult> Search(const SearchRequest& request) const;

  // The entry `id` in `locale` (or, for Chinese, the other script when only that exists; or any locale when
  // `locale` is absent, preferring zh-Hans, zh-Hant, en). Drafts never; internal entries only for
  // kInternal; internal_note is cleared for kPublic. kNotFound otherwise.
  Result<EntryDetail> GetEntry(std::string_view id, std::optional<Locale> locale,
                               Audience audience) const;

  // The key under which customers' questions count as the same: normalised (NFKC case folding,
  // Traditional folded to Simplified) with punctuation and spacing dropped, as pins match.
  std::string QuestionKey(std::string_view question) const;

  // Switches to a newer generation if `current` moved. Returns OK when nothing changed.
  Status Reload();

  // Name of the generation being served, e.g. "gen-3".
  std::string generation() const;
  // Number of published entries (all locales, both audiences) in the served generation.
  int64_t entry_count() const;
  // Searches since Open, and how many of them were answered from the recent questions' cache
  // (Searcher::Search); both only grow, across generations.
  struct CacheCounts {
    uint64_t lookups = 0;
    uint64_t hits = 0;
  };
  CacheCounts search_cache() const;
  const AnswerPolicy& policy() const;

 private:
  struct Impl;
  explicit KnowledgeBase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kefu
