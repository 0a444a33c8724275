// Builds index generations with Xapian; see index_writer.h for the on-disk contract.
#include "kb/search/index_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "kb/content/codec.h"
#include "kb/content/markdown.h"
#include "kb/log.h"
#include "kb/search/generation.h"
#include "kb/search/highlighter.h"
#include "kb/search/schema.h"
#include "kb/search/terms.h"
#include "kb/search/weight.h"
#include "kb/text/analyzer.h"

namespace kefu {
namespace {

namespace fs = std::filesystem;

// Entries each worker may analyse ahead of an update's writer: enough to keep both busy, few
// enough that documents waiting to be written take a few MB.
constexpr size_t kAnalysisWindow = 64;

// A full build's shard commits every this many documents instead of at Xapian's default 10,000
// (XAPIAN_FLUSH_THRESHOLD): the least memory, and as fast as 5,000 or 20,000 at 100k entries
// (100.8 / 102.9 / 102.4 s writing the two shards).
constexpr size_t kShardCommitDocs = 2000;

class DirLock {
 public:
  ~DirLock() {
    if (fd_ >= 0) close(fd_);  // releases the flock
  }
  Status Acquire(const fs::path& dir) {
    fd_ = open((dir / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::Unavailable("cannot open " + (dir / ".lock").string());
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status::FailedPrecondition("another index build is running in " + dir.string());
    }
    return Status::Ok();
  }

 private:
  int fd_ = -1;
};

std::string HashHex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Searches filter by docid (schema.h) and the internal-entry table (searcher.cc); the locale and
// audience terms serve that table, the classifier's class table and queries from Xapian's tools.
void AddBooleanTerms(const Entry& e, const std::string& key, Xapian::Document* doc) {
  doc->add_boolean_term(schema::Term(schema::kOwnerPrefix, key));
  doc->add_boolean_term(schema::Term(schema::kLocalePrefix, LocaleName(e.locale)));
  doc->add_boolean_term(schema::Term(schema::kAudiencePrefix, AudienceName(e.audience)));
  doc->add_value(schema::kSlotId, e.id);
  doc->add_value(schema::kSlotLocale, std::string(LocaleName(e.locale)));
}

// A document's free-text terms before they go into Xapian: how often each occurs and, in question
// documents, where. Their wdf is BM25's term-frequency weight (weight.h), which needs the
// document's length, so terms are counted first and written at the end. Unordered: Xapian's
// document sorts its terms itself.
class DocTerms {
 public:
  void Add(std::string term, Xapian::termpos position = 0) {
    Occurrences& o = terms_[std::move(term)];
    ++o.tf;
    if (position != 0) o.positions.push_back(position);
    ++length_;
  }
  // Terms counted with repeats: what Xapian's document length was before wdfs were baked.
  Xapian::termcount length() const { return length_; }
  void WriteTo(const LengthNorm& norm, Xapian::Document* doc) const {
    for (const auto& [term, o] : terms_) {
      for (Xapian::termpos p : o.positions) doc->add_posting(term, p, 0);
      doc->add_term(term, BakedWdf(o.tf, length_, norm));
    }
  }

