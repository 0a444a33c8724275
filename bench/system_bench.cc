// kefu-bench: whole-system figures at several corpus sizes, side by side with SQLite FTS5 (trigram
// tokenizer) on the same generated corpus and questions: build time and entries/s, one-entry
// incremental build, index size, in-process search latency p50/p99 and Recall@1.
// Usage: kefu-bench [--entries 1000,10000] [--queries 2000]
//        kefu-bench --entries N --index DIR   only Kefu's search figures, on an index kefu-indexer
//        built from `--export N` (a quick loop for profiling: no build, no FTS5)
//        kefu-bench --export N DIR [--queries Q]   writes the N-entry corpus as DIR/bench/entries.jsonl
//        (a content directory for kefu-indexer) and its Q questions (default 2000) as DIR/queries.txt
//        (URL-encoded) and DIR/messages.txt (JSON strings), for the HTTP benchmark in scripts/bench.sh;
//        the entries do not depend on Q, so more questions than wrk sends measure questions not seen before
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/corpus.h"
#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "kb/search/index_writer.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

uint64_t DirBytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) total += f.file_size();
  }
  return total;
}

struct Figures {
  double build_s = 0, incremental_s = 0, p50_us = 0, p99_us = 0, recall_at_1 = 0;
  // Opening the index searchable: what a serving process pays to switch to a new generation.
  double open_s = 0;
  // The same questions asked again: Kefu keeps the entries it has shown prepared for snippets.
  double warm_p50_us = 0, warm_p99_us = 0;
  uint64_t bytes = 0;
};

// Search latency (asked twice) and Recall@1 on the index in `dir`.
void SearchKefu(const kefu::bench::BenchCorpus& corpus, const fs::path& dir, Figures* f) {
  kefu::KnowledgeBaseOptions kb_options;
  kb_options.index_dir = dir.string();
  auto open_start = Clock::now();
  auto kb = kefu::KnowledgeBase::Open(kb_options);
  f->open_s = Seconds(open_start);
  if (!kb.ok()) {
    std::fprintf(stderr, "kefu-bench: %s\n", kb.status().ToString().c_str());
    std::exit(1);
  }
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> micros;
    std::map<kefu::Locale, std::vector<double>> by_locale;  // where the time goes, per script
    int right = 0;
    for (const auto& q : corpus.queries) {
      kefu::SearchRequest request;
      request.query = q.text;
      request.locale = q.locale;
      auto start = Clock::now();
      auto result = (*kb)->Search(request);
      micros.push_back(Seconds(start) * 1e6);
      by_locale[q.locale].push_back(micros.back());
      if (result.ok() && !result->hits.empty() && result->hits[0].id == q.relevant) ++right;
    }
    if (pass == 0) {
      for (const auto& [locale, v] : by_locale) {
        std::fprintf(stderr, "kefu-bench: %s questions: %zu, p50 %.0f us, p99 %.0f us\n",
                     std::string(kefu::LocaleName(locale)).c_str(), v.size(),
                     Percentile(v, 0.5), Percentile(v, 0.99));
      }
    }
    (pass == 0 ? f->p50_us : f->warm_p50_us) = Percentile(micros, 0.5);
    (pass == 0 ? f->p99_us : f->warm_p99_us) = Percentile(micros, 0.99);
    f->recall_at_1 = static_cast<double>(right) / static_cast<double>(corpus.queries.size());
  }
}

Figures RunKefu(const kefu::bench::BenchCorpus& corpus, const fs::path& dir) {
  Figures f;
  kefu::IndexBuildOptions options;
  options.index_dir = dir.string();
  auto start = Clock::now();
  auto stats = kefu::BuildIndex(corpus.entries, options);
  f.build_s = Seconds(start);
  if (!stats.ok()) {
    std::fprintf(stderr, "kefu-bench: %s\n", stats.status().ToString().c_str());
    std::exit(1);
  }
  f.bytes = DirBytes(dir / stats->generation);
  std::fprintf(stderr, "kefu-bench: %zu entries: build %.2f s, of which classifiers %.2f s\n", corpus.entries.size(),
               stats->seconds, stats->classifier_seconds);
  std::vector<kefu::Entry> edited = corpus.entries;
  edited.front().body += " edited";
  start = Clock::now();
  if (!kefu::BuildIndex(edited, options).ok()) std::exit(1);
  f.incremental_s = Seconds(start);
  SearchKefu(corpus, dir, &f);
  return f;
}

