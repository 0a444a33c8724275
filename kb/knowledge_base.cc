// The facade: query analysis and locale choice, search, confidence, snippets, entry reads, and the
// switch to new generations.
#include "kb/knowledge_base.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <unordered_set>

#include "kb/answer/confidence.h"
#include "kb/log.h"
#include "kb/search/generation.h"
#include "kb/search/highlighter.h"
#include "kb/search/searcher.h"
#include "kb/search/terms.h"

namespace kefu {
namespace {

constexpr int kMaxLimit = 50;
constexpr size_t kMaxQueryBytes = 2000;

std::vector<Locale> LocalesToTry(std::optional<Locale> locale) {
  if (!locale) return {Locale::kZhHans, Locale::kZhHant, Locale::kEn};
  if (*locale == Locale::kZhHans) return {Locale::kZhHans, Locale::kZhHant};
  if (*locale == Locale::kZhHant) return {Locale::kZhHant, Locale::kZhHans};
  return {Locale::kEn};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct KnowledgeBase::Impl {
  KnowledgeBaseOptions options;
  mutable std::mutex mu;
  // Held while a new generation is opened: a server's reload thread and its searches look for one
  // at once, and both opened it (seen with a 100 ms reload interval at 100k entries: 0.1 s of work
  // twice, on a 2-core machine serving searches).
  std::mutex reload_mu;
  std::shared_ptr<const Searcher> searcher;  // guarded by mu
  std::string generation;                    // guarded by mu
  std::atomic<int64_t> last_check_ms{0};
  uint64_t retired_lookups = 0;  // cache counts of the searchers served before; guarded by mu
  uint64_t retired_hits = 0;     // guarded by mu

  std::shared_ptr<const Searcher> Current() const {
    std::lock_guard<std::mutex> lock(mu);
    return searcher;
  }
  std::string GenerationName() const {
    std::lock_guard<std::mutex> lock(mu);
    return generation;
  }
  Status Reload();
  // Reload() when no other is running; otherwise the one running serves.
  void MaybeReload();
  Status ReloadLocked();  // with reload_mu held
  // After a read of the served generation failed with `status`: true when that generation is no
  // longer current and the current one is now served, so the read is worth one retry. An update
  // reuses the blocks of the generation before the previous one (index_writer.h), which a server
  // that fell that far behind finds overwritten (Xapian's DatabaseModifiedError).
  bool SwitchedAfterFailure(const Status& status);
  Result<SearchResult> SearchIn(const Searcher& searcher, const SearchRequest& request) const;
  Result<EntryDetail> GetEntryIn(const Searcher& searcher, std::string_view id, std::optional<Locale> locale,
                                 Audience audience) const;

  // What load(locale) reads in the first locale of `locales` that has the entry readable by
  // `audience`; empty (as load() reads a missing entry) when none has; load()'s error as it comes.
  template <typename Found, typename Load>
  static Result<Found> FirstReadable(const std::vector<Locale>& locales, Audience audience, Load load) {
    for (Locale l : locales) {
      Result<Found> found = load(l);
      if (!found.ok() || (*found && (audience == Audience::kInternal || (**found).audience == Audience::kPublic))) {
        return found;
      }
    }
    return Found();
  }
  // The full entry (answers, GET of an entry).
  Result<std::optional<Entry>> Find(const Searcher& s, const std::string& id,
                                    const std::vector<Locale>& locales, Audience audience) const {
    return FirstReadable<std::optional<Entry>>(locales, audience, [&](Locale l) { return s.LoadEntry(id, l); });
  }
  // The entry as hits show it (its card, Searcher::LoadCard), nullptr when none.
  Result<std::shared_ptr<const EntryCard>> FindHit(const Searcher& s, const std::string& id,
                                                   const std::vector<Locale>& locales, Audience audience,
                                                   bool with_body) const {
    return FirstReadable<std::shared_ptr<const EntryCard>>(
        locales, audience, [&](Locale l) { return s.LoadCard(id, l, with_body); });
  }
};

KnowledgeBase::KnowledgeBase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KnowledgeBase::~KnowledgeBase() = default;

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Open(const KnowledgeBaseOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  Result<std::string> gen =
      options.generation.empty() ? ReadCurrentGeneration(options.index_dir) : Result<std::string>(options.generation);
  if (!gen.ok()) return gen.status();
  auto searcher = Searcher::Open((std::filesystem::path(options.index_dir) / *gen).string());
  if (!searcher.ok()) return searcher.status();
  impl->searcher = std::move(searcher).value();
  impl->generation = *gen;
  impl->last_check_ms = NowMs();
  KEFU_LOG(kInfo, "kb") << "opened index generation=" << *gen
                        << " entries=" << impl->searcher->entry_count();
  return std::unique_ptr<KnowledgeBase>(new KnowledgeBase(std::move(impl)));
}

Status KnowledgeBase::Impl::Reload() {
  std::lock_guard<std::mutex> reloading(reload_mu);
  return ReloadLocked();
}

Status KnowledgeBase::Impl::ReloadLocked() {
  if (!options.generation.empty()) return Status::Ok();  // pinned to one generation
  auto gen = ReadCurrentGeneration(options.index_dir);
  if (!gen.ok()) return gen.status();
  if (*gen == GenerationName()) return Status::Ok();
  int64_t start_ms = NowMs();
  std::shared_ptr<const Searcher> served = Current();  // kept alive while it lends to the new one
  auto opened = Searcher::Open((std::filesystem::path(options.index_dir) / *gen).string(), served.get());
  if (!opened.ok()) return opened.status();
  std::shared_ptr<const Searcher> fresh = std::move(opened).value();
  {
    std::lock_guard<std::mutex> lock(mu);
    retired_lookups += searcher->cache_lookups();
    retired_hits += searcher->cache_hits();
    searcher = fresh;
    generation = *gen;
  }
  KEFU_LOG(kInfo, "kb") << "switched to index generation=" << *gen << " entries=" << fresh->entry_count()
                        << " open_ms=" << NowMs() - start_ms;
  return Status::Ok();
}

Status KnowledgeBase::Reload() { return impl_->Reload(); }

bool KnowledgeBase::Impl::SwitchedAfterFailure(const Status& status) {
  if (!options.generation.empty()) return false;
  if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound) return false;
  std::string failed = GenerationName();
  auto gen = ReadCurrentGeneration(options.index_dir);
  if (!gen.ok() || *gen == failed) return false;
  Status s = Reload();
  if (!s.ok()) {
    KEFU_LOG(kWarn, "kb") << "keeping generation " << failed << " after a failed read: " << s.ToString();
    return false;
  }
  return GenerationName() != failed;
}

void KnowledgeBase::Impl::MaybeReload() {
  int64_t now = NowMs();
  int64_t last = last_check_ms.load();
  if (now - last < options.reload_check_ms) return;
  if (!last_check_ms.compare_exchange_strong(last, now)) return;  // another thread checks
  std::unique_lock<std::mutex> reloading(reload_mu, std::try_to_lock);
  if (!reloading.owns_lock()) return;  // a reload is opening the new generation
  Status s = ReloadLocked();
  if (!s.ok()) {
    KEFU_LOG(kWarn, "kb") << "keeping generation " << GenerationName() << ": " << s.ToString();
  }
}

Result<SearchResult> KnowledgeBase::Search(const SearchRequest& request) const {
  if (request.limit < 1 || request.limit > kMaxLimit) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(kMaxLimit));
  }
  if (request.query.size() > kMaxQueryBytes) {
    return Status::InvalidArgument("query is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  impl_->MaybeReload();
  auto result = impl_->SearchIn(*impl_->Current(), request);
  if (!result.ok() && impl_->SwitchedAfterFailure(result.status())) {
    result = impl_->SearchIn(*impl_->Current(), request);
  }
  return result;
}

Result<SearchResult> KnowledgeBase::Impl::SearchIn(const Searcher& searcher, const SearchRequest& request) const {
  const Analyzer& analyzer = searcher.analyzer();

  NormalizedText norm = analyzer.Normalize(request.query);
  Locale detected = norm.had_han ? (norm.had_traditional ? Locale::kZhHant : Locale::kZhHans) : Locale::kEn;
  SearchResult result;
  result.locale = request.locale.value_or(detected);
  // Chinese typed on the English site is answered from Chinese entries.
  if (result.locale == Locale::kEn && norm.had_han) result.locale = detected;

  std::vector<Token> tokens = analyzer.Analyze(norm);
  if (tokens.empty()) {
    return Status::InvalidArgument("the query has no words to search for");
  }
  SearchOptions search;
  search.locales = IsChinese(result.locale) ? std::vector<Locale>{Locale::kZhHans, Locale::kZhHant}
                                            : std::vector<Locale>{Locale::kEn};
  search.include_internal = request.audience == Audience::kInternal;
  search.limit = std::max(request.limit, 3);  // margins need the runners-up
  search.ranking = options.ranking;
  std::vector<QueryTerm> terms = QueryTermsOf(tokens, search.ranking);
  const QueryRules& rules = searcher.rules();
  rules.ExpandSynonyms(norm.text, search.ranking, search.ranking.synonym_weight, &terms);
  auto candidates = searcher.Search(terms, search, tokens);
  if (!candidates.ok()) return candidates.status();
  std::vector<Locale> display = LocalesToTry(result.locale);

  std::unordered_set<std::string> term_set;
  for (const QueryTerm& t : terms) term_set.insert(t.term);
  const Searcher::MarkedTerms marked(std::move(term_set));
  // The query's terms that `text` contains, in query order, for the test console.
  auto matched_terms = [&](std::string_view text) {
    std::unordered_set<std::string> in_text;
    for (const Token& t : analyzer.Analyze(text)) in_text.insert(TermOf(t));
    std::vector<std::string> out;
    for (const QueryTerm& t : terms) {
      if (in_text.count(t.term) > 0 && std::find(out.begin(), out.end(), t.term) == out.end()) {
        out.push_back(t.term);
      }
    }
    return out;
  };
  // The hit for entry `e`, in the searcher's script when it is the other Chinese one.
  auto make_hit = [&](const EntryCard& e) {
    SearchHit hit;
    hit.id = e.id;
    hit.locale = e.locale;
    hit.type = e.type;
    hit.category = e.category;
    hit.escalate = e.escalate;
    hit.converted = e.locale != result.locale;
    auto shown = searcher.Shown(e, marked, result.locale, request.snippets);
    hit.title = shown->title;
    hit.snippet = shown->snippet;
    return hit;
  };

  // A pinned question answers with its entry first, for sure; the search fills the rest.
  if (auto pinned = rules.PinnedEntry(QueryRules::PinKey(tokens))) {
    auto entry = FindHit(searcher, *pinned, display, request.audience, request.snippets);
    if (!entry.ok()) return entry.status();
    if (*entry) {
      SearchHit hit = make_hit(**entry);
      hit.pinned = true;
      hit.confidence = 1.0;
      std::erase_if(*candidates, [&](const Candidate& c) { return c.id == hit.id; });
      result.hits.push_back(std::move(hit));
    }
  }
  // The classifier-aware confidence only where the searched language group has a classifier.
  const ConfidenceModel& model = searcher.HasClassifier(search.locales.front())
                                     ? options.policy.model_with_classifier
                                     : options.policy.model;
  size_t words = std::count_if(tokens.begin(), tokens.end(),
                               [](const Token& t) { return t.kind != TokenKind::kHanBigram; });
  for (size_t i = 0; i < candidates->size() && static_cast<int>(result.hits.size()) < request.limit; ++i) {
    const Candidate& c = (*candidates)[i];
    auto entry = FindHit(searcher, c.id, display, request.audience, request.snippets);
    if (!entry.ok()) return entry.status();
    if (!*entry) continue;
    SearchHit hit = make_hit(**entry);
    hit.score = c.score;
    hit.matched_question = c.matched_text;
    if (request.explain) {
      hit.matched_terms = matched_terms(c.matched_text.empty() ? (*entry)->title : c.matched_text);
    }
    hit.features = FeaturesOf(*candidates, i, words, norm.had_han);
    hit.confidence = Confidence(hit.features, model);
    result.hits.push_back(std::move(hit));
  }
  result.confidence = result.hits.empty() ? 0 : result.hits.front().confidence;
  return result;
}

Result<EntryDetail> KnowledgeBase::GetEntry(std::string_view id, std::optional<Locale> locale,
                                            Audience audience) const {
  impl_->MaybeReload();
  auto detail = impl_->GetEntryIn(*impl_->Current(), id, locale, audience);
  if (!detail.ok() && impl_->SwitchedAfterFailure(detail.status())) {
    detail = impl_->GetEntryIn(*impl_->Current(), id, locale, audience);
  }
  return detail;
}

Result<EntryDetail> KnowledgeBase::Impl::GetEntryIn(const Searcher& searcher, std::string_view id,
                                                    std::optional<Locale> locale, Audience audience) const {
  std::vector<Locale> locales = LocalesToTry(locale);
  auto entry = Find(searcher, std::string(id), locales, audience);
  if (!entry.ok()) return entry.status();
  if (!*entry) return Status::NotFound("no entry '" + std::string(id) + "'");
  EntryDetail detail;
  detail.entry = std::move(**entry);
  detail.converted = locale.has_value() && detail.entry.locale != *locale;
  if (audience == Audience::kPublic) detail.entry.internal_note.clear();
  std::vector<Locale> related_locales = LocalesToTry(detail.entry.locale);
  for (const std::string& rid : detail.entry.related) {
    auto related = Find(searcher, rid, related_locales, audience);
    if (!related.ok()) return related.status();
    if (*related) detail.related.push_back({rid, (*related)->title});
  }
  if (detail.converted) {
    // Shown in the reader's script: a Taiwan customer reads 軟體, not 软件.
    const Normalizer& normalizer = searcher.analyzer().normalizer();
    auto convert = [&](std::string& text) {
      text = *locale == Locale::kZhHant ? normalizer.ToTraditional(text)
                                        : normalizer.ToSimplified(text);
    };
    convert(detail.entry.title);
    for (std::string& q : detail.entry.questions) convert(q);
    convert(detail.entry.body);
    convert(detail.entry.internal_note);
    for (RelatedEntry& r : detail.related) convert(r.title);
  }
  return detail;
}

std::string KnowledgeBase::QuestionKey(std::string_view question) const {
  return QueryRules::PinKey(impl_->Current()->analyzer(), question);
}

std::string KnowledgeBase::generation() const { return impl_->GenerationName(); }

int64_t KnowledgeBase::entry_count() const { return impl_->Current()->entry_count(); }

KnowledgeBase::CacheCounts KnowledgeBase::search_cache() const {
  std::lock_guard<std::mutex> lock(impl_->mu);  // a switch moves the counts to the retired ones
  return {impl_->retired_lookups + impl_->searcher->cache_lookups(),
          impl_->retired_hits + impl_->searcher->cache_hits()};
}

const AnswerPolicy& KnowledgeBase::policy() const { return impl_->options.policy; }

}  // namespace kefu