 private:
  struct Occurrences {
    Xapian::termcount tf = 0;
    std::vector<Xapian::termpos> positions;
  };
  std::unordered_map<std::string, Occurrences> terms_;
  Xapian::termcount length_ = 0;
};

// Adds analysed text's terms (`terms`, TermsOf(tokens): a title or question goes into up to three
// documents, a body's terms also make its spans table); positions only where asked (question
// documents, for phrase matching). Questions also get word-pair terms (phrase evidence); bodies do
// not.
void AddTerms(const std::vector<Token>& tokens, const std::vector<std::string>& terms, std::string_view prefix,
              bool positions, DocTerms* doc, bool pairs = false) {
  if (pairs) {
    for (const std::string& pair : PairTermsOf(tokens)) doc->Add(std::string(prefix) + pair);
  }
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (terms[t].empty()) continue;
    std::string term;
    term.reserve(prefix.size() + terms[t].size());
    term.append(prefix).append(terms[t]);
    doc->Add(std::move(term), positions ? tokens[t].position + 1 : 0);
  }
}

// One entry analysed on a worker: its documents by docid (none when it is reused unchanged) and
// the classifier features of its title and questions (none when its group's classifier is not
// trained).
struct AnalysedEntry {
  uint64_t hash = 0;    // StoredEntryHash
  bool reused = false;  // the previous generation has it with this hash
  std::vector<std::pair<Xapian::docid, Xapian::Document>> docs;
  std::vector<std::vector<std::string>> phrasings;
  DocLengths length;  // of its documents, unless reused
};

// Analyses each title and question once: the tokens serve the entry, aggregate and question
// documents and the classifier alike. `reused_hash` is the previous generation's hash of the entry,
// if it has one: when it matches, only the phrasings are analysed. Without `norm` the documents are
// only measured (AnalysedEntry::length), not made.
AnalysedEntry AnalyseEntry(const Analyzer& analyzer, const Entry& e, const std::string& key, Xapian::docid base,
                           const uint64_t* reused_hash, const ClassifierOptions* classifier,
                           const LengthNorm* norm) {
  ScriptHint hint = schema::HintFor(e.locale);
  std::vector<const std::string*> questions = {&e.title};
  for (const std::string& q : e.questions) questions.push_back(&q);
  AnalysedEntry out;
  std::string stored = EncodeEntry(e);
  out.hash = StoredEntryHash(stored);
  out.reused = reused_hash != nullptr && *reused_hash == out.hash;
  if (out.reused && classifier == nullptr) return out;
  Xapian::Document entry_doc, aggregate;
  DocTerms entry_terms, aggregate_terms;
  std::vector<std::pair<Xapian::docid, DocTerms>> question_terms;
  if (!out.reused) {
    entry_doc.set_data(std::move(stored));
    entry_doc.add_boolean_term(std::string(schema::kKindEntry));
    entry_doc.add_boolean_term(schema::Term(schema::kEntryKeyPrefix, key));
    AddBooleanTerms(e, key, &entry_doc);
    entry_doc.add_value(schema::kSlotHash, HashHex(out.hash));
    for (const std::string& tag : e.tags) {
      std::vector<Token> tokens = analyzer.Analyze(tag, hint);
      AddTerms(tokens, TermsOf(tokens), schema::kBodyPrefix, false, &entry_terms);
    }
    std::string plain_body = MarkdownToPlainText(e.body);
    std::vector<Token> body_tokens = analyzer.Analyze(plain_body, hint);
    std::vector<std::string> body_terms = TermsOf(body_tokens);
    AddTerms(body_tokens, body_terms, schema::kBodyPrefix, false, &entry_terms);
    // Hits then read their entry's card, uncompressed (values are not zlib'd), and snippets where each
    // term is, instead of inflating the entry and analysing its body at search time.
    entry_doc.add_value(schema::kSlotCard,
                        EncodeEntryCard(e, plain_body, EncodeSpans(plain_body, body_tokens, body_terms)));
    AddBooleanTerms(e, key, &aggregate);
    out.docs.resize(2);  // the entry and aggregate documents first, in docid order
  }
  for (size_t i = 0; i < questions.size(); ++i) {
    std::vector<Token> tokens = analyzer.Analyze(*questions[i], hint);
    if (classifier != nullptr) out.phrasings.push_back(ClassifierFeaturesOf(tokens, *classifier));
    if (out.reused) continue;
    std::vector<std::string> terms = TermsOf(tokens);
    if (i == 0) AddTerms(tokens, terms, schema::kBodyPrefix, false, &entry_terms);  // the title
    AddTerms(tokens, terms, schema::kAggregatePrefix, false, &aggregate_terms);
    if (i >= schema::kMaxQuestionDocs) continue;
    Xapian::Document doc;
    doc.set_data(*questions[i]);
    doc.add_boolean_term(std::string(schema::kKindQuestion));
    AddBooleanTerms(e, key, &doc);
    question_terms.emplace_back(base + schema::kFirstQuestionSlot + static_cast<Xapian::docid>(i), DocTerms());
    AddTerms(tokens, terms, "", true, &question_terms.back().second, true);
    out.docs.emplace_back(question_terms.back().first, std::move(doc));
  }
  if (out.reused) return out;
  out.length.Add(entry_terms.length());
  out.length.Add(aggregate_terms.length());
  for (const auto& [docid, terms] : question_terms) out.length.Add(terms.length());
  if (norm == nullptr) {
    out.docs.clear();
    return out;
  }
  entry_terms.WriteTo(*norm, &entry_doc);
  entry_doc.add_value(schema::kSlotLength, out.length.Encode());
  aggregate_terms.WriteTo(*norm, &aggregate);
  for (size_t q = 0; q < question_terms.size(); ++q) question_terms[q].second.WriteTo(*norm, &out.docs[2 + q].second);
  out.docs[0] = {base + schema::kEntrySlot, std::move(entry_doc)};
  out.docs[1] = {base + schema::kAggregateSlot, std::move(aggregate)};
  return out;
}

// Runs produce(i) for i in [0, n) on `workers` threads and consume(i, result) on the calling thread
// in order of i, with at most `window` results produced ahead, so memory stays bounded at any KB
// size. An exception of produce is rethrown to the caller in its turn; one of consume stops the
// workers first.
template <typename T, typename Produce, typename Consume>
void RunOrdered(size_t n, int workers, size_t window, const Produce& produce, const Consume& consume) {
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) consume(i, produce(i));
    return;
  }
  struct Slot {
    std::optional<T> value;
    std::exception_ptr error;
    bool ready = false;
  };
  std::vector<Slot> slots(window);  // result i waits in slots[i % window]
  std::mutex mu;
  std::condition_variable changed;
  size_t next = 0, consumed = 0;
  bool stop = false;
  auto work = [&]() {
    for (;;) {
      size_t i = 0;
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&]() { return stop || next >= n || next < consumed + window; });
        if (stop || next >= n) return;
        i = next++;
      }
      Slot result;
      try {
        result.value.emplace(produce(i));
      } catch (...) {
        result.error = std::current_exception();
      }
      result.ready = true;
      {
        std::lock_guard<std::mutex> lock(mu);
        slots[i % window] = std::move(result);
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  struct Joiner {
    std::vector<std::thread>* threads;
    std::mutex* mu;
    bool* stop;
    std::condition_variable* changed;
    ~Joiner() {
      {
        std::lock_guard<std::mutex> lock(*mu);
        *stop = true;
      }
      changed->notify_all();
      for (std::thread& t : *threads) t.join();
    }
  } joiner{&threads, &mu, &stop, &changed};
  for (int w = 0; w < workers; ++w) threads.emplace_back(work);
  for (size_t i = 0; i < n; ++i) {
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&]() { return slots[i % window].ready; });
      slot = std::move(slots[i % window]);
      slots[i % window] = Slot();
      ++consumed;
    }
    changed.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    consume(i, std::move(*slot.value));
  }
}

