// kefu-eval: indexes a corpus with the production code in a temporary directory, runs questions
// against it and reports retrieval quality, calibration and the answer/escalation trade-off.
// Exit codes: 0 ok, 1 failure (or --min-recall-at-1 not met), 2 usage.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kb/answer/calibration.h"
#include "kb/answer/dialog.h"
#include "kb/answer/confidence.h"
#include "kb/content/loader.h"
#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "kb/search/index_writer.h"
#include "kb/text/script_converter.h"

namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: kefu-eval (--corpus FILE.jsonl | --content DIR) --queries FILE.jsonl [--json]\n"
    "                 [--convert-queries OPENCC_CONFIG] [--features FILE.tsv] [--failures N]\n"
    "                 [--min-recall-at-1 X] [--unknown-intents FRACTION] [--set NAME=VALUE ...]\n"
    "\n"
    "--corpus            JSON Lines corpus in the evaluation schema (id, lang, question, paraphrases, answer)\n"
    "--content           a content/ directory, as kefu-indexer reads it\n"
    "--queries           JSON Lines questions: {\"query\", \"lang\", \"relevant\": [ids]}; [] = out of scope\n"
    "--convert-queries   rewrite questions with an OpenCC configuration first (e.g. s2twp.json)\n"
    "--features          write the top answer's confidence features and correctness per question\n"
    "--failures N        print the first N questions whose top answer is wrong\n"
    "--min-recall-at-1   exit 1 when Recall@1 is below X (golden checks)\n"
    "--unknown-intents   leave this fraction of the corpus's entries out (chosen by a hash of the id,\n"
    "                    the same every run); their questions become out of scope, as questions the KB\n"
    "                    does not cover are in production\n"
    "--set               override a ranking or policy setting for this run, e.g. --set bm25_b=0.7\n"
    "                    (bigram_weight aggregate_weight body_weight pair_weight synonym_weight bm25_k1\n"
    "                     bm25_b pool drop_stop_words model_weight selective_share\n"
    "                     selective_min; the classifier's model (0 = off)\n"
    "                     model_epochs model_learning_rate model_l2 model_ngram_min model_ngram_max\n"
    "                     model_max_classes model_max_updates model_max_steps;\n"
    "                     answer_threshold clarify_threshold, and the confidence\n"
    "                     model's bias w_query_coverage w_doc_coverage w_margin w_score_ratio\n"
    "                     w_body_match w_han_query w_query_words w_model_probability w_model_margin;\n"
    "                     the same with a c_ prefix for the model used where a classifier was\n"
    "                     trained; model_gate model_gate_per_entry, the phrasings that train one)\n"
    "\n"
    "       kefu-eval --fit-confidence FILE.tsv...\n"
    "fits the confidence model to --features files (all together) and prints its coefficients\n";

struct Query {
  std::string text;
  std::optional<kefu::Locale> locale;
  std::vector<std::string> relevant;
  int line = 0;
};

struct Outcome {
  int rank = 0;  // 1-based rank of the first relevant hit; 0 = none in the top 10
  bool correct = false;  // in scope and the top hit is relevant
  double confidence = 0;
  bool answered = false;
  kefu::ReplyType reply = kefu::ReplyType::kHandoff;
  bool in_scope = false;
  double micros = 0;
  std::string top_id;
  kefu::ConfidenceFeatures features;
};

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "kefu-eval-XXXXXX").string();
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool ReadQueries(const std::string& path, std::vector<Query>* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot read";
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("query") || !j["query"].is_string()) {
      *error = path + ":" + std::to_string(n) + ": expected {\"query\": ..., \"relevant\": [...]}";
      return false;
    }
    Query q;
    q.text = j["query"].get<std::string>();
    q.line = n;
    if (j.contains("lang") && j["lang"].is_string()) q.locale = kefu::ParseLocale(j["lang"].get<std::string>());
    if (j.contains("relevant") && j["relevant"].is_array()) {
      for (const auto& r : j["relevant"]) {
        if (r.is_string()) q.relevant.push_back(r.get<std::string>());
      }
    }
    out->push_back(std::move(q));
  }
  return true;
}

// A stable hash of an entry id in [0, 1): which entries --unknown-intents leaves out (FNV-1a).
double IdFraction(const std::string& id) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
}

