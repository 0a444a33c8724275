// Generation naming and metadata files.
#include "kb/search/generation.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "kb/search/schema.h"

namespace kefu {
namespace {

namespace fs = std::filesystem;
constexpr char kMetaFile[] = "meta.txt";
constexpr const char* kClassifierInputsKeys[2] = {"classifier_inputs_en", "classifier_inputs_zh"};

bool ReadText(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *out = buf.str();
  return true;
}

}  // namespace

std::string GenerationName(int number) { return "gen-" + std::to_string(number); }

std::optional<int> ParseGenerationName(const std::string& name) {
  if (name.size() < 5 || name.rfind("gen-", 0) != 0) return std::nullopt;
  int n = 0;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || n > 100000000) return std::nullopt;
    n = n * 10 + (name[i] - '0');
  }
  return n;
}

Result<std::string> ReadCurrentGeneration(const std::string& index_dir) {
  std::error_code ec;
  fs::path target = fs::read_symlink(fs::path(index_dir) / kCurrentLink, ec);
  if (ec) {
    return Status::FailedPrecondition("no index in " + index_dir +
                                      ": build one with `kefu-indexer build --content DIR --index " +
                                      index_dir + "`");
  }
  std::string name = target.filename().string();
  if (!ParseGenerationName(name)) return Status::DataLoss("current points at " + target.string());
  return name;
}

std::string AnalysisHash(const ContentConfig& config) {
  uint64_t h = 1469598103934665603ULL;
  std::string all = std::to_string(schema::kLayoutVersion) + "\n" + config.variants + "\n\x01" + config.dictionary;
  for (unsigned char c : all) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return std::to_string(h);
}

AnalyzerOptions AnalyzerOptionsFor(const ContentConfig& config) {
  AnalyzerOptions options;
  options.normalizer.variants = config.variants;
  options.dictionary = config.dictionary;
  return options;
}

Status WriteGenerationMeta(const std::string& gen_dir, const GenerationMeta& meta,
                           const ContentConfig& config) {
  {
    std::ofstream out(fs::path(gen_dir) / kMetaFile);
    out << "layout_version " << meta.layout_version << "\nanalysis_hash " << meta.analysis_hash
        << "\nentries " << meta.entries << "\n";
    out << std::setprecision(17) << "bm25_k1 " << meta.length_norm.k1 << "\nbm25_b " << meta.length_norm.b
        << "\naverage_length " << meta.length_norm.average_length << "\nlength_terms " << meta.lengths.terms
        << "\nlength_docs " << meta.lengths.docs << "\n";
    for (int g = 0; g < 2; ++g) {
      if (meta.classifier_inputs[g].empty()) continue;
      out << kClassifierInputsKeys[g] << " " << meta.classifier_inputs[g] << "\n";
    }
    if (!out) return Status::Internal("cannot write " + gen_dir + "/" + kMetaFile);
  }
  for (auto [name, text] : {std::pair{kVariantsFile, &config.variants}, {kDictionaryFile, &config.dictionary},
                            {kSynonymsFile, &config.synonyms}, {kPinsFile, &config.pins}}) {
    std::ofstream out(fs::path(gen_dir) / name, std::ios::binary);
    out << *text;
    if (!out) return Status::Internal("cannot write " + gen_dir + "/" + name);
  }
  return Status::Ok();
}

Result<GenerationMeta> ReadGenerationMeta(const std::string& gen_dir) {
  std::string text;
  if (!ReadText(fs::path(gen_dir) / kMetaFile, &text)) {
    return Status::DataLoss("missing " + gen_dir + "/" + kMetaFile);
  }
  GenerationMeta meta;
  std::istringstream in(text);
  std::string key;
  while (in >> key) {
    if (key == "layout_version") {
      in >> meta.layout_version;
    } else if (key == "analysis_hash") {
      in >> meta.analysis_hash;
    } else if (key == "entries") {
      in >> meta.entries;
    } else if (key == "bm25_k1") {
      in >> meta.length_norm.k1;
    } else if (key == "bm25_b") {
      in >> meta.length_norm.b;
    } else if (key == "average_length") {
      in >> meta.length_norm.average_length;
    } else if (key == "length_terms") {
      in >> meta.lengths.terms;
    } else if (key == "length_docs") {
      in >> meta.lengths.docs;
    } else if (key == kClassifierInputsKeys[0]) {
      in >> meta.classifier_inputs[0];
    } else if (key == kClassifierInputsKeys[1]) {
      in >> meta.classifier_inputs[1];
    } else {
      std::string ignored;
      in >> ignored;
    }
  }
  return meta;
}

std::string DocLengths::Encode() const { return std::to_string(terms) + " " + std::to_string(docs); }

std::optional<DocLengths> DocLengths::Decode(const std::string& text) {
  DocLengths out;
  std::istringstream in(text);
  if (!(in >> out.terms >> out.docs)) return std::nullopt;
  return out;
}

ContentConfig ReadAnalysisConfig(const std::string& gen_dir) { return ReadContentConfig(gen_dir); }

}  // namespace kefu
