// Searching one generation with Xapian: filters, collapse by entry, coverage features, and the
// candidates of recently asked questions.
#include "kb/search/searcher.h"

#include <sys/stat.h>

#include <xapian.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <list>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "kb/content/codec.h"
#include "kb/log.h"
#include "kb/search/classifier.h"
#include "kb/search/generation.h"
#include "kb/search/matcher.h"
#include "kb/search/schema.h"
#include "kb/search/weight.h"

namespace kefu {

// Databases are not safe for concurrent use; each caller borrows one.
class Searcher::Pool {
 public:
  explicit Pool(std::string path) : path_(std::move(path)) {}

  std::unique_ptr<Xapian::Database> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        auto db = std::move(free_.back());
        free_.pop_back();
        return db;
      }
    }
    return std::make_unique<Xapian::Database>(path_);
  }
  void Release(std::unique_ptr<Xapian::Database> db) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(db));
  }

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Xapian::Database>> free_;
};

// Borrows a database from the pool for one call.
class Searcher::Borrowed {
 public:
  explicit Borrowed(Pool* pool) : pool_(pool), db_(pool->Acquire()) {}
  ~Borrowed() {
    if (db_) pool_->Release(std::move(db_));
  }
  Xapian::Database& operator*() { return *db_; }
  Xapian::Database* operator->() { return db_.get(); }
  // After an error the handle may be broken: drop it instead of returning it.
  void Discard() { db_.reset(); }

 private:
  Pool* pool_;
  std::unique_ptr<Xapian::Database> db_;
};

namespace {

// Which documents a search may return, decided from the docid (schema.h: it encodes the locale) and
// the generation's table of internal entries. Filtering by the locale and audience terms instead made
// the matcher skip along posting lists that cover the whole index for every candidate: 29% of a
// search's instructions at 10k entries.
class DocFilter {
 public:
  DocFilter(const SearchOptions& options, const std::vector<bool>& internal)
      : internal_(options.include_internal ? nullptr : &internal) {
    for (Locale l : options.locales) wanted_[static_cast<size_t>(l)] = true;
    if (options.locales.empty()) wanted_.fill(true);
  }
  bool operator()(Xapian::docid did) const {
    if (!wanted_[static_cast<size_t>(schema::LocaleOf(did))]) return false;
    Xapian::docid block = did / schema::kDocsPerLocale;
    return internal_ == nullptr || block >= internal_->size() || !(*internal_)[block];
  }

 private:
  std::array<bool, schema::kDocsPerId / schema::kDocsPerLocale> wanted_{};
  const std::vector<bool>* internal_;  // null when internal entries are wanted too
};

// Per block of kDocsPerLocale docids (one entry in one locale, schema.h): whether a document of the
// block has `term`. The internal-entry table for DocFilter comes from the (short) posting list of
// the internal audience term; the entries present from the entry documents' kind term.
std::vector<bool> BlocksWith(const Xapian::Database& db, const std::string& term) {
  std::vector<bool> blocks;
  for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) {
    Xapian::docid block = *it / schema::kDocsPerLocale;
    if (block >= blocks.size()) blocks.resize(block + 1);
    blocks[block] = true;
  }
  return blocks;
}

// The classifier's log-probability counts from this many nats below its best class's upwards.
constexpr double kModelFloorNats = 10;

// 0 for question documents, 1 for aggregates, 2 for entry (body) documents (WeightedTerm::field).
int FieldOf(Xapian::docid did) {
  Xapian::docid slot = schema::SlotOf(did);
  return slot >= schema::kFirstQuestionSlot ? 0 : slot == schema::kAggregateSlot ? 1 : 2;
}

}  // namespace

// Term frequencies of this generation, read from the index once per term: the coverage features need
// the idf of every term of every candidate question, and each read is a B-tree lookup.
class Searcher::TermFrequencies {
 public:
  // Beyond this, read without keeping. About 70 bytes each: a 5-minute soak over 40,000 distinct
  // questions at 100k entries kept 310,000 terms (~22 MB), and with the earlier bound of a million,
  // traffic that kept bringing new questions could add 50 MB more to the server. (Emptying a full
  // table instead frees a quarter of a million nodes under the lock while every search waits.)
  static constexpr size_t kMaxTerms = 1 << 18;

  // Inverse document frequency over the question documents (unprefixed terms) or entry documents.
  double Idf(Xapian::Database& db, const std::string& term, double docs) {
    return std::log(1.0 + docs / (Frequency(db, term) + 0.5));
  }