// Runs fn(i) for i in [0, n) on `workers` threads, each taking one contiguous run of i: for work
// too small per item for RunOrdered's hand-offs. An exception of fn is rethrown after all finish.
template <typename Fn>
void ParallelFor(size_t n, int workers, const Fn& fn) {
  size_t threads = std::min<size_t>(static_cast<size_t>(std::max(workers, 1)), std::max<size_t>(n, 1));
  std::vector<std::exception_ptr> errors(threads);
  auto run = [&](size_t t) {
    try {
      for (size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) fn(i);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// A full build's documents: `workers` threads each analyse one contiguous run of the entries and
// write it into a Xapian database of its own under `dir`. Entries in (id, locale) order have
// increasing docids (schema.h), so the shards' docid ranges are disjoint and MergeShards can keep
// the docids. One writer fed by the analysis threads was the build's bottleneck (perf at 100k: the
// writing thread busy throughout, the analysing ones a fifth of the time). More, smaller shards
// write faster (10 at 100k: 176-181 s against 202 s) but merge into fragmented posting lists (6%
// more postlist, 0.8% more instructions per search): searches matter more. `phrasings[i]` gets
// sorted[i]'s classifier features. Returns the shards in docid order.
std::vector<fs::path> WriteShards(const std::vector<const Entry*>& sorted, const std::vector<Xapian::docid>& base_of,
                                  const Analyzer& analyzer, const ClassifierOptions* classifier, const LengthNorm& norm,
                                  int workers, const fs::path& dir, const std::function<void(size_t, size_t)>& progress,
                                  std::vector<std::vector<std::vector<std::string>>>* phrasings, DocLengths* lengths) {
  const size_t n = sorted.size();
  const size_t shards = std::min<size_t>(static_cast<size_t>(std::max(workers, 1)), std::max<size_t>(n, 1));
  std::vector<fs::path> paths(shards);
  std::vector<DocLengths> shard_lengths(shards);
  std::atomic<size_t> done{0};
  std::mutex progress_mu;
  ParallelFor(shards, static_cast<int>(shards), [&](size_t s) {  // a thread per shard
    paths[s] = dir / ("shard-" + std::to_string(s));
    // A shard is scratch, read once by MergeShards, whose output is synced: its commits need not be.
    Xapian::WritableDatabase db(paths[s].string(),
                                Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC);
    size_t uncommitted = 0;
    for (size_t i = n * s / shards; i < n * (s + 1) / shards; ++i) {
      const Entry& e = *sorted[i];
      if (e.status != EntryStatus::kDraft) {
        AnalysedEntry analysed =
            AnalyseEntry(analyzer, e, EntryKey(e.id, e.locale), base_of[i], nullptr, classifier, &norm);
        shard_lengths[s].Add(analysed.length);
        for (auto& [docid, doc] : analysed.docs) db.replace_document(docid, doc);
        uncommitted += analysed.docs.size();
        if (uncommitted >= kShardCommitDocs) {
          db.commit();
          uncommitted = 0;
        }
        (*phrasings)[i] = std::move(analysed.phrasings);
      }
      size_t now = done.fetch_add(1) + 1;
      if (progress && (now % 200 == 0 || now == n)) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress(now, n);
      }
    }
    db.commit();
    db.close();
  });
  for (const DocLengths& l : shard_lengths) lengths->Add(l);
  return paths;
}

// A full build's average document length (LengthNorm), from the documents of all published entries
// or, beyond kLengthSample of them, of about that many picked by a hash of their key: measuring an
// entry means analysing it, a second time. Every n-th entry is no sample: at 100k entries of the
// benchmark's corpus, whose ids cycle through kinds of entry, one in 100 measured 73 terms against 94.
constexpr size_t kLengthSample = 1000;

double SampleAverageLength(const std::vector<const Entry*>& sorted, const Analyzer& analyzer, int workers) {
  std::vector<const Entry*> published;
  for (const Entry* e : sorted) {
    if (e->status != EntryStatus::kDraft) published.push_back(e);
  }
  const uint64_t one_in = std::max<uint64_t>(1, published.size() / kLengthSample);
  std::vector<const Entry*> sample;
  for (const Entry* e : published) {
    StableHash h;
    h.Add(EntryKey(e->id, e->locale));
    if (h.value() % one_in == 0) sample.push_back(e);
  }
  std::vector<DocLengths> lengths(sample.size());
  ParallelFor(sample.size(), workers, [&](size_t i) {
    lengths[i] = AnalyseEntry(analyzer, *sample[i], "", 0, nullptr, nullptr, nullptr).length;
  });
  DocLengths total;
  for (const DocLengths& l : lengths) total.Add(l);
  return total.Average();
}

// What an entry of the previous generation contributed to its DocLengths (schema::kSlotLength);
// nothing for a document without the value.
DocLengths StoredLengths(const Xapian::Database& db, Xapian::docid entry_doc) {
  try {
    return DocLengths::Decode(db.get_document(entry_doc).get_value(schema::kSlotLength)).value_or(DocLengths());
  } catch (const Xapian::DocNotFoundError&) {
    return DocLengths();
  }
}

// Merges WriteShards' shards into one database at `out` (docids kept) and removes them. The
// compactor writes each table once, in order and with full blocks: 37% smaller than the same
// documents committed in batches (1.7 GB -> 1.1 GB at 100k entries), in 10-12 s beside the
// classifiers' training.
void MergeShards(const std::vector<fs::path>& shards, const fs::path& out) {
  Xapian::Database all;
  for (const fs::path& shard : shards) all.add_database(Xapian::Database(shard.string()));
  all.compact(out.string(), Xapian::DBCOMPACT_NO_RENUMBER | Xapian::Compactor::FULL);
  all.close();
  for (const fs::path& shard : shards) fs::remove_all(shard);
}

// True when the files a generation keeps beside its index (variants and dictionary, which its
// analysis hash also covers, synonyms and pins) are the same in both.
bool SameQuerySide(const ContentConfig& a, const ContentConfig& b) {
  return a.variants == b.variants && a.dictionary == b.dictionary && a.synonyms == b.synonyms && a.pins == b.pins;
}

// The language group of an entry's classifier: 0 English, 1 Chinese (both scripts).
int GroupOf(Locale locale) { return IsChinese(locale) ? 1 : 0; }

// Per language group, the hash of all its classifier file depends on, given the analysis: the
// training options and each published entry's id (its class), locale (the analysis hint; the gate
// counts entries per locale), title and questions, in the order training sees them. Audience is not
// among them: searchers read it from the entry documents.
void HashClassifierInputs(const std::vector<const Entry*>& sorted, const ClassifierOptions& options,
                          std::string (&inputs)[2]) {
  auto hash_group = [&](int group) {
    StableHash h;
    h.Add(TrainingKey(options));
    for (const Entry* e : sorted) {
      if (e->status == EntryStatus::kDraft || GroupOf(e->locale) != group) continue;
      h.Add(e->id);
      h.Add(LocaleName(e->locale));
      h.Add(e->title);
      h.Add(std::to_string(e->questions.size()));
      for (const std::string& q : e->questions) h.Add(q);
    }
    inputs[group] = HashHex(h.value());
  };
  std::thread chinese(hash_group, 1);  // a one-entry update at 100k hashes both groups whole
  hash_group(0);
  chinese.join();
}

// One language group's classifier examples (class = entry id; both Chinese scripts share one),
// gathered in entry order.
struct ClassifierGroup {
  std::vector<std::string> labels;
  std::map<std::string, int> label_of;
  std::vector<ClassifierExample> examples;
  size_t entries = 0;  // per locale: a Traditional entry and its Simplified original are two
};

void AddPhrasings(const Entry& e, std::vector<std::vector<std::string>> phrasings, ClassifierGroup* group) {
  ++group->entries;
  auto [it, fresh] = group->label_of.try_emplace(e.id, static_cast<int>(group->labels.size()));
  if (fresh) group->labels.push_back(e.id);
  for (std::vector<std::string>& features : phrasings) group->examples.push_back({it->second, std::move(features)});
}

// Trains one language group's classifier and writes it into the generation directory, unless the
// gate (classifier.h) finds too few phrasings for it to know its classes.
Status TrainClassifier(ClassifierGroup group, const ClassifierOptions& options, const fs::path& file) {
  if (group.labels.empty()) return Status::Ok();
  if (static_cast<int64_t>(group.examples.size()) < options.min_phrasings &&
      static_cast<double>(group.examples.size()) < options.min_phrasings_per_entry * static_cast<double>(group.entries)) {
    return Status::Ok();
  }
  IntentClassifier model = IntentClassifier::Train(std::move(group.labels), group.examples, options);
  return model.Save(file.string());
}

// A file no build ever writes again (a trained classifier, a table shared by ShareDatabase) is
// hard-linked, not copied; a copy only where the filesystem refuses the link.
Status LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status::Ok();
  ec.clear();
  fs::copy_file(from, to, ec);
  if (ec) return Status::Internal("cannot copy " + from.string() + ": " + ec.message());
  return Status::Ok();
}

// The previous generation's classifier file, when it has one (the gate may have refused it).
Status CopyClassifier(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::exists(from, ec)) return Status::Ok();
  return LinkOrCopy(from, to);
}

