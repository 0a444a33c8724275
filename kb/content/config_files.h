// ContentConfig: the editors' configuration files at the top of content/, read as text and carried
// with every index generation so queries are analysed as the documents were.
#pragma once

#include <string>

namespace kefu {

struct ContentConfig {
  std::string variants;    // variants.txt: "FROM TO" spellings folded at index and query time
  std::string dictionary;  // dictionary.txt: one domain word per line, kept whole by segmentation
  std::string synonyms;    // synonyms.txt: "a, b, c" per line; query-side only
  std::string pins;        // pins.txt: "QUESTION<TAB>ENTRY-ID" per line; query-side only
  std::string golden;      // golden.jsonl: questions that guard every build (not part of analysis)
};

// Reads whichever of the files exist in `content_dir` (a missing file is an empty one).
ContentConfig ReadContentConfig(const std::string& content_dir);

// The file names, shared by content/ and generation directories.
inline constexpr char kVariantsFile[] = "variants.txt";
inline constexpr char kDictionaryFile[] = "dictionary.txt";
inline constexpr char kSynonymsFile[] = "synonyms.txt";
inline constexpr char kPinsFile[] = "pins.txt";
inline constexpr char kGoldenFile[] = "golden.jsonl";

}  // namespace kefu
