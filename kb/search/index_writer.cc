// Builds index generations with Xapian; see index_writer.h for the on-disk contract.
#include "kb/search/index_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "kb/content/codec.h"
#include "kb/content/markdown.h"
#include "kb/log.h"
#include "kb/search/generation.h"
#include "kb/search/schema.h"
#include "kb/search/terms.h"
#include "kb/text/analyzer.h"

namespace kefu {
namespace {

namespace fs = std::filesystem;

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

void AddBooleanTerms(const Entry& e, const std::string& key, Xapian::Document* doc) {
  doc->add_boolean_term(schema::Term(schema::kOwnerPrefix, key));
  doc->add_boolean_term(schema::Term(schema::kLocalePrefix, LocaleName(e.locale)));
  doc->add_boolean_term(schema::Term(schema::kAudiencePrefix, AudienceName(e.audience)));
  doc->add_value(schema::kSlotId, e.id);
  doc->add_value(schema::kSlotLocale, std::string(LocaleName(e.locale)));
}

// Adds the terms of `text`; positions only where asked (question documents, for phrase matching).
// Questions also get word-pair terms (phrase evidence); bodies do not.
void IndexText(const Analyzer& analyzer, std::string_view text, ScriptHint hint, std::string_view prefix,
               bool positions, Xapian::termpos base, Xapian::Document* doc, bool pairs = false) {
  std::vector<Token> tokens = analyzer.Analyze(text, hint);
  if (pairs) {
    for (const std::string& pair : PairTermsOf(tokens)) doc->add_term(std::string(prefix) + pair);
  }
  for (const Token& token : tokens) {
    std::string term = TermOf(token);
    if (term.empty()) continue;
    term.insert(0, prefix);
    if (positions) {
      doc->add_posting(term, base + token.position + 1);
    } else {
      doc->add_term(term);
    }
  }
}

void AnalyseEntry(const Analyzer& analyzer, const Entry& e, const std::string& key, const std::string& hash,
                  Xapian::docid base, Xapian::WritableDatabase* db) {
  ScriptHint hint = schema::HintFor(e.locale);
  Xapian::Document entry_doc;
  entry_doc.set_data(EncodeEntry(e));
  entry_doc.add_boolean_term(std::string(schema::kKindEntry));
  entry_doc.add_boolean_term(schema::Term(schema::kEntryKeyPrefix, key));
  AddBooleanTerms(e, key, &entry_doc);
  entry_doc.add_value(schema::kSlotHash, hash);
  IndexText(analyzer, e.title, hint, schema::kBodyPrefix, false, 0, &entry_doc);
  for (const std::string& tag : e.tags) IndexText(analyzer, tag, hint, schema::kBodyPrefix, false, 0, &entry_doc);
  IndexText(analyzer, MarkdownToPlainText(e.body), hint, schema::kBodyPrefix, false, 0, &entry_doc);
  db->replace_document(base + schema::kEntrySlot, entry_doc);

  std::vector<const std::string*> questions = {&e.title};
  for (const std::string& q : e.questions) questions.push_back(&q);
  Xapian::Document aggregate;
  AddBooleanTerms(e, key, &aggregate);
  for (size_t i = 0; i < questions.size(); ++i) {
    IndexText(analyzer, *questions[i], hint, schema::kAggregatePrefix, false, 0, &aggregate);
    if (i >= schema::kMaxQuestionDocs) continue;
    Xapian::Document doc;
    doc.set_data(*questions[i]);
    doc.add_boolean_term(std::string(schema::kKindQuestion));
    AddBooleanTerms(e, key, &doc);
    IndexText(analyzer, *questions[i], hint, "", true, 0, &doc, true);
    db->replace_document(base + schema::kFirstQuestionSlot + static_cast<Xapian::docid>(i), doc);
  }
  db->replace_document(base + schema::kAggregateSlot, aggregate);
}

// Trains one classifier per language group on the published entries' titles and questions (class =
// entry id; both Chinese scripts share one) and writes it into the generation directory.
Status TrainClassifiers(const Analyzer& analyzer, const std::vector<const Entry*>& sorted,
                        const ClassifierOptions& options, const fs::path& gen_dir) {
  for (bool chinese : {false, true}) {
    std::vector<std::string> labels;
    std::map<std::string, int> label_of;
    std::vector<ClassifierExample> examples;
    size_t entries = 0;  // per locale: a Traditional entry and its Simplified original are two
    for (const Entry* e : sorted) {
      if (e->status == EntryStatus::kDraft || IsChinese(e->locale) != chinese) continue;
      ++entries;
      auto [it, fresh] = label_of.try_emplace(e->id, static_cast<int>(labels.size()));
      if (fresh) labels.push_back(e->id);
      ScriptHint hint = schema::HintFor(e->locale);
      examples.push_back({it->second, ClassifierFeaturesOf(analyzer.Analyze(e->title, hint), options)});
      for (const std::string& q : e->questions) {
        examples.push_back({it->second, ClassifierFeaturesOf(analyzer.Analyze(q, hint), options)});
      }
    }
    if (labels.empty()) continue;
    // The gate (classifier.h): too few phrasings for the classifier to know its classes.
    if (static_cast<int64_t>(examples.size()) < options.min_phrasings &&
        static_cast<double>(examples.size()) < options.min_phrasings_per_entry * static_cast<double>(entries)) {
      continue;
    }
    IntentClassifier model = IntentClassifier::Train(std::move(labels), examples, options);
    KEFU_RETURN_IF_ERROR(model.Save((gen_dir / (chinese ? kChineseClassifierFile : kEnglishClassifierFile)).string()));
  }
  return Status::Ok();
}

// What the previous generation holds, read from its entry documents: enough to update a copy of it
// in place (schema.h: the docid says an entry's id ordinal).
struct Previous {
  std::map<std::string, std::string> hash_by_key;      // id|locale -> HashHex
  std::map<std::string, Xapian::docid> ordinal_by_id;  // id -> ordinal
  Xapian::docid max_ordinal = 0;
};

Previous ReadPrevious(const Xapian::Database& db) {
  Previous previous;
  std::string kind(schema::kKindEntry);
  for (auto it = db.postlist_begin(kind); it != db.postlist_end(kind); ++it) {
    Xapian::Document doc = db.get_document(*it);
    std::string id = doc.get_value(schema::kSlotId);
    auto locale = ParseLocale(doc.get_value(schema::kSlotLocale));
    if (!locale) continue;
    previous.hash_by_key[EntryKey(id, *locale)] = doc.get_value(schema::kSlotHash);
    previous.ordinal_by_id[id] = schema::IdOrdinalOf(*it);
    previous.max_ordinal = std::max(previous.max_ordinal, schema::IdOrdinalOf(*it));
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

Result<IndexBuildStats> Build(const std::vector<Entry>& entries, const IndexBuildOptions& options) {
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

  // The previous generation, when it was analysed the same way: the new one starts as a copy of
  // its files and only changed entries are analysed and rewritten (copying documents one by one,
  // positions and all, costs more than analysing them again).
  std::optional<fs::path> previous_db;
  if (options.incremental) {
    auto current = ReadCurrentGeneration(dir.string());
    if (current.ok()) {
      auto old_meta = ReadGenerationMeta((dir / *current).string());
      if (old_meta.ok() && old_meta->layout_version == meta.layout_version &&
          old_meta->analysis_hash == meta.analysis_hash) {
        previous_db = dir / *current / kGenerationDb;
      }
    }
  }

  IndexBuildStats stats;
  int number = NextGenerationNumber(dir);
  stats.generation = GenerationName(number);
  fs::path tmp = dir / (stats.generation + ".tmp");
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  {
    std::vector<const Entry*> sorted;
    for (const Entry& e : entries) sorted.push_back(&e);
    std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) {
      return std::tie(a->id, a->locale) < std::tie(b->id, b->locale);
    });
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i]->id == sorted[i - 1]->id && sorted[i]->locale == sorted[i - 1]->locale) {
        return Status::InvalidArgument("duplicate entry " + EntryKey(sorted[i]->id, sorted[i]->locale));
      }
    }
    Previous previous;
    if (previous_db) {
      fs::copy(*previous_db, tmp / kGenerationDb, fs::copy_options::recursive);
      previous = ReadPrevious(Xapian::Database((tmp / kGenerationDb).string()));
    }
    Xapian::WritableDatabase db((tmp / kGenerationDb).string(),
                                previous_db ? Xapian::DB_OPEN : Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
    // A fresh build numbers ids in order; an update keeps the numbers ids already have and gives new
    // ids the next ones.
    std::map<std::string, Xapian::docid> ordinal_by_id = previous.ordinal_by_id;
    Xapian::docid next_ordinal = previous.max_ordinal;
    std::set<std::string> kept;
    size_t done = 0;
    for (const Entry* entry : sorted) {
      const Entry& e = *entry;
      ++done;
      if (options.progress && (done % 200 == 0 || done == entries.size())) options.progress(done, entries.size());
      if (e.status == EntryStatus::kDraft) {
        ++stats.skipped_drafts;
        continue;
      }
      auto [ordinal, fresh] = ordinal_by_id.try_emplace(e.id, next_ordinal + 1);
      if (fresh) ++next_ordinal;
      std::string key = EntryKey(e.id, e.locale);
      std::string hash = HashHex(EntryHash(e));
      kept.insert(key);
      auto old = previous.hash_by_key.find(key);
      if (old != previous.hash_by_key.end() && old->second == hash) {
        ++stats.reused;
      } else {
        if (old != previous.hash_by_key.end()) DeleteEntry(key, &db);
        AnalyseEntry(**analyzer, e, key, hash, schema::DocId(ordinal->second, static_cast<int>(e.locale), 0), &db);
        ++stats.analysed;
      }
      ++stats.entries;
      ++stats.by_locale[std::string(LocaleName(e.locale))];
      ++stats.by_type[std::string(EntryTypeName(e.type))];
    }
    for (const auto& [key, hash] : previous.hash_by_key) {
      if (kept.count(key) == 0) DeleteEntry(key, &db);  // removed, or now a draft
    }
    db.commit();
    db.close();
    if (options.classifier.enabled) {
      auto train_start = std::chrono::steady_clock::now();
      KEFU_RETURN_IF_ERROR(TrainClassifiers(**analyzer, sorted, options.classifier, tmp));
      stats.classifier_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();
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
    return Build(entries, options);
  } catch (const Xapian::Error& e) {
    return Status::Internal("index build failed: " + e.get_description());
  } catch (const std::filesystem::filesystem_error& e) {
    return Status::Internal(std::string("index build failed: ") + e.what());
  }
}

}  // namespace kefu