// The new generation's database starts as the previous one without copying its tables (1.9 GB at
// 100k entries): they are hard links to the same files. Glass writes a new revision only into
// blocks its last committed revision does not use, so committing into shared tables leaves the
// previous generation whole; the revision after that may reuse the blocks of the one before, which
// is why an update first removes every generation older than the current (Build). The version
// file, which says which revision a directory holds, is copied; the lock file is per directory.
Status ShareDatabase(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Status::Internal("cannot create " + to.string() + ": " + ec.message());
  for (const auto& item : fs::directory_iterator(from)) {
    std::string name = item.path().filename().string();
    if (name == "flintlock") continue;
    if (name == "iamglass") {
      fs::copy_file(item.path(), to / name, ec);
      if (ec) return Status::Internal("cannot copy " + item.path().string() + ": " + ec.message());
      continue;
    }
    KEFU_RETURN_IF_ERROR(LinkOrCopy(item.path(), to / name));
  }
  return Status::Ok();
}

// What the previous generation holds, read from its entry documents: enough to update it into the
// new revision (schema.h: the docid says an entry's id ordinal and locale).
class Previous {
 public:
  static constexpr size_t kLocales = static_cast<size_t>(Locale::kEn) + 1;

  // The hash of the entry with this id ordinal and locale; nullptr when the previous generation has none.
  const uint64_t* HashOf(Xapian::docid ordinal, Locale locale) const {
    size_t slot = Slot(ordinal, locale);
    return slot < present_.size() && present_[slot] ? &hashes_[slot] : nullptr;
  }
  void Add(Xapian::docid ordinal, Locale locale, uint64_t hash) {
    size_t slot = Slot(ordinal, locale);
    if (slot >= hashes_.size()) {
      hashes_.resize(slot + 1);
      present_.resize(slot + 1);
    }
    entries_ += present_[slot] ? 0 : 1;
    hashes_[slot] = hash;
    present_[slot] = 1;
  }
  // Entries in the previous generation.
  size_t entries() const { return entries_; }
  // Id ordinal * kLocales + locale: the slots of hashes_ and present_.
  static size_t Slot(Xapian::docid ordinal, Locale locale) {
    return static_cast<size_t>(ordinal) * kLocales + static_cast<size_t>(locale);
  }
  size_t slots() const { return present_.size(); }
  bool present(size_t slot) const { return present_[slot] != 0; }