  // Documents that have `term`.
  double Frequency(Xapian::Database& db, const std::string& term) {
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      auto it = freq_.find(term);
      if (it != freq_.end()) return it->second;
    }
    double tf = db.get_termfreq(term);
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (freq_.size() < kMaxTerms) freq_.emplace(term, tf);
    return tf;
  }

 private:
  std::shared_mutex mu_;
  std::unordered_map<std::string, double> freq_;
};

// The most recently used values of one kind (prepared bodies, decoded entries) by entry key, up to a
// budget of approximate bytes; least recently used ones go first. A generation's entries never
// change, so nothing goes stale.
template <typename V>
class Searcher::Lru {
 public:
  explicit Lru(size_t budget_bytes) : budget_(budget_bytes) {}

  std::shared_ptr<const V> Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.second);
    return it->second.first.value;
  }
  void Put(const std::string& key, std::shared_ptr<const V> value, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (map_.count(key) != 0) return;
    lru_.push_front(key);
    map_[key] = {{std::move(value), bytes}, lru_.begin()};
    used_ += bytes;
    while (used_ > budget_ && map_.size() > 1) {
      auto last = map_.find(lru_.back());
      used_ -= last->second.first.bytes;
      map_.erase(last);
      lru_.pop_back();
    }
  }

 private:
  struct Item {
    std::shared_ptr<const V> value;
    size_t bytes = 0;
  };
  const size_t budget_;
  size_t used_ = 0;  // guarded by mu_
  std::mutex mu_;
  std::list<std::string> lru_;
  std::unordered_map<std::string, std::pair<Item, std::list<std::string>::iterator>> map_;
};

namespace {

// Approximate heap bytes, for the caches' budgets (allocator overheads included roughly).
size_t BytesOf(const PreparedText& p) {
  return sizeof p + p.text.capacity() + p.spans.capacity() + p.skips.capacity() * sizeof(uint32_t);
}

// With the cache's own nodes (its key twice, list and map nodes): a card is small beside them.
size_t BytesOf(const std::optional<EntryCard>& c) {
  constexpr size_t kNodes = 160;
  if (!c) return kNodes;
  return kNodes + sizeof *c + 2 * (c->id.size() + 10) + c->id.capacity() + c->title.capacity() + c->category.capacity();
}

size_t BytesOf(const std::optional<Entry>& e) {
  if (!e) return 64;
  size_t bytes = sizeof *e + e->title.size() + e->body.size() + e->internal_note.size() + e->category.size();
  for (const std::string& q : e->questions) bytes += 32 + q.size();
  for (const std::string& t : e->tags) bytes += 32 + t.size();
  for (const std::string& r : e->related) bytes += 32 + r.size();
  return bytes;
}

// Entry ids by id ordinal (schema.h), from the value streams of entry documents (the ones with a
// hash): one sequential pass at open instead of a document read per candidate and per tie.
std::vector<std::string> IdsByOrdinal(const Xapian::Database& db) {
  std::vector<std::string> ids;
  Xapian::ValueIterator id = db.valuestream_begin(schema::kSlotId);
  for (auto hash = db.valuestream_begin(schema::kSlotHash); hash != db.valuestream_end(schema::kSlotHash); ++hash) {
    id.skip_to(hash.get_docid());
    if (id == db.valuestream_end(schema::kSlotId)) break;
    if (id.get_docid() != hash.get_docid()) continue;
    Xapian::docid ordinal = schema::IdOrdinalOf(id.get_docid());
    if (ordinal >= ids.size()) ids.resize(ordinal + 1);
    ids[ordinal] = *id;
  }
  return ids;
}

}  // namespace