// The largest share of all questions that can be answered with at least `precision` of the answers
// right, answering the most confident first (any threshold), and that threshold: how a peer
// engine's answer rate at 90% precision is compared.
std::pair<double, double> AnswerRateAtPrecision(std::vector<Outcome> outcomes, double precision) {
  std::sort(outcomes.begin(), outcomes.end(),
            [](const Outcome& a, const Outcome& b) { return a.confidence > b.confidence; });
  double right = 0, best_rate = 0, best_threshold = 1;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].correct) ++right;
    // A threshold cannot split equal confidences: only count the end of a run of ties.
    if (i + 1 < outcomes.size() && outcomes[i + 1].confidence == outcomes[i].confidence) continue;
    if (right / static_cast<double>(i + 1) >= precision) {
      best_rate = static_cast<double>(i + 1) / static_cast<double>(outcomes.size());
      best_threshold = outcomes[i].confidence;
    }
  }
  return {best_rate, best_threshold};
}

// Probability that a random correct answer has a higher confidence than a random other one.
double Auroc(const std::vector<Outcome>& outcomes) {
  std::vector<std::pair<double, bool>> v;
  for (const auto& o : outcomes) v.emplace_back(o.confidence, o.correct);
  std::sort(v.begin(), v.end());
  double pos = 0, neg = 0, rank_sum = 0;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j < v.size() && v[j].first == v[i].first) ++j;
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k) {
      if (v[k].second) {
        rank_sum += avg_rank;
        ++pos;
      } else {
        ++neg;
      }
    }
    i = j;
  }
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