  // Hash tables: an update at 100k entries looks every id up; ordered maps' string comparisons were
  // 10% of it. Hashes by slot rather than by "id|locale": one table of strings instead of two.
  std::unordered_map<std::string, Xapian::docid> ordinal_by_id;  // id -> ordinal
  Xapian::docid max_ordinal = 0;

 private:
  std::vector<uint64_t> hashes_;
  std::vector<char> present_;
  size_t entries_ = 0;
};

// Reads value streams rather than documents (one sequential pass per slot instead of lookups per
// document): entry documents are the ones with a hash. Their docids say the locale and id ordinal;
// the id is read once per ordinal.
Previous ReadPrevious(const Xapian::Database& db) {
  Previous previous;
  Xapian::ValueIterator ids = db.valuestream_begin(schema::kSlotId);
  Xapian::docid last_ordinal = 0;
  for (auto hash = db.valuestream_begin(schema::kSlotHash); hash != db.valuestream_end(schema::kSlotHash); ++hash) {
    Xapian::docid did = hash.get_docid();
    Xapian::docid ordinal = schema::IdOrdinalOf(did);
    const std::string value = *hash;
    uint64_t parsed = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed, 16);
    if (error != std::errc() || end != value.data() + value.size()) continue;  // not written by HashHex
    if (ordinal != last_ordinal) {
      ids.skip_to(did);
      // Every document has an id: that stream ends first only in a damaged database.
      if (ids == db.valuestream_end(schema::kSlotId)) break;
      if (ids.get_docid() != did) continue;
      previous.ordinal_by_id.emplace(*ids, ordinal);
      previous.max_ordinal = std::max(previous.max_ordinal, ordinal);
      last_ordinal = ordinal;
    }
    previous.Add(ordinal, schema::LocaleOf(did), parsed);
  }
  return previous;
}

void DeleteEntry(const std::string& key, Xapian::WritableDatabase* db) {
  db->delete_document(schema::Term(schema::kOwnerPrefix, key));
}

int NextGenerationNumber(const fs::path& dir) {
  int next = 1;
  for (const auto& item : fs::directory_iterator(dir)) {
    auto n = ParseGenerationName(item.path().filename().string());
    if (n) next = std::max(next, *n + 1);
  }
  return next;
}

// Before an update writes into tables it shares with the current generation: the generations
// older than the current one share them too and are about to be overwritten (ShareDatabase).
void RemoveGenerationsBefore(const fs::path& dir, const std::string& current) {
  auto keep = ParseGenerationName(current);
  if (!keep) return;
  for (const auto& item : fs::directory_iterator(dir)) {
    auto n = ParseGenerationName(item.path().filename().string());
    if (!n || *n >= *keep) continue;
    std::error_code ec;
    fs::remove_all(item.path(), ec);
    if (ec) {
      KEFU_LOG(kWarn, "indexer") << "cannot remove " << item.path().string() << ": " << ec.message();
    }
  }
}

void RemoveOldGenerations(const fs::path& dir, int keep) {
  std::vector<std::pair<int, fs::path>> gens;
  for (const auto& item : fs::directory_iterator(dir)) {
    std::string name = item.path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0 && name.rfind("gen-", 0) == 0) {
      std::error_code ec;
      fs::remove_all(item.path(), ec);  // left by a killed build; we hold the lock
      continue;
    }
    if (auto n = ParseGenerationName(name)) gens.emplace_back(*n, item.path());
  }
  std::sort(gens.rbegin(), gens.rend());
  for (size_t i = static_cast<size_t>(std::max(keep, 1)); i < gens.size(); ++i) {
    std::error_code ec;
    fs::remove_all(gens[i].second, ec);
    if (ec) {
      KEFU_LOG(kWarn, "indexer") << "cannot remove " << gens[i].second.string() << ": " << ec.message();
    }
  }
}