// The generation's classifiers (index_writer.h), one per language group, with what each class is in
// this index: entry ordinal and audience.
class Searcher::Models {
 public:
  // Which file a model was read from: an update hard-links an unchanged classifier file
  // (index_writer.cc), so the next generation's searcher can take the model already in memory.
  struct FileId {
    uintmax_t device = 0, inode = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileId&) const = default;
  };
  struct Group {
    std::shared_ptr<const IntentClassifier> model;
    FileId file;
    std::unordered_map<Xapian::docid, int32_t> class_of_ordinal;
    ClassSet public_classes;  // classes with some public entry
    ClassSet all_classes;
  };

  // Loads whichever classifier files `gen_dir` has; a damaged one is logged and left out. `ids` and
  // `internal` are the generation's (IdsByOrdinal, BlocksWith): with the docids they say what
  // each entry document is without reading it (reading 100k of them took seconds).
  // A model of `previous` (the generation served so far; may be null) read from the same file is
  // shared, not read again: the classes' entries are looked up afresh either way.
  static std::unique_ptr<Models> Load(const std::string& gen_dir, const Xapian::Database& db,
                                      const std::vector<std::string>& ids, const std::vector<bool>& internal,
                                      const Models* previous) {
    auto models = std::make_unique<Models>();
    for (int g = 0; g < 2; ++g) {
      std::filesystem::path file =
          std::filesystem::path(gen_dir) / (g == 0 ? kEnglishClassifierFile : kChineseClassifierFile);
      struct stat st {};
      if (stat(file.c_str(), &st) != 0) continue;
      auto group = std::make_unique<Group>();
      group->file = {st.st_dev, st.st_ino, static_cast<uintmax_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
      const Group* before = previous != nullptr ? previous->group(g) : nullptr;
      if (before != nullptr && before->file == group->file) {
        group->model = before->model;
      } else {
        auto model = IntentClassifier::Load(file.string());
        if (!model.ok()) {
          KEFU_LOG(kWarn, "search") << "ranking without classifier: " << model.status().ToString();
          continue;
        }
        group->model = std::make_shared<const IntentClassifier>(std::move(model).value());
      }
      group->all_classes = ClassSet::All(group->model->labels().size());
      models->groups_[g] = std::move(group);
    }
    std::unordered_map<std::string, int32_t> label_index[2];
    for (int g = 0; g < 2; ++g) {
      if (!models->groups_[g]) continue;
      const auto& labels = models->groups_[g]->model->labels();
      for (size_t c = 0; c < labels.size(); ++c) label_index[g][labels[c]] = static_cast<int32_t>(c);
    }
    std::vector<bool> is_public[2];  // per class: some entry of the class is public
    for (int g = 0; g < 2; ++g) {
      if (models->groups_[g]) is_public[g].assign(models->groups_[g]->model->labels().size(), false);
    }
    std::string kind(schema::kKindEntry);
    for (auto it = db.postlist_begin(kind); it != db.postlist_end(kind); ++it) {
      int g = GroupOf(schema::LocaleOf(*it));
      Xapian::docid ordinal = schema::IdOrdinalOf(*it);
      if (!models->groups_[g] || ordinal >= ids.size()) continue;
      auto c = label_index[g].find(ids[ordinal]);
      if (c == label_index[g].end()) continue;
      Group& group = *models->groups_[g];
      group.class_of_ordinal[ordinal] = c->second;
      size_t block = *it / schema::kDocsPerLocale;
      if (block >= internal.size() || !internal[block]) is_public[g][static_cast<size_t>(c->second)] = true;
    }
    for (int g = 0; g < 2; ++g) {
      if (models->groups_[g]) models->groups_[g]->public_classes = ClassSet(std::move(is_public[g]));
    }
    return models;
  }

  static int GroupOf(Locale locale) { return IsChinese(locale) ? 1 : 0; }
  const Group* group(int g) const { return groups_[g].get(); }

 private:
  std::unique_ptr<Group> groups_[2];
};

Searcher::Searcher(std::unique_ptr<Analyzer> analyzer, QueryRules rules, std::unique_ptr<Pool> pool,
                   int64_t entry_count, std::unique_ptr<Models> models, std::vector<std::string> ids,
                   std::vector<bool> internal, std::vector<bool> entry_blocks)
    : analyzer_(std::move(analyzer)),
      rules_(std::move(rules)),
      pool_(std::move(pool)),
      bodies_(std::make_unique<Lru<PreparedText>>(kPreparedBodyBytes)),
      cards_(std::make_unique<Lru<std::optional<EntryCard>>>(kCardBytes)),
      entries_(std::make_unique<Lru<std::optional<Entry>>>(kEntryBytes)),
      results_(std::make_unique<Lru<std::vector<Candidate>>>(kResultBytes)),
      shown_(std::make_unique<Lru<ShownText>>(kShownBytes)),
      term_frequencies_(std::make_unique<TermFrequencies>()),
      common_postings_(std::make_unique<CommonPostings>(kCommonPostingBytes)),
      models_(std::move(models)),
      ids_(std::move(ids)),
      internal_(std::move(internal)),
      entry_blocks_(std::move(entry_blocks)),
      entry_count_(entry_count) {
  for (Xapian::docid ordinal = 0; ordinal < ids_.size(); ++ordinal) {
    if (!ids_[ordinal].empty()) ordinals_by_id_.push_back(ordinal);
  }
  std::sort(ordinals_by_id_.begin(), ordinals_by_id_.end(),
            [&](Xapian::docid a, Xapian::docid b) { return ids_[a] < ids_[b]; });
}