// Expected calibration error of the top answer's confidence, 10 equal-width bins.
double Ece(const std::vector<Outcome>& outcomes) {
  constexpr int kBins = 10;
  double conf[kBins] = {}, acc[kBins] = {}, count[kBins] = {};
  for (const auto& o : outcomes) {
    int b = std::min(kBins - 1, static_cast<int>(o.confidence * kBins));
    conf[b] += o.confidence;
    acc[b] += o.correct ? 1 : 0;
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < kBins; ++b) {
    if (count[b] > 0) ece += std::fabs(acc[b] - conf[b]) / static_cast<double>(outcomes.size());
  }
  return ece;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

// Reads --features files and prints the fitted confidence model.
int FitConfidence(const std::vector<std::string>& files) {
  std::vector<kefu::LabelledFeatures> samples;
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "kefu-eval: cannot read " << file << "\n";
      return 1;
    }
    std::string header;
    std::getline(in, header);
    kefu::LabelledFeatures s;
    int correct = 0, in_scope = 0, body = 0, han = 0;
    double confidence = 0;
    while (in >> correct >> in_scope >> confidence >> s.features.query_coverage >> s.features.doc_coverage >>
           s.features.margin >> s.features.score_ratio >> body >> han >> s.features.query_words >>
           s.features.model_probability >> s.features.model_margin) {
      s.correct = correct != 0;
      s.features.body_match = body != 0;
      s.features.han_query = han != 0;
      samples.push_back(s);
    }
  }
  if (samples.empty()) {
    std::cerr << "kefu-eval: no samples in the --features files\n";
    return 1;
  }
  kefu::ConfidenceModel m = kefu::FitConfidenceModel(samples);
  std::printf("fitted on %zu questions\n", samples.size());
  std::printf("--set bias=%.4f --set w_query_coverage=%.4f --set w_doc_coverage=%.4f --set w_margin=%.4f "
              "--set w_score_ratio=%.4f --set w_body_match=%.4f --set w_han_query=%.4f --set w_query_words=%.4f "
              "--set w_model_probability=%.4f --set w_model_margin=%.4f\n",
              m.bias, m.query_coverage, m.doc_coverage, m.margin, m.score_ratio, m.body_match, m.han_query,
              m.query_words, m.model_probability, m.model_margin);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  kefu::SetLogLevel(kefu::LogLevel::kWarn);  // the report is the output
  std::string corpus, content, queries_path, convert, features_path;
  bool json = false;
  int failures = 0;
  double min_recall = -1;
  double unknown_intents = 0;
  std::vector<std::string> problems;
  kefu::KnowledgeBaseOptions kb_options;
  kefu::IndexBuildOptions build;
  auto set = [&](const std::string& assignment) {
    size_t eq = assignment.find('=');
    std::string name = assignment.substr(0, eq);
    double v = eq == std::string::npos ? 0 : std::atof(assignment.c_str() + eq + 1);
    std::map<std::string, double*> knobs = {
        {"bigram_weight", &kb_options.ranking.bigram_weight},
        {"aggregate_weight", &kb_options.ranking.aggregate_weight},
        {"body_weight", &kb_options.ranking.body_weight},
        {"body_common_share", &kb_options.ranking.body_common_share},
        {"pair_weight", &kb_options.ranking.pair_weight},
        {"synonym_weight", &kb_options.ranking.synonym_weight},
        {"bm25_k1", &build.bm25_k1},
        {"bm25_b", &build.bm25_b},
        {"answer_threshold", &kb_options.policy.answer_threshold},
        {"bias", &kb_options.policy.model.bias},
        {"w_query_coverage", &kb_options.policy.model.query_coverage},
        {"w_doc_coverage", &kb_options.policy.model.doc_coverage},
        {"w_margin", &kb_options.policy.model.margin},
        {"w_score_ratio", &kb_options.policy.model.score_ratio},
        {"w_body_match", &kb_options.policy.model.body_match},
        {"w_han_query", &kb_options.policy.model.han_query},
        {"w_query_words", &kb_options.policy.model.query_words},
        {"w_model_probability", &kb_options.policy.model.model_probability},
        {"w_model_margin", &kb_options.policy.model.model_margin},
        {"model_weight", &kb_options.ranking.model_weight},
        {"selective_share", &kb_options.ranking.selective_share},
        {"model_learning_rate", &build.classifier.learning_rate},
        {"model_l2", &build.classifier.l2},
        {"c_bias", &kb_options.policy.model_with_classifier.bias},
        {"c_w_query_coverage", &kb_options.policy.model_with_classifier.query_coverage},
        {"c_w_doc_coverage", &kb_options.policy.model_with_classifier.doc_coverage},
        {"c_w_margin", &kb_options.policy.model_with_classifier.margin},
        {"c_w_score_ratio", &kb_options.policy.model_with_classifier.score_ratio},
        {"c_w_body_match", &kb_options.policy.model_with_classifier.body_match},
        {"c_w_han_query", &kb_options.policy.model_with_classifier.han_query},
        {"c_w_query_words", &kb_options.policy.model_with_classifier.query_words},
        {"c_w_model_probability", &kb_options.policy.model_with_classifier.model_probability},
        {"c_w_model_margin", &kb_options.policy.model_with_classifier.model_margin},
        {"model_gate_per_entry", &build.classifier.min_phrasings_per_entry},
        {"clarify_threshold", &kb_options.policy.clarify_threshold}};
    if (name == "drop_stop_words" && eq != std::string::npos) {
      kb_options.ranking.drop_stop_words = v != 0;
    } else if (name == "pool" && eq != std::string::npos) {
      kb_options.ranking.pool = static_cast<int>(v);
    } else if (name == "body_common_min" && eq != std::string::npos) {
      kb_options.ranking.body_common_min = static_cast<int>(v);
    } else if (name == "selective_min" && eq != std::string::npos) {
      kb_options.ranking.selective_min = static_cast<int>(v);
    } else if (name == "model_epochs" && eq != std::string::npos) {
      build.classifier.epochs = static_cast<int>(v);
    } else if (name == "model_ngram_min" && eq != std::string::npos) {
      build.classifier.char_ngram_min = static_cast<int>(v);
    } else if (name == "model_ngram_max" && eq != std::string::npos) {
      build.classifier.char_ngram_max = static_cast<int>(v);
    } else if (name == "model_max_classes" && eq != std::string::npos) {
      build.classifier.max_classes_per_feature = static_cast<int64_t>(v);
    } else if (name == "model_max_updates" && eq != std::string::npos) {
      build.classifier.max_updates_per_pass = static_cast<int64_t>(v);
    } else if (name == "model_max_steps" && eq != std::string::npos) {
      build.classifier.max_training_steps = static_cast<int64_t>(v);
    } else if (name == "model_gate" && eq != std::string::npos) {
      build.classifier.min_phrasings = static_cast<int64_t>(v);
    } else if (name == "model" && eq != std::string::npos) {
      build.classifier.enabled = v != 0;
    } else if (knobs.count(name) != 0 && eq != std::string::npos) {
      *knobs[name] = v;
    } else {
      problems.push_back("unknown setting '" + assignment + "'");
    }
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        problems.push_back(a + " needs a value");
        return "";
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--corpus") {
      corpus = value();
    } else if (a == "--content") {
      content = value();
    } else if (a == "--queries") {
      queries_path = value();
    } else if (a == "--convert-queries") {
      convert = value();
    } else if (a == "--features") {
      features_path = value();
    } else if (a == "--failures") {
      failures = std::atoi(value().c_str());
    } else if (a == "--min-recall-at-1") {
      min_recall = std::atof(value().c_str());
    } else if (a == "--unknown-intents") {
      unknown_intents = std::atof(value().c_str());
      if (unknown_intents < 0 || unknown_intents >= 1) {
        problems.push_back("--unknown-intents must be in [0, 1)");
      }
    } else if (a == "--json") {
      json = true;
    } else if (a == "--set") {
      set(value());
    } else if (a == "--fit-confidence") {
      std::vector<std::string> files(argv + i + 1, argv + argc);
      return FitConfidence(files);
    } else {
      problems.push_back("unknown argument '" + a + "'");
    }
  }
  if (corpus.empty() == content.empty()) problems.push_back("give exactly one of --corpus or --content");
  if (queries_path.empty()) problems.push_back("--queries is required");
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "kefu-eval: " << p << "\n";
    std::cerr << kUsage;
    return 2;
  }

  kefu::LoadResult loaded = content.empty() ? kefu::LoadJsonlFile(corpus) : kefu::LoadContentDir(content);
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == kefu::Severity::kError) std::cerr << d.ToString() << "\n";
  }
  if (loaded.error_count() > 0) return 1;
  std::vector<Query> queries;
  std::string error;
  if (!ReadQueries(queries_path, &queries, &error)) {
    std::cerr << "kefu-eval: " << error << "\n";
    return 1;
  }
  if (unknown_intents > 0) {
    std::erase_if(loaded.entries, [&](const kefu::Entry& e) { return IdFraction(e.id) < unknown_intents; });
    for (Query& q : queries) {
      std::erase_if(q.relevant, [&](const std::string& id) { return IdFraction(id) < unknown_intents; });
    }
  }
  std::unique_ptr<kefu::ScriptConverter> converter;
  if (!convert.empty()) {
    auto c = kefu::ScriptConverter::Open(convert);
    if (!c.ok()) {
      std::cerr << "kefu-eval: " << c.status().ToString() << "\n";
      return 2;
    }
    converter = std::move(c).value();
  }

  TempDir tmp;
  build.index_dir = tmp.path();
  build.analysis = loaded.config;
  auto stats = kefu::BuildIndex(loaded.entries, build);
  if (!stats.ok()) {
    std::cerr << "kefu-eval: " << stats.status().ToString() << "\n";
    return 1;
  }
  kb_options.index_dir = tmp.path();
  auto kb = kefu::KnowledgeBase::Open(kb_options);
  if (!kb.ok()) {
    std::cerr << "kefu-eval: " << kb.status().ToString() << "\n";
    return 1;
  }

  std::ofstream features;
  if (!features_path.empty()) {
    features.open(features_path);
    features << "correct\tin_scope\tconfidence\tquery_coverage\tdoc_coverage\tmargin\tscore_ratio\tbody_match"
                "\than_query\tquery_words\tmodel_probability\tmodel_margin\n";
  }
  std::vector<Outcome> outcomes;
  int failures_printed = 0;
  for (const Query& q : queries) {
    kefu::SearchRequest request;
    // Converted questions are in the other script: let the engine detect it, as the widget would.
    request.query = converter ? converter->Convert(q.text) : q.text;
    if (!converter) request.locale = q.locale;
    request.limit = 10;
    auto start = std::chrono::steady_clock::now();
    auto result = (*kb)->Search(request);
    Outcome o;
    o.micros = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    o.in_scope = !q.relevant.empty();
    if (result.ok()) {
      for (size_t r = 0; r < result->hits.size(); ++r) {
        const std::string& id = result->hits[r].id;
        if (std::find(q.relevant.begin(), q.relevant.end(), id) != q.relevant.end()) {
          o.rank = static_cast<int>(r) + 1;
          break;
        }
      }
      if (!result->hits.empty()) {
        o.top_id = result->hits.front().id;
        o.features = result->hits.front().features;
      }
      o.confidence = result->confidence;
    }
    o.correct = o.in_scope && o.rank == 1;
    // The bot's own decision, for a first message: answer, clarify or hand off.
    kefu::DialogInput input;
    input.message = request.query;
    if (result.ok()) {
      for (const kefu::SearchHit& h : result->hits) input.candidates.push_back({h.id, h.confidence, h.escalate});
    }
    kefu::DialogOptions dialog;
    dialog.answer_threshold = (*kb)->policy().answer_threshold;
    dialog.clarify_threshold = (*kb)->policy().clarify_threshold;
    o.reply = kefu::DecideReply({}, input, dialog).type;
    o.answered = o.reply == kefu::ReplyType::kAnswer;
    if (features.is_open()) {
      features << o.correct << '\t' << o.in_scope << '\t' << o.confidence << '\t' << o.features.query_coverage
               << '\t' << o.features.doc_coverage << '\t' << o.features.margin << '\t'
               << o.features.score_ratio << '\t' << o.features.body_match << '\t' << o.features.han_query << '\t'
               << o.features.query_words << '\t' << o.features.model_probability << '\t'
               << o.features.model_margin << '\n';
    }
    if (o.in_scope && !o.correct && failures_printed < failures) {
      ++failures_printed;
      std::cerr << queries_path << ":" << q.line << ": " << request.query << " -> " << o.top_id
                << " (want " << q.relevant.front() << ", rank " << o.rank << ")\n";
    }
    outcomes.push_back(o);
  }

  double in_scope = 0, oos = 0, r1 = 0, r5 = 0, mrr = 0, answered = 0, answered_right = 0, oos_escalated = 0;
  double clarified = 0, handed_off = 0;
  std::vector<double> micros;
  for (const auto& o : outcomes) {
    micros.push_back(o.micros);
    if (o.reply == kefu::ReplyType::kClarify) ++clarified;
    if (o.reply == kefu::ReplyType::kHandoff) ++handed_off;
    if (o.answered) ++answered;
    if (o.answered && o.correct) ++answered_right;
    if (!o.in_scope) {
      ++oos;
      if (!o.answered) ++oos_escalated;
      continue;
    }
    ++in_scope;
    if (o.rank == 1) ++r1;
    if (o.rank >= 1 && o.rank <= 5) ++r5;
    if (o.rank >= 1) mrr += 1.0 / o.rank;
  }
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  nlohmann::json report = {
      {"recall_at_1", ratio(r1, in_scope)},
      {"recall_at_5", ratio(r5, in_scope)},
      {"mrr_at_10", ratio(mrr, in_scope)},
      {"auroc", Auroc(outcomes)},
      {"ece", Ece(outcomes)},
      {"answered_precision", ratio(answered_right, answered)},
      {"answer_rate", ratio(answered, static_cast<double>(outcomes.size()))},
      {"oos_escalation_recall", oos > 0 ? nlohmann::json(ratio(oos_escalated, oos)) : nlohmann::json(nullptr)},
      {"answer_rate_at_90_precision", AnswerRateAtPrecision(outcomes, 0.9).first},
      {"threshold_at_90_precision", AnswerRateAtPrecision(outcomes, 0.9).second},
      {"clarify_rate", ratio(clarified, static_cast<double>(outcomes.size()))},
      {"handoff_rate", ratio(handed_off, static_cast<double>(outcomes.size()))},
      {"queries", outcomes.size()},
      {"in_scope", static_cast<int64_t>(in_scope)},
      {"out_of_scope", static_cast<int64_t>(oos)},
      {"p50_query_us", Percentile(micros, 0.5)},
      {"p99_query_us", Percentile(micros, 0.99)},
  };
  if (json) {
    std::cout << report.dump(2) << "\n";
  } else {
    for (const auto& [key, value] : report.items()) std::printf("%-22s %s\n", key.c_str(), value.dump().c_str());
  }
  if (min_recall >= 0 && ratio(r1, in_scope) < min_recall) {
    std::cerr << "kefu-eval: Recall@1 " << ratio(r1, in_scope) << " is below " << min_recall << "\n";
    return 1;
  }
  return 0;
}