// FTS5 MATCH expression: words of three or more characters, OR'ed; a Han run becomes its
// overlapping three-character windows (the trigram tokenizer matches nothing shorter).
std::string Fts5Query(const std::string& text) {
  std::vector<std::string> parts;
  std::u32string chars;
  for (size_t i = 0; i < text.size();) {  // decode UTF-8 by lead byte
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : (c & (0xFF >> (len + 1)));
    for (size_t k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
    chars.push_back(cp);
    i += len;
  }
  auto utf8 = [](std::u32string_view s) {
    std::string out;
    for (char32_t cp : s) {
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    return out;
  };
  std::u32string word;
  auto flush = [&]() {
    if (word.size() >= 3) {
      bool han = word[0] >= 0x2E80;
      if (han) {
        for (size_t k = 0; k + 3 <= word.size(); ++k) parts.push_back('"' + utf8(word.substr(k, 3)) + '"');
      } else {
        parts.push_back('"' + utf8(word) + '"');
      }
    }
    word.clear();
  };
  for (char32_t c : chars) {
    bool han = c >= 0x2E80;
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!han && !alnum) {
      flush();
      continue;
    }
    if (!word.empty() && (word.back() >= 0x2E80) != han) flush();
    word.push_back(c);
  }
  flush();
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += " OR ";
    out += p;
  }
  return out;
}

Figures RunFts5(const kefu::bench::BenchCorpus& corpus, const fs::path& dir) {
  Figures f;
  fs::create_directories(dir);
  fs::path file = dir / "fts5.db";
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE VIRTUAL TABLE f USING fts5(id UNINDEXED, text, tokenize='trigram');",
               nullptr, nullptr, nullptr);
  auto start = Clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO f(id, text) VALUES(?, ?)", -1, &insert, nullptr);
  for (const auto& e : corpus.entries) {
    std::string text = e.title;
    for (const auto& q : e.questions) text += "\n" + q;
    text += "\n" + e.body;
    sqlite3_bind_text(insert, 1, e.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, text.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  f.build_s = Seconds(start);
  f.bytes = fs::file_size(file) + (fs::exists(dir / "fts5.db-wal") ? fs::file_size(dir / "fts5.db-wal") : 0);
  sqlite3_stmt* search = nullptr;
  sqlite3_prepare_v2(db, "SELECT id FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 10", -1, &search, nullptr);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> micros;
    int right = 0;
    for (const auto& q : corpus.queries) {
      std::string match = Fts5Query(q.text);
      start = Clock::now();
      std::string top;
      if (!match.empty()) {
        sqlite3_bind_text(search, 1, match.c_str(), -1, SQLITE_TRANSIENT);
        bool first = true;
        while (sqlite3_step(search) == SQLITE_ROW) {
          if (first) top = reinterpret_cast<const char*>(sqlite3_column_text(search, 0));
          first = false;
        }
        sqlite3_reset(search);
      }
      micros.push_back(Seconds(start) * 1e6);
      if (top == q.relevant) ++right;
    }
    (pass == 0 ? f.p50_us : f.warm_p50_us) = Percentile(micros, 0.5);
    (pass == 0 ? f.p99_us : f.warm_p99_us) = Percentile(micros, 0.99);
    f.recall_at_1 = static_cast<double>(right) / static_cast<double>(corpus.queries.size());
  }
  sqlite3_finalize(search);
  sqlite3_close(db);
  return f;
}

}  // namespace

// The corpus for kefu-indexer and the questions for wrk (bench/wrk/*.lua).
int Export(size_t n, size_t queries_wanted, const fs::path& dir) {
  const kefu::bench::BenchCorpus corpus = kefu::bench::GenerateCorpus(n, queries_wanted);
  // Entry files live below the content directory's top level (kb/content/loader.h).
  fs::create_directories(dir / "bench");
  std::ofstream entries(dir / "bench" / "entries.jsonl"), queries(dir / "queries.txt"),
      messages(dir / "messages.txt");
  for (const kefu::Entry& e : corpus.entries) {
    entries << nlohmann::json{{"id", e.id},
                              {"lang", std::string(kefu::LocaleName(e.locale))},
                              {"question", e.title},
                              {"paraphrases", e.questions},
                              {"answer", e.body}}
                   .dump()
            << '\n';
  }
  for (const kefu::bench::BenchQuery& q : corpus.queries) {
    std::string encoded;
    for (unsigned char c : q.text) {
      char buf[4];
      if (std::isalnum(c) != 0) {
        encoded += static_cast<char>(c);
      } else {
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        encoded += buf;
      }
    }
    queries << encoded << '\n';
    messages << nlohmann::json(q.text).dump() << '\n';
  }
  return entries && queries && messages ? 0 : 1;
}