Xapian::docid Searcher::EntryDocId(const std::string& id, Locale locale) const {
  auto it = std::lower_bound(ordinals_by_id_.begin(), ordinals_by_id_.end(), id,
                             [&](Xapian::docid ordinal, const std::string& v) { return ids_[ordinal] < v; });
  if (it == ordinals_by_id_.end() || ids_[*it] != id) return 0;
  return schema::DocId(*it, static_cast<int>(locale), schema::kEntrySlot);
}

Searcher::MarkedTerms::MarkedTerms(std::unordered_set<std::string> marked) : terms(std::move(marked)) {
  std::vector<std::string_view> sorted(terms.begin(), terms.end());  // one key however the set iterates
  std::sort(sorted.begin(), sorted.end());
  StableHash h;
  for (std::string_view term : sorted) h.Add(term);
  hash = h.value();
}

std::shared_ptr<const Searcher::ShownText> Searcher::Shown(const EntryCard& entry, const MarkedTerms& terms,
                                                          Locale shown_in, bool snippet) const {
  std::string key = EntryKey(entry.id, entry.locale);
  key.push_back('\n');
  key.append(LocaleName(shown_in));
  key.push_back(snippet ? '+' : '-');
  key.append(std::to_string(terms.hash));
  if (auto cached = shown_->Get(key)) return cached;
  auto shown = std::make_shared<ShownText>();
  shown->title = entry.title;
  if (snippet) shown->snippet = HighlightSnippet(*PreparedBody(entry), terms.terms);
  if (entry.locale != shown_in && IsChinese(entry.locale) && IsChinese(shown_in)) {
    const Normalizer& normalizer = analyzer_->normalizer();
    bool traditional = shown_in == Locale::kZhHant;
    shown->title = traditional ? normalizer.ToTraditional(shown->title) : normalizer.ToSimplified(shown->title);
    if (!shown->snippet.empty()) {
      shown->snippet = traditional ? normalizer.ToTraditional(shown->snippet) : normalizer.ToSimplified(shown->snippet);
    }
  }
  size_t bytes = 2 * key.size() + shown->title.size() + shown->snippet.size() + 128;
  shown_->Put(key, shown, bytes);
  return shown;
}

Xapian::Document Searcher::EntryDocument(Xapian::Database& db, const std::string& id, Locale locale) const {
  if (Xapian::docid did = EntryDocId(id, locale)) {
    // An id without this locale (hits try the customer's script first) reads nothing: Xapian would
    // read the value chunk of the document before it, a whole card, to find this one missing.
    const Xapian::docid block = did / schema::kDocsPerLocale;
    if (block >= entry_blocks_.size() || !entry_blocks_[block]) return Xapian::Document();
    return db.get_document(did, Xapian::DOC_ASSUME_VALID);
  }
  std::string unique = schema::Term(schema::kEntryKeyPrefix, EntryKey(id, locale));
  auto it = db.postlist_begin(unique);
  return it == db.postlist_end(unique) ? Xapian::Document() : db.get_document(*it);
}

Searcher::~Searcher() = default;

