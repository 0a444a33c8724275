// Generation naming and metadata files.
#include "kb/search/generation.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kb/search/schema.h"

namespace kefu {
namespace {

namespace fs = std::filesystem;
constexpr char kMetaFile[] = "meta.txt";

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

std::string AnalysisHash(const AnalysisConfig& config) {
  uint64_t h = 1469598103934665603ULL;
  std::string all = std::to_string(schema::kLayoutVersion) + "\n" + config.variants;
  for (unsigned char c : all) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return std::to_string(h);
}

AnalyzerOptions AnalyzerOptionsFor(const AnalysisConfig& config) {
  AnalyzerOptions options;
  options.normalizer.variants = config.variants;
  return options;
}

Status WriteGenerationMeta(const std::string& gen_dir, const GenerationMeta& meta,
                           const AnalysisConfig& config) {
  {
    std::ofstream out(fs::path(gen_dir) / kMetaFile);
    out << "layout_version " << meta.layout_version << "\nanalysis_hash " << meta.analysis_hash
        << "\nentries " << meta.entries << "\n";
    if (!out) return Status::Internal("cannot write " + gen_dir + "/" + kMetaFile);
  }
  std::ofstream out(fs::path(gen_dir) / kGenerationVariants, std::ios::binary);
  out << config.variants;
  if (!out) return Status::Internal("cannot write " + gen_dir + "/" + kGenerationVariants);
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
    } else {
      std::string ignored;
      in >> ignored;
    }
  }
  return meta;
}

Result<AnalysisConfig> ReadAnalysisConfig(const std::string& gen_dir) {
  AnalysisConfig config;
  if (!ReadText(fs::path(gen_dir) / kGenerationVariants, &config.variants)) {
    return Status::DataLoss("missing " + gen_dir + "/" + kGenerationVariants);
  }
  return config;
}

}  // namespace kefu
