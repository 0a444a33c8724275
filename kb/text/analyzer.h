// Analyzer: text -> tokens, the same code at index and query time. Normalises (kb/text/normalizer.h),
// then splits Latin/digit words (with their letter and digit parts, and whole e-mail addresses) and
// segments Han runs into ICU dictionary words plus overlapping character bigrams as a safety net for
// words ICU splits badly (退/货运/费). Stemming happens in kb/search, which owns the term layout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kb/status.h"
#include "kb/text/normalizer.h"

namespace kefu {

enum class TokenKind {
  kWord,       // Latin, digits, other alphabetic scripts; lower-cased, unstemmed
  kHanWord,    // a word of a Han run (one or more characters)
  kHanBigram,  // two adjacent Han characters
};

struct Token {
  std::string text;  // normalised UTF-8
  TokenKind kind = TokenKind::kWord;
  uint32_t begin = 0;  // byte range in the original text
  uint32_t end = 0;
  uint32_t position = 0;  // word position, for phrase and proximity matching
};

struct AnalyzerOptions {
  NormalizerOptions normalizer;
  // Emit Han character bigrams besides ICU words. Default: true.
  bool han_bigrams = true;
  // Editors' domain words, one per line ('#' comments): every occurrence inside a Han run is also
  // emitted as a word, whatever ICU made of it (ICU splits 退货 in 退货运费). Default: none.
  std::string dictionary;
};

class Analyzer {
 public:
  static Result<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& options);
  ~Analyzer();

  // Thread-safe.
  std::vector<Token> Analyze(std::string_view text, ScriptHint hint = ScriptHint::kUnknown) const;
  // The tokens of text Normalize() returned: a query normalised once to detect its script need not be
  // normalised again. Same tokens as Analyze(text, hint).
  std::vector<Token> Analyze(const NormalizedText& normalized) const;
  // Normalises only; callers use it to detect the script of a query.
  NormalizedText Normalize(std::string_view text, ScriptHint hint = ScriptHint::kUnknown) const;
  const Normalizer& normalizer() const { return *normalizer_; }

 private:
  Analyzer(const AnalyzerOptions& options, std::unique_ptr<Normalizer> normalizer);
  AnalyzerOptions options_;
  std::unique_ptr<Normalizer> normalizer_;
  // Looked up by views into the text, without a string per probe.
  struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::u32string_view s) const { return std::hash<std::u32string_view>{}(s); }
  };
  std::unordered_set<std::u32string, ViewHash, std::equal_to<>> dictionary_;  // folded like the text
  size_t dictionary_max_len_ = 0;
};

// Tokens as one string for tests and --explain: "word han:词 bi:词语", in order.
std::string FormatTokens(const std::vector<Token>& tokens);

}  // namespace kefu
