// Normalizer: NFKC case folding (full-width -> half-width), Traditional -> Simplified folding with Taiwan
// vocabulary (kb/text/script_converter.h), and editors' variant table, keeping a map from every output character to the byte range
// of the original text it came from (so highlights land on what the customer or editor wrote).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kb/status.h"
#include "kb/text/unicode.h"

namespace kefu {

// What the caller knows about the script of a text.
enum class ScriptHint {
  kUnknown,      // detect: Traditional when Traditional->Simplified folding changes any character
  kSimplified,   // zh-Hans content
  kTraditional,  // zh-Hant content: Taiwan phrases are mapped too (軟體 -> 软件)
};

struct NormalizedText {
  std::u32string text;  // normalised code points
  // For each code point of `text`, the [begin, end) byte range in the original UTF-8 input.
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  bool had_traditional = false;  // folding changed at least one Han character
  bool had_han = false;
};

struct NormalizerOptions {
  // Fold Traditional to Simplified. Default: true.
  bool fold_traditional = true;
  // Map Taiwan vocabulary (軟體, 網路, 登入...) to mainland words for Traditional text. Default: true.
  bool map_taiwan_phrases = true;
  // Lines "FROM<TAB or space>TO" applied after folding, longest match first (e.g. 帐号 账号). Default: none.
  std::string variants;
};

// The OpenCC configuration of Traditional folding with Taiwan phrases and of ToSimplified: t2s plus
// Taiwan vocabulary (軟體 -> 软件), without TWVariantsRev, which turns Simplified 么 into 幺.
extern const char kTaiwanToSimplifiedConfig[];

class Normalizer {
 public:
  static Result<std::unique_ptr<Normalizer>> Create(const NormalizerOptions& options);
  ~Normalizer();

  // Invalid UTF-8 bytes become U+FFFD, which later stages treat as a separator. Thread-safe.
  NormalizedText Normalize(std::string_view utf8, ScriptHint hint = ScriptHint::kUnknown) const;

  // Display conversion of Simplified text to Taiwan Traditional (with phrases), and back. Thread-safe.
  std::string ToTraditional(std::string_view utf8) const;
  std::string ToSimplified(std::string_view utf8) const;

 private:
  struct Impl;
  explicit Normalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kefu