Status SwitchCurrent(const fs::path& dir, const std::string& generation) {
  fs::path tmp = dir / ("current.tmp-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(generation, tmp, ec);
  if (ec) return Status::Internal("cannot create symlink " + tmp.string() + ": " + ec.message());
  if (std::rename(tmp.c_str(), (dir / kCurrentLink).c_str()) != 0) {
    return Status::Internal("cannot switch " + (dir / kCurrentLink).string());
  }
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return Status::Ok();
}

// `drifted` is set when an update stopped because its documents' average length moved too far from
// the one the generation was baked with (IndexBuildOptions::max_length_drift): nothing was published.
Result<IndexBuildStats> Build(const std::vector<Entry>& entries, const IndexBuildOptions& options, bool* drifted) {
  auto start = std::chrono::steady_clock::now();
  fs::path dir(options.index_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::InvalidArgument("cannot create index directory " + dir.string() + ": " + ec.message());
  DirLock lock;
  KEFU_RETURN_IF_ERROR(lock.Acquire(dir));

  auto analyzer = Analyzer::Create(AnalyzerOptionsFor(options.analysis));
  if (!analyzer.ok()) return analyzer.status();
  GenerationMeta meta;
  meta.layout_version = schema::kLayoutVersion;
  meta.analysis_hash = AnalysisHash(options.analysis);

  // The previous generation, when it was analysed the same way: the new one starts as its next
  // revision (ShareDatabase) and only changed entries are analysed and rewritten (copying
  // documents one by one, positions and all, costs more than analysing them again).
  std::optional<fs::path> previous_db;
  std::string previous_generation;
  GenerationMeta previous_meta;
  if (options.incremental) {
    auto current = ReadCurrentGeneration(dir.string());
    if (current.ok()) {
      auto old_meta = ReadGenerationMeta((dir / *current).string());
      if (old_meta.ok() && old_meta->layout_version == meta.layout_version &&
          old_meta->analysis_hash == meta.analysis_hash && old_meta->length_norm.k1 == options.bm25_k1 &&
          old_meta->length_norm.b == options.bm25_b) {
        previous_db = dir / *current / kGenerationDb;
        previous_generation = *current;
        previous_meta = *std::move(old_meta);
      }
    }
  }

  IndexBuildStats stats;
  int number = NextGenerationNumber(dir);
  stats.generation = GenerationName(number);
  fs::path tmp = dir / (stats.generation + ".tmp");
  {
    std::vector<const Entry*> sorted;
    for (const Entry& e : entries) sorted.push_back(&e);
    auto by_key = [](const Entry* a, const Entry* b) { return std::tie(a->id, a->locale) < std::tie(b->id, b->locale); };
    // LoadContentDir's entries come sorted: checking is a tenth of sorting them again.
    if (!std::is_sorted(sorted.begin(), sorted.end(), by_key)) std::sort(sorted.begin(), sorted.end(), by_key);
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i]->id == sorted[i - 1]->id && sorted[i]->locale == sorted[i - 1]->locale) {
        return Status::InvalidArgument("duplicate entry " + EntryKey(sorted[i]->id, sorted[i]->locale));
      }
    }
    // A language group whose classifier inputs are the previous generation's gets its file copied:
    // its phrasings are then neither analysed nor collected.
    const ClassifierOptions* classifier = options.classifier.enabled ? &options.classifier : nullptr;
    bool reuse_classifier[2] = {false, false};
    if (classifier != nullptr) {
      HashClassifierInputs(sorted, *classifier, meta.classifier_inputs);
      for (int g = 0; g < 2; ++g) {
        reuse_classifier[g] = previous_db && previous_meta.classifier_inputs[g] == meta.classifier_inputs[g];
      }
    }
    Previous previous;
    if (previous_db) previous = ReadPrevious(Xapian::Database(previous_db->string()));
    // A fresh build numbers ids in order; an update keeps the numbers ids already have and gives new
    // ids the next ones.
    std::unordered_map<std::string, Xapian::docid> ordinal_by_id = std::move(previous.ordinal_by_id);
    Xapian::docid next_ordinal = previous.max_ordinal;
    std::vector<Xapian::docid> base_of(sorted.size(), 0);
    for (size_t i = 0; i < sorted.size(); ++i) {
      const Entry& e = *sorted[i];
      if (e.status == EntryStatus::kDraft) continue;
      auto [ordinal, fresh] = ordinal_by_id.try_emplace(e.id, next_ordinal + 1);
      if (fresh) ++next_ordinal;
      base_of[i] = schema::DocId(ordinal->second, static_cast<int>(e.locale), 0);
    }
    ClassifierGroup groups[2];  // English, Chinese
    size_t previous_kept = 0;  // entries of the previous generation still published
    int64_t by_locale[static_cast<size_t>(Locale::kEn) + 1] = {};
    int64_t by_type[static_cast<size_t>(EntryType::kArticle) + 1] = {};
    auto count = [&](const Entry& e) {
      ++stats.entries;
      ++by_locale[static_cast<size_t>(e.locale)];
      ++by_type[static_cast<size_t>(e.type)];
    };
    auto publish_counts = [&]() {
      for (size_t l = 0; l < std::size(by_locale); ++l) {
        if (by_locale[l] > 0) stats.by_locale[std::string(LocaleName(static_cast<Locale>(l)))] = by_locale[l];
      }
      for (size_t t = 0; t < std::size(by_type); ++t) {
        if (by_type[t] > 0) stats.by_type[std::string(EntryTypeName(static_cast<EntryType>(t)))] = by_type[t];
      }
    };
    const int workers = options.workers > 0 ? options.workers : static_cast<int>(std::thread::hardware_concurrency());
    // On an update, entries whose stored form hashes as before, in a language group whose
    // classifier is reused (or with no classifiers), need nothing but counting. They are found in one run per core rather
    // than handed through RunOrdered one by one, which took 0.4 s of a one-entry update at 100k.
    std::vector<char> unchanged(sorted.size(), 0);
    if (previous_db) {
      ParallelFor(sorted.size(), workers, [&](size_t i) {
        const Entry& e = *sorted[i];
        if (e.status == EntryStatus::kDraft || (classifier != nullptr && !reuse_classifier[GroupOf(e.locale)])) return;
        const uint64_t* old = previous.HashOf(schema::IdOrdinalOf(base_of[i]), e.locale);
        unchanged[i] = old != nullptr && *old == EntryHash(e);
      });
    }
    std::vector<size_t> todo;
    bool only_drafts_to_do = true;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (!unchanged[i]) {
        todo.push_back(i);
        only_drafts_to_do = only_drafts_to_do && sorted[i]->status == EntryStatus::kDraft;
        continue;
      }
      ++stats.reused;
      ++previous_kept;
      count(*sorted[i]);
    }
    // Nothing to publish: the served generation already holds every entry, classifier and
    // query-side file as they are now. It stays (with the one before it), and no server switches
    // or drops its caches. Decided before anything is written into the tables it shares.
    if (previous_db && only_drafts_to_do && previous_kept == previous.entries() &&
        previous_meta.classifier_inputs[0] == meta.classifier_inputs[0] &&
        previous_meta.classifier_inputs[1] == meta.classifier_inputs[1] &&
        SameQuerySide(ReadAnalysisConfig((dir / previous_generation).string()), options.analysis)) {
      RemoveOldGenerations(dir, options.keep_generations);
      stats.generation = previous_generation;
      stats.unchanged = true;
      stats.skipped_drafts = static_cast<int64_t>(todo.size());
      publish_counts();
      stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return stats;
    }
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp);
    if (previous_db) {
      // The generations older than the current one share its tables too, and the update may reuse
      // their blocks (ShareDatabase).
      RemoveGenerationsBefore(dir, previous_generation);
      KEFU_RETURN_IF_ERROR(ShareDatabase(*previous_db, tmp / kGenerationDb));
    }
    std::optional<Xapian::WritableDatabase> update;  // an update's database; a full build writes shards
    std::vector<fs::path> shards;
    // An update weights its documents as the generation's were; a full build measures.
    if (previous_db) {
      meta.length_norm = previous_meta.length_norm;
      meta.lengths = previous_meta.lengths;
    } else {
      meta.length_norm = {options.bm25_k1, options.bm25_b, SampleAverageLength(sorted, **analyzer, workers)};
    }
    auto analyse = [&](size_t k) {
      const Entry& e = *sorted[todo[k]];
      if (e.status == EntryStatus::kDraft) return AnalysedEntry();
      return AnalyseEntry(**analyzer, e, EntryKey(e.id, e.locale), base_of[todo[k]],
                          previous.HashOf(schema::IdOrdinalOf(base_of[todo[k]]), e.locale),
                          reuse_classifier[GroupOf(e.locale)] ? nullptr : classifier, &meta.length_norm);
    };
    auto write = [&](size_t k, AnalysedEntry analysed) {
      const Entry& e = *sorted[todo[k]];
      size_t done = k + 1;
      if (options.progress && (done % 200 == 0 || done == todo.size())) options.progress(done, todo.size());
      if (e.status == EntryStatus::kDraft) {
        ++stats.skipped_drafts;
        return;
      }
      if (analysed.reused) {
        ++stats.reused;
        ++previous_kept;
      } else {
        if (previous.HashOf(schema::IdOrdinalOf(base_of[todo[k]]), e.locale) != nullptr) {
          meta.lengths.Remove(StoredLengths(*update, base_of[todo[k]] + schema::kEntrySlot));
          DeleteEntry(EntryKey(e.id, e.locale), &*update);
          ++previous_kept;
        }
        meta.lengths.Add(analysed.length);
        for (auto& [docid, doc] : analysed.docs) update->replace_document(docid, doc);
        ++stats.analysed;
      }
      const int group = GroupOf(e.locale);
      if (classifier != nullptr && !reuse_classifier[group]) {
        AddPhrasings(e, std::move(analysed.phrasings), &groups[group]);
      }
      count(e);
    };
    if (previous_db) {
      update.emplace((tmp / kGenerationDb).string(), Xapian::DB_OPEN);
      // An update must commit exactly one revision: a second one may reuse the blocks of the
      // generation it shares tables with (ShareDatabase), and Xapian commits by itself every
      // XAPIAN_FLUSH_THRESHOLD documents outside a transaction.
      update->begin_transaction();
      RunOrdered<AnalysedEntry>(todo.size(), workers, kAnalysisWindow * static_cast<size_t>(std::max(workers, 1)),
                                analyse, write);
    } else {
      // Everything is to do (todo[k] == k); each entry is then written, counted and its phrasings
      // gathered as `write` does, in entry order.
      std::vector<std::vector<std::vector<std::string>>> phrasings(sorted.size());
      auto shards_start = std::chrono::steady_clock::now();
      shards = WriteShards(sorted, base_of, **analyzer, classifier, meta.length_norm, workers, tmp, options.progress,
                           &phrasings, &meta.lengths);
      KEFU_LOG(kDebug, "indexer") << "wrote " << shards.size() << " shards in "
                                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - shards_start).count()
                                  << " s";
      for (size_t i = 0; i < sorted.size(); ++i) {
        const Entry& e = *sorted[i];
        if (e.status == EntryStatus::kDraft) {
          ++stats.skipped_drafts;
          continue;
        }
        ++stats.analysed;
        if (classifier != nullptr) AddPhrasings(e, std::move(phrasings[i]), &groups[GroupOf(e.locale)]);
        count(e);
      }
    }
    // Entries removed, or now drafts, deleted in key order; looked for only when some are missing.
    if (previous_kept < previous.entries()) {
      std::vector<char> kept(previous.slots(), 0);
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (sorted[i]->status == EntryStatus::kDraft) continue;
        size_t slot = Previous::Slot(schema::IdOrdinalOf(base_of[i]), sorted[i]->locale);
        if (slot < kept.size()) kept[slot] = 1;
      }
      std::vector<std::pair<std::string, Xapian::docid>> gone;  // key, entry document
      for (const auto& [id, ordinal] : ordinal_by_id) {
        for (size_t l = 0; l < Previous::kLocales; ++l) {
          size_t slot = Previous::Slot(ordinal, static_cast<Locale>(l));
          if (slot < kept.size() && previous.present(slot) && !kept[slot]) {
            gone.emplace_back(EntryKey(id, static_cast<Locale>(l)),
                              schema::DocId(ordinal, static_cast<int>(l), schema::kEntrySlot));
          }
        }
      }
      std::sort(gone.begin(), gone.end());
      for (const auto& [key, entry_doc] : gone) {
        meta.lengths.Remove(StoredLengths(*update, entry_doc));
        DeleteEntry(key, &*update);
      }
    }
    if (update && std::abs(meta.lengths.Average() / meta.length_norm.average_length - 1) > options.max_length_drift) {
      update->cancel_transaction();
      update->close();
      fs::remove_all(tmp, ec);
      *drifted = true;
      return stats;
    }
    publish_counts();
    // The two groups' classifiers train on threads of their own (each deterministic by itself)
    // while the index is committed or merged.
    auto train_start = std::chrono::steady_clock::now();
    Status trained[2];
    std::vector<std::thread> trainers;
    if (classifier != nullptr) {
      for (int g = 0; g < 2; ++g) {
        const char* name = g == 1 ? kChineseClassifierFile : kEnglishClassifierFile;
        if (reuse_classifier[g]) {
          trained[g] = CopyClassifier(previous_db->parent_path() / name, tmp / name);
          ++stats.classifiers_reused;
          continue;
        }
        fs::path file = tmp / name;
        trainers.emplace_back([&, g, file]() { trained[g] = TrainClassifier(std::move(groups[g]), *classifier, file); });
      }
    }
    try {
      if (update) {
        update->commit_transaction();
        update->close();
      } else {
        auto merge_start = std::chrono::steady_clock::now();
        MergeShards(shards, tmp / kGenerationDb);
        KEFU_LOG(kDebug, "indexer") << "merged the shards in "
                                    << std::chrono::duration<double>(std::chrono::steady_clock::now() - merge_start).count()
                                    << " s";
      }
    } catch (...) {
      for (std::thread& t : trainers) t.join();
      throw;
    }
    for (std::thread& t : trainers) t.join();
    for (const Status& status : trained) KEFU_RETURN_IF_ERROR(status);
    if (classifier != nullptr) {
      stats.classifier_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();
      KEFU_LOG(kDebug, "indexer") << "trained the classifiers by " << stats.classifier_seconds << " s after the documents";
    }
  }
  meta.entries = stats.entries;
  KEFU_RETURN_IF_ERROR(WriteGenerationMeta(tmp.string(), meta, options.analysis));
  fs::rename(tmp, dir / stats.generation, ec);
  if (ec) return Status::Internal("cannot rename " + tmp.string() + ": " + ec.message());
  if (options.verify) {
    Status verdict = options.verify((dir / stats.generation).string());
    if (!verdict.ok()) {
      fs::remove_all(dir / stats.generation, ec);
      return verdict;
    }
  }
  KEFU_RETURN_IF_ERROR(SwitchCurrent(dir, stats.generation));
  RemoveOldGenerations(dir, options.keep_generations);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace

Result<IndexBuildStats> BuildIndex(const std::vector<Entry>& entries, const IndexBuildOptions& options) {
  try {
    bool drifted = false;
    auto stats = Build(entries, options, &drifted);
    if (!drifted) return stats;
    KEFU_LOG(kInfo, "indexer") << "the documents' average length moved more than " << options.max_length_drift * 100
                               << "% from the generation's: a full build";
    IndexBuildOptions full = options;
    full.incremental = false;
    return Build(entries, full, &drifted);
  } catch (const Xapian::Error& e) {
    return Status::Internal("index build failed: " + e.get_description());
  } catch (const std::filesystem::filesystem_error& e) {
    return Status::Internal(std::string("index build failed: ") + e.what());
  }
}

}  // namespace kefu