int main(int argc, char** argv) {
  kefu::SetLogLevel(kefu::LogLevel::kWarn);
  if (argc >= 4 && std::string(argv[1]) == "--export") {
    if (argc == 4) return Export(std::stoul(argv[2]), 2000, argv[3]);
    if (argc == 6 && std::string(argv[4]) == "--queries") return Export(std::stoul(argv[2]), std::stoul(argv[5]), argv[3]);
    std::fprintf(stderr, "usage: kefu-bench --export N DIR [--queries Q]\n");
    return 2;
  }
  std::vector<size_t> sizes = {1000, 10000};
  size_t queries = 2000;
  std::string index;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--entries") {
      sizes.clear();
      for (size_t pos = 0; pos <= v.size();) {
        size_t comma = v.find(',', pos);
        sizes.push_back(std::stoul(v.substr(pos, comma - pos)));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else if (a == "--queries") {
      queries = std::stoul(v);
    } else if (a == "--index") {
      index = v;
    } else {
      std::fprintf(stderr, "usage: kefu-bench [--entries N,N...] [--queries N] [--index DIR]\n");
      return 2;
    }
  }
  if (!index.empty()) {
    if (sizes.size() != 1) {
      std::fprintf(stderr, "kefu-bench: --index needs the one size it was exported at (--entries N)\n");
      return 2;
    }
    Figures k;
    SearchKefu(kefu::bench::GenerateCorpus(sizes[0], queries), index, &k);
    std::printf(
        "%zu entries: opened in %.2f s; search p50 %.0f us, p99 %.0f us; again: p50 %.0f us, p99 %.0f us; "
        "Recall@1 %.3f\n",
        sizes[0], k.open_s, k.p50_us, k.p99_us, k.warm_p50_us, k.warm_p99_us, k.recall_at_1);
    return 0;
  }
  std::string templ = (fs::temp_directory_path() / "kefu-bench-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return 1;
  fs::path root(templ);
  std::printf(
      "| entries | engine | build s | entries/s | one-entry rebuild s | open s | index MB | search p50 us | p99 us | "
      "again: p50 us | p99 us | Recall@1 |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (size_t n : sizes) {
    kefu::bench::BenchCorpus corpus = kefu::bench::GenerateCorpus(n, queries);
    Figures k = RunKefu(corpus, root / ("kefu-" + std::to_string(n)));
    Figures s = RunFts5(corpus, root / ("fts5-" + std::to_string(n)));
    std::printf("| %zu | Kefu | %.2f | %.0f | %.2f | %.2f | %.1f | %.0f | %.0f | %.0f | %.0f | %.3f |\n", n,
                k.build_s, n / k.build_s, k.incremental_s, k.open_s, k.bytes / 1e6, k.p50_us, k.p99_us,
                k.warm_p50_us, k.warm_p99_us, k.recall_at_1);
    std::printf("| %zu | SQLite FTS5 trigram | %.2f | %.0f | — | — | %.1f | %.0f | %.0f | %.0f | %.0f | %.3f |\n", n,
                s.build_s, n / s.build_s, s.bytes / 1e6, s.p50_us, s.p99_us, s.warm_p50_us, s.warm_p99_us,
                s.recall_at_1);
    std::printf("| %zu | Kefu / FTS5 | %.2fx | | | | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %+.3f |\n", n,
                k.build_s / s.build_s, static_cast<double>(k.bytes) / s.bytes, k.p50_us / s.p50_us,
                k.p99_us / s.p99_us, k.warm_p50_us / s.warm_p50_us, k.warm_p99_us / s.warm_p99_us,
                k.recall_at_1 - s.recall_at_1);
    std::fflush(stdout);
  }
  fs::remove_all(root);
  return 0;
}