Result<std::unique_ptr<Searcher>> Searcher::Open(const std::string& gen_dir, const Searcher* previous) {
  // Scores mean nothing on another layout (since 7, wdfs are BM25 weights).
  auto meta = ReadGenerationMeta(gen_dir);
  if (!meta.ok()) return meta.status();
  if (meta->layout_version != schema::kLayoutVersion) {
    return Status::FailedPrecondition(gen_dir + " has index layout " + std::to_string(meta->layout_version) +
                                      ", this version reads " + std::to_string(schema::kLayoutVersion) +
                                      ": rebuild it with kefu-indexer build");
  }
  ContentConfig config = ReadAnalysisConfig(gen_dir);
  auto analyzer = Analyzer::Create(AnalyzerOptionsFor(config));
  if (!analyzer.ok()) return analyzer.status();
  std::string db_path = (std::filesystem::path(gen_dir) / kGenerationDb).string();
  try {
    auto pool = std::make_unique<Pool>(db_path);
    auto db = pool->Acquire();
    int64_t entries = db->get_termfreq(std::string(schema::kKindEntry));
    std::vector<std::string> ids = IdsByOrdinal(*db);
    std::vector<bool> internal =
        BlocksWith(*db, schema::Term(schema::kAudiencePrefix, AudienceName(Audience::kInternal)));
    std::vector<bool> present = BlocksWith(*db, std::string(schema::kKindEntry));
    std::unique_ptr<Models> models =
        Models::Load(gen_dir, *db, ids, internal, previous != nullptr ? previous->models_.get() : nullptr);
    pool->Release(std::move(db));
    QueryRules rules = QueryRules::Parse(config, **analyzer);
    return std::unique_ptr<Searcher>(
        new Searcher(std::move(analyzer).value(), std::move(rules), std::move(pool), entries,
                     std::move(models), std::move(ids), std::move(internal), std::move(present)));
  } catch (const Xapian::Error& e) {
    return Status::DataLoss("cannot open index " + db_path + ": " + e.get_description());
  }
}

std::vector<QueryTerm> Searcher::TermsMarked(Xapian::Database& db, std::vector<QueryTerm> terms,
                                            const RankingOptions& ranking) const {
  double most = std::max(ranking.body_common_share * static_cast<double>(entry_count_),
                         static_cast<double>(ranking.body_common_min));
  double question_docs = static_cast<double>(term_frequencies_->Frequency(db, std::string(schema::kKindQuestion)));
  double common = std::max(ranking.selective_share * question_docs, static_cast<double>(ranking.selective_min));
  for (QueryTerm& t : terms) {
    t.in_body = !t.pair && term_frequencies_->Frequency(db, schema::Term(schema::kBodyPrefix, t.term)) <= most;
    t.selective = term_frequencies_->Frequency(db, t.term) <= common;
  }
  return terms;
}

