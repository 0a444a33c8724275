// Reading the configuration files of a content directory.
#include "kb/content/config_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kefu {
namespace {

std::string ReadOptional(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  if (in) buf << in.rdbuf();
  return buf.str();
}

}  // namespace

ContentConfig ReadContentConfig(const std::string& content_dir) {
  std::filesystem::path dir(content_dir);
  ContentConfig config;
  config.variants = ReadOptional(dir / kVariantsFile);
  config.dictionary = ReadOptional(dir / kDictionaryFile);
  config.synonyms = ReadOptional(dir / kSynonymsFile);
  config.pins = ReadOptional(dir / kPinsFile);
  config.golden = ReadOptional(dir / kGoldenFile);
  return config;
}

}  // namespace kefu
