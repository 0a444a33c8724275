// kefu-micro-bench: Google Benchmark micro-benchmarks of the hot paths, on the deterministic
// generated corpus (bench/corpus.h): analyser throughput per script over entry bodies (MB/s),
// query analysis, and KnowledgeBase::Search latency at 1k and 10k entries.
// Usage: kefu-micro-bench [--benchmark_filter=REGEX] (scripts/bench.sh runs it).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/corpus.h"
#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "kb/search/index_writer.h"
#include "kb/text/analyzer.h"

namespace {

namespace fs = std::filesystem;
using kefu::Locale;

const kefu::Analyzer& SharedAnalyzer() {
  static const std::unique_ptr<kefu::Analyzer> analyzer = [] {
    auto a = kefu::Analyzer::Create(kefu::AnalyzerOptions{});
    if (!a.ok()) std::abort();
    return std::move(a).value();
  }();
  return *analyzer;
}

const kefu::bench::BenchCorpus& Corpus(size_t entries) {
  static std::map<size_t, kefu::bench::BenchCorpus> corpora;
  auto it = corpora.find(entries);
  if (it == corpora.end()) {
    it = corpora.emplace(entries, kefu::bench::GenerateCorpus(entries, 2000)).first;
  }
  return it->second;
}

// The bodies (or the questions) of one locale, cycled through by the benchmark loop.
std::vector<std::string> TextsOf(Locale locale, bool queries) {
  const kefu::bench::BenchCorpus& corpus = Corpus(300);
  std::vector<std::string> out;
  if (queries) {
    for (const auto& q : corpus.queries) {
      if (q.locale == locale) out.push_back(q.text);
    }
  } else {
    for (const auto& e : corpus.entries) {
      if (e.locale == locale) out.push_back(e.body);
    }
  }
  return out;
}

void Analyze(benchmark::State& state, Locale locale, bool queries) {
  const kefu::Analyzer& analyzer = SharedAnalyzer();
  const std::vector<std::string> texts = TextsOf(locale, queries);
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = texts[i++ % texts.size()];
    benchmark::DoNotOptimize(analyzer.Analyze(text));
    bytes += text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_AnalyzeBody(benchmark::State& state) {
  Analyze(state, static_cast<Locale>(state.range(0)), false);
}
void BM_AnalyzeQuery(benchmark::State& state) {
  Analyze(state, static_cast<Locale>(state.range(0)), true);
}
// Arguments are the Locale values: zh-Hans, zh-Hant, en.
BENCHMARK(BM_AnalyzeBody)
    ->ArgName("locale")
    ->Arg(static_cast<int>(Locale::kZhHans))
    ->Arg(static_cast<int>(Locale::kZhHant))
    ->Arg(static_cast<int>(Locale::kEn));
BENCHMARK(BM_AnalyzeQuery)
    ->ArgName("locale")
    ->Arg(static_cast<int>(Locale::kZhHans))
    ->Arg(static_cast<int>(Locale::kZhHant))
    ->Arg(static_cast<int>(Locale::kEn));

// An index of the generated corpus, built once per size in a temporary directory.
class Index {
 public:
  explicit Index(size_t entries) {
    std::string templ = (fs::temp_directory_path() / "kefu-micro-bench-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    dir_ = templ;
    kefu::IndexBuildOptions build;
    build.index_dir = dir_;
    if (!kefu::BuildIndex(Corpus(entries).entries, build).ok()) std::abort();
    kefu::KnowledgeBaseOptions options;
    options.index_dir = dir_;
    auto kb = kefu::KnowledgeBase::Open(options);
    if (!kb.ok()) std::abort();
    kb_ = std::move(kb).value();
  }
  ~Index() {
    kb_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const kefu::KnowledgeBase& kb() const { return *kb_; }

 private:
  std::string dir_;
  std::unique_ptr<kefu::KnowledgeBase> kb_;
};

void BM_Search(benchmark::State& state) {
  static std::map<int64_t, std::unique_ptr<Index>> indexes;
  std::unique_ptr<Index>& index = indexes[state.range(0)];
  if (!index) index = std::make_unique<Index>(static_cast<size_t>(state.range(0)));
  const auto& queries = Corpus(static_cast<size_t>(state.range(0))).queries;
  size_t i = 0;
  for (auto _ : state) {
    const auto& q = queries[i++ % queries.size()];
    kefu::SearchRequest request;
    request.query = q.text;
    request.locale = q.locale;
    request.limit = 10;
    benchmark::DoNotOptimize(index->kb().Search(request));
  }
}
BENCHMARK(BM_Search)->ArgName("entries")->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  kefu::SetLogLevel(kefu::LogLevel::kWarn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