namespace {

template <typename T>
void AppendBytes(T v, std::string* key) {
  key->append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Everything Searcher::Search reads besides the generation, as bytes.
std::string SearchKey(const std::vector<QueryTerm>& terms, const SearchOptions& options,
                      const std::vector<Token>& tokens) {
  std::string key;
  for (const QueryTerm& t : terms) {
    key += t.term;
    key += '\0';
    key += static_cast<char>(t.kind);
    key += t.pair ? 'p' : '-';
    AppendBytes(t.weight, &key);
  }
  key += '\1';
  // The classifier reads the tokens' text (character n-grams of unstemmed words) and where they
  // overlap; where the question starts does not matter.
  const uint32_t base = tokens.empty() ? 0 : tokens.front().begin;
  for (const Token& t : tokens) {
    key += t.text;
    key += '\0';
    key += static_cast<char>(t.kind);
    for (uint32_t v : {t.begin - base, t.end - base, t.position}) AppendBytes(v, &key);
  }
  key += '\1';
  for (Locale l : options.locales) key += static_cast<char>(l);
  key += options.include_internal ? 'i' : 'p';
  const RankingOptions& r = options.ranking;
  for (double v : {static_cast<double>(options.limit), r.bigram_weight, r.aggregate_weight, r.body_weight,
                   r.pair_weight, r.body_common_share, static_cast<double>(r.body_common_min),
                   static_cast<double>(r.pool), r.model_weight, r.selective_share,
                   static_cast<double>(r.selective_min)}) {
    AppendBytes(v, &key);
  }
  return key;
}

size_t BytesOf(const std::vector<Candidate>& candidates) {
  size_t bytes = sizeof candidates;
  for (const Candidate& c : candidates) bytes += sizeof c + c.id.capacity() + c.matched_text.capacity();
  return bytes;
}

}  // namespace

Result<std::vector<Candidate>> Searcher::Search(const std::vector<QueryTerm>& terms, const SearchOptions& options,
                                                const std::vector<Token>& tokens) const {
  if (terms.empty()) return std::vector<Candidate>();
  std::string key = SearchKey(terms, options, tokens);
  ++cache_lookups_;
  if (auto cached = results_->Get(key)) {
    ++cache_hits_;
    return *cached;
  }
  auto ranked = Rank(terms, options, tokens);
  if (ranked.ok()) {
    auto value = std::make_shared<const std::vector<Candidate>>(*ranked);
    size_t bytes = key.size() + BytesOf(*value);
    results_->Put(key, std::move(value), bytes);
  }
  return ranked;
}

Result<std::vector<Candidate>> Searcher::Rank(const std::vector<QueryTerm>& terms, const SearchOptions& options,
                                              const std::vector<Token>& tokens) const {
  std::vector<Candidate> out;
  Borrowed db(pool_.get());
  try {
    std::vector<QueryTerm> marked = TermsMarked(*db, terms, options.ranking);
    const Xapian::doccount docs = db->get_doccount();
    auto leaves_of = [&](const std::vector<WeightedTerm>& terms) {
      std::vector<MatchLeaf> leaves;
      leaves.reserve(terms.size());
      for (const WeightedTerm& t : terms) {
        auto freq = static_cast<Xapian::doccount>(term_frequencies_->Frequency(*db, t.term));
        if (freq > 0) leaves.push_back({t.term, BakedTermWeight(docs, freq, t.factor), t.field});
      }
      return leaves;
    };
    auto match = [&] {
      TextQuery text = TextQueryOf(marked, options.ranking);
      MatchQuery query{leaves_of(text.candidates), leaves_of(text.scoring), text.candidates_common, FieldOf, 2};
      return MatchTop(*db, query, DocFilter(options, internal_), static_cast<size_t>(options.ranking.pool),
                      *common_postings_);
    };
    std::vector<ScoredDoc> matched = match();
    // Too few documents hold the question's rarer terms to fill the hits: every term makes
    // candidates again (the any-terms fall-back).
    bool narrowed = std::any_of(marked.begin(), marked.end(), [](const QueryTerm& t) { return !t.selective; });
    if (narrowed && matched.size() < static_cast<size_t>(options.limit)) {
      for (QueryTerm& t : marked) t.selective = true;
      matched = match();
    }

    // Fuse documents by entry id (both Chinese scripts share one): the best of each kind. The docid
    // says which entry and kind a document is (schema.h), so no document is read here. Entries are
    // kept in a vector, in order of first appearance, and found by ordinal in a small open-addressing
    // table: hash maps' nodes (three per entry) cost 6% of a search in allocations.
    struct Fused {
      Xapian::docid ordinal = 0;
      double question = 0, aggregate = 0, body = 0;
      Xapian::docid best = 0;  // best question document, else best document
      bool has_question = false;
      // The classifier's say (ranking.h, model_weight): its probability for the entry and the best
      // it gives any other entry.
      bool has_model = false;
      double probability = 0, runner_up = 0;
      double score = 0;
      double total() const { return question + aggregate + body; }
    };
    std::vector<Fused> fused;
    fused.reserve(matched.size());
    {
      size_t slots = 16;
      while (slots < 2 * matched.size()) slots *= 2;
      constexpr uint32_t kFree = UINT32_MAX;
      std::vector<uint32_t> index(slots, kFree);  // into `fused`
      for (const ScoredDoc& m : matched) {
        const Xapian::docid did = m.did, ordinal = schema::IdOrdinalOf(did);
        size_t s = static_cast<size_t>((uint64_t{ordinal} * 0x9E3779B97F4A7C15ull) >> 40) & (slots - 1);
        while (index[s] != kFree && fused[index[s]].ordinal != ordinal) s = (s + 1) & (slots - 1);
        if (index[s] == kFree) {
          index[s] = static_cast<uint32_t>(fused.size());
          fused.push_back({});
          fused.back().ordinal = ordinal;
          fused.back().best = did;
        }
        Fused& f = fused[index[s]];
        double w = m.weight;
        Xapian::docid slot = schema::SlotOf(did);
        if (slot >= schema::kFirstQuestionSlot) {
          if (w > f.question) f.question = w;
          if (!f.has_question) f.best = did;
          f.has_question = true;
        } else if (slot == schema::kAggregateSlot) {
          f.aggregate = std::max(f.aggregate, w);
        } else {
          f.body = std::max(f.body, w);
        }
      }
    }
    double best_lexical = 0;
    for (const Fused& f : fused) best_lexical = std::max(best_lexical, f.total());
    bool wanted[2] = {options.locales.empty(), options.locales.empty()};
    for (Locale l : options.locales) wanted[Models::GroupOf(l)] = true;
    for (int g = 0; g < 2; ++g) {
      const Models::Group* group = models_->group(g);
      if (!wanted[g] || group == nullptr || tokens.empty()) continue;
      Prediction p = group->model->Predict(group->model->FeaturesOf(tokens),
                                          options.include_internal ? group->all_classes : group->public_classes);
      for (Fused& f : fused) {
        if (Models::GroupOf(schema::LocaleOf(f.best)) != g) continue;
        auto c = group->class_of_ordinal.find(f.ordinal);
        if (c == group->class_of_ordinal.end()) continue;
        size_t k = static_cast<size_t>(c->second);
        f.has_model = true;
        f.probability = p.Probability(k);
        f.runner_up = p.BestRival(k);
      }
    }
    for (Fused& f : fused) {
      // Log-probabilities fuse better than probabilities: they keep the classifier's preferences
      // when its probabilities are spread thin (many entries, or an unusual question).
      double nats = 0;  // ln(p / the best class's p), floored
      if (f.has_model && f.probability > 0) {
        nats = std::max(0.0, kModelFloorNats + std::log(f.probability / std::max(f.probability, f.runner_up)));
      }
      f.score = f.total() + options.ranking.model_weight * nats * best_lexical;
    }
    // Equal scores are broken by entry id (ordinals of ids added by incremental builds do not
    // follow id order). Ids come from the table read at open; a document is read only for an
    // ordinal the table lacks (a damaged index), once: ties recur in the sort.
    std::unordered_map<Xapian::docid, std::string> read_ids;
    auto id_of = [&](const Fused& f) -> const std::string& {
      if (f.ordinal < ids_.size() && !ids_[f.ordinal].empty()) return ids_[f.ordinal];
      auto [it, inserted] = read_ids.try_emplace(f.ordinal);
      if (inserted) it->second = db->get_document(f.best).get_value(schema::kSlotId);
      return it->second;
    };
    // Only the hits wanted are put in order (ids are unique, so the order is total).
    std::vector<const Fused*> order;
    order.reserve(fused.size());
    for (const Fused& f : fused) order.push_back(&f);
    size_t wanted_hits = std::min(order.size(), static_cast<size_t>(options.limit));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(wanted_hits), order.end(),
                      [&](const Fused* a, const Fused* b) {
                        return a->score != b->score ? a->score > b->score : id_of(*a) < id_of(*b);
                      });
    order.resize(wanted_hits);

    double question_docs = std::max(1.0, static_cast<double>(db->get_termfreq(std::string(schema::kKindQuestion))));
    std::unordered_map<std::string, double> weight_of;  // term -> query weight * idf
    double query_total = 0;
    for (const QueryTerm& t : terms) {
      if (t.pair) continue;
      double w = t.weight * term_frequencies_->Idf(*db, t.term, question_docs);
      weight_of[t.term] = w;
      query_total += w;
    }
    // Per field (question, aggregate, body documents): the query terms as indexed there, sorted.
    std::vector<std::pair<std::string, double>> wanted_terms[3];
    for (int field = 0; field < 3; ++field) {
      std::string_view prefix = field == 0 ? "" : field == 1 ? schema::kAggregatePrefix : schema::kBodyPrefix;
      for (const auto& [term, w] : weight_of) wanted_terms[field].emplace_back(schema::Term(prefix, term), w);
      std::sort(wanted_terms[field].begin(), wanted_terms[field].end());
    }
    for (const Fused* f : order) {
      const Fused& fused = *f;
      Xapian::Document doc = db->get_document(fused.best, Xapian::DOC_ASSUME_VALID);
      Candidate c;
      c.id = id_of(fused);
      c.locale = schema::LocaleOf(fused.best);
      c.score = fused.score;
      c.lexical_score = fused.total();
      c.question_match = fused.has_question;
      if (fused.has_model) {
        c.model_probability = fused.probability;
        c.model_runner_up = fused.runner_up;
      }
      // The query terms the best document has, found along its sorted term list: skipping for an
      // entry document's long one; for a question, whose every term doc_coverage weighs, in one
      // walk (each termlist_begin reads and inflates the list again).
      const auto& wanted = wanted_terms[FieldOf(fused.best)];
      double matched = 0;
      if (c.question_match) {
        c.matched_text = doc.get_data();
        double doc_total = 0;
        auto next = wanted.begin();
        for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
          std::string term = *t;
          while (next != wanted.end() && next->first < term) ++next;
          if (next != wanted.end() && next->first == term) matched += next->second;
          if (t.get_wdf() == 0 || term.rfind(schema::kPairPrefix, 0) == 0) continue;  // filters, pairs
          bool bigram = term.rfind(schema::kBigramPrefix, 0) == 0;
          doc_total += (bigram ? options.ranking.bigram_weight : 1.0) *
                       term_frequencies_->Idf(*db, term, question_docs);
        }
        c.doc_coverage = doc_total > 0 ? std::min(1.0, matched / doc_total) : 0;
      } else {
        Xapian::TermIterator t = doc.termlist_begin();
        for (const auto& [term, w] : wanted) {
          t.skip_to(term);
          if (t == doc.termlist_end()) break;
          if (*t == term) matched += w;
        }
      }
      c.query_coverage = query_total > 0 ? std::min(1.0, matched / query_total) : 0;
      out.push_back(std::move(c));
    }
  } catch (const Xapian::Error& e) {
    db.Discard();
    return Status::Internal("search failed: " + e.get_description());
  }
  return out;
}

bool Searcher::HasClassifier(Locale locale) const {
  return models_ != nullptr && models_->group(Models::GroupOf(locale)) != nullptr;
}

Result<std::optional<EntryCard>> Searcher::ReadCard(const std::string& id, Locale locale) const {
  Borrowed db(pool_.get());
  try {
    // A missing document reads as an empty value (DOC_ASSUME_VALID); an entry's card never is.
    std::string value = EntryDocument(*db, id, locale).get_value(schema::kSlotCard);
    if (value.empty()) return std::optional<EntryCard>();
    auto card = DecodeEntryCard(value);
    if (!card.ok()) return card.status();
    return std::optional<EntryCard>(std::move(card).value());
  } catch (const Xapian::Error& e) {
    db.Discard();
    return Status::Internal("reading entry failed: " + e.get_description());
  }
}

// The card is left without its body: moved out, and a moved-from string owns no memory.
std::shared_ptr<const PreparedText> Searcher::KeepBody(const std::string& key, EntryCard* card) const {
  auto prepared =
      std::make_shared<const PreparedText>(PrepareText(std::move(card->plain_body), std::move(card->spans)));
  bodies_->Put(key, prepared, BytesOf(*prepared));
  return prepared;
}

std::shared_ptr<const PreparedText> Searcher::PreparedBody(const EntryCard& card) const {
  std::string key = EntryKey(card.id, card.locale);
  if (auto cached = bodies_->Get(key)) return cached;
  auto read = ReadCard(card.id, card.locale);
  if (!read.ok() || !read->has_value()) {
    if (!read.ok()) {
      KEFU_LOG(kWarn, "search") << "reading a body for its snippet: " << read.status().ToString();
    }
    return std::make_shared<const PreparedText>(PrepareText(std::string(), std::string()));
  }
  return KeepBody(key, &**read);
}

Result<std::shared_ptr<const EntryCard>> Searcher::LoadCard(const std::string& id, Locale locale,
                                                            bool with_body) const {
  std::string key = EntryKey(id, locale);
  auto found = cards_->Get(key);
  if (found == nullptr) {
    auto card = ReadCard(id, locale);
    if (!card.ok()) return card.status();
    if (card->has_value()) {
      if (with_body) {
        KeepBody(key, &**card);
      } else {  // freed, not just emptied: cached cards must stay small
        std::string().swap((*card)->plain_body);
        std::string().swap((*card)->spans);
      }
    }
    auto read = std::make_shared<const std::optional<EntryCard>>(*std::move(card));
    cards_->Put(key, read, BytesOf(*read));
    found = std::move(read);
  }
  if (!found->has_value()) return std::shared_ptr<const EntryCard>();
  return std::shared_ptr<const EntryCard>(found, &found->value());  // shares the cached optional's life
}

Result<std::optional<Entry>> Searcher::LoadEntry(const std::string& id, Locale locale) const {
  std::string key = EntryKey(id, locale);
  if (auto cached = entries_->Get(key)) return *cached;
  Borrowed db(pool_.get());
  try {
    auto found = std::make_shared<std::optional<Entry>>();
    // A missing document reads as empty data (DOC_ASSUME_VALID); an entry's never is.
    std::string data = EntryDocument(*db, id, locale).get_data();
    if (!data.empty()) {
      auto entry = DecodeEntry(data);
      if (!entry.ok()) return entry.status();
      *found = std::move(entry).value();
    }
    entries_->Put(key, found, BytesOf(*found));
    return *found;
  } catch (const Xapian::Error& e) {
    db.Discard();
    return Status::Internal("reading entry failed: " + e.get_description());
  }
}

}  // namespace kefu
