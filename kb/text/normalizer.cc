// NFKC case folding with ICU, Traditional -> Simplified folding with OpenCC, and the editors' variant
// table; every output code point remembers the byte range of the input it came from.
#include "kb/text/normalizer.h"

#include <opencc/Config.hpp>
#include <opencc/Converter.hpp>
#include <unicode/normalizer2.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace kefu {
namespace {

const std::string kOpenccDir = "/usr/share/opencc/";

// t2s plus Taiwan phrases (軟體 -> 软件), without TWVariantsRev: that table turns Simplified 么 into 幺.
constexpr char kTaiwanToSimplifiedConfig[] = R"json({
  "name": "Taiwan phrases to Simplified (Kefu)",
  "segmentation": {"type": "mmseg", "dict": {"type": "ocd2", "file": "TSPhrases.ocd2"}},
  "conversion_chain": [
    {"dict": {"type": "group", "dicts": [{"type": "ocd2", "file": "TWPhrasesRev.ocd2"}]}},
    {"dict": {"type": "group", "dicts": [{"type": "ocd2", "file": "TSPhrases.ocd2"},
                                          {"type": "ocd2", "file": "TSCharacters.ocd2"}]}}
  ]
})json";

struct Piece {
  char32_t cp;
  uint32_t begin;
  uint32_t end;
};

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? U'\uFFFD' : static_cast<char32_t>(c));
  }
  return out;
}

// Maps output position k of a replacement of `in_len` code points by `out_len` onto the input span.
std::pair<uint32_t, uint32_t> SpanOrigin(const std::vector<std::pair<uint32_t, uint32_t>>& origin,
                                         size_t start, size_t in_len, size_t out_len, size_t k) {
  if (in_len == out_len) return origin[start + k];
  size_t first = start + k * in_len / out_len;
  size_t last = start + std::max(first - start, (k + 1) * in_len / out_len - 1);
  last = std::min(last, start + in_len - 1);
  return {origin[first].first, origin[last].second};
}

}  // namespace

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string ToUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

bool IsValidUtf8(std::string_view text, size_t* bad_offset) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      if (bad_offset != nullptr) *bad_offset = static_cast<size_t>(start);
      return false;
    }
  }
  return true;
}

bool IsHan(char32_t cp) {
  if (cp < 0x2E80) return false;
  UErrorCode ec = U_ZERO_ERROR;
  return uscript_getScript(static_cast<UChar32>(cp), &ec) == USCRIPT_HAN && U_SUCCESS(ec);
}

struct Normalizer::Impl {
  NormalizerOptions options;
  const icu::Normalizer2* nfkc_cf = nullptr;
  opencc::ConverterPtr t2s;       // characters and phrases
  opencc::ConverterPtr tw2s;      // plus Taiwan vocabulary
  opencc::ConverterPtr s2twp;     // display only
  std::unordered_map<std::u32string, std::u32string> variants;
  std::unordered_set<char32_t> variant_first;
  size_t variant_max_len = 0;

  void FoldCase(std::string_view utf8, NormalizedText* out) const;
  void FoldHan(ScriptHint hint, NormalizedText* text) const;
  void ApplyVariants(NormalizedText* text) const;
};

Normalizer::Normalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Normalizer::~Normalizer() = default;

Result<std::unique_ptr<Normalizer>> Normalizer::Create(const NormalizerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  UErrorCode ec = U_ZERO_ERROR;
  impl->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
  if (U_FAILURE(ec)) return Status::Internal(std::string("ICU NFKC_Casefold: ") + u_errorName(ec));
  try {
    opencc::Config config;
    impl->t2s = config.NewFromFile(kOpenccDir + "t2s.json");
    impl->tw2s = config.NewFromString(kTaiwanToSimplifiedConfig, kOpenccDir);
    impl->s2twp = config.NewFromFile(kOpenccDir + "s2twp.json");
  } catch (const std::exception& e) {
    return Status::FailedPrecondition("cannot load OpenCC dictionaries from " + kOpenccDir +
                                      " (install opencc and libopencc-data): " + e.what());
  }
  std::istringstream lines(options.variants);
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string from, to;
    if (!(fields >> from >> to)) {
      return Status::InvalidArgument("variants line " + std::to_string(line_no) +
                                     ": expected 'FROM TO'");
    }
    // Keys are matched against folded text: editors write them in Simplified, lower case.
    std::u32string key = DecodeUtf8(from), value = DecodeUtf8(to);
    impl->variant_first.insert(key.front());
    impl->variant_max_len = std::max(impl->variant_max_len, key.size());
    impl->variants[key] = value;
  }
  return std::unique_ptr<Normalizer>(new Normalizer(std::move(impl)));
}

void Normalizer::Impl::FoldCase(std::string_view utf8, NormalizedText* out) const {
  std::vector<Piece> pieces;
  pieces.reserve(utf8.size());
  {
    int32_t i = 0;
    const int32_t n = static_cast<int32_t>(utf8.size());
    const auto* p = reinterpret_cast<const uint8_t*>(utf8.data());
    while (i < n) {
      int32_t start = i;
      UChar32 c;
      U8_NEXT(p, i, n, c);
      pieces.push_back({c < 0 ? U'\uFFFD' : static_cast<char32_t>(c), static_cast<uint32_t>(start),
                        static_cast<uint32_t>(i)});
    }
  }
  out->text.reserve(pieces.size());
  out->origin.reserve(pieces.size());
  size_t i = 0;
  while (i < pieces.size()) {
    // ASCII fast path: a letter followed by another boundary character only needs lower-casing.
    if (pieces[i].cp < 0x80 && (i + 1 == pieces.size() || pieces[i + 1].cp < 0x80)) {
      char32_t c = pieces[i].cp;
      if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
      out->text.push_back(c);
      out->origin.emplace_back(pieces[i].begin, pieces[i].end);
      ++i;
      continue;
    }
    // A normalisation segment: up to the next character that starts a new one.
    size_t j = i + 1;
    while (j < pieces.size() && !nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(pieces[j].cp))) ++j;
    icu::UnicodeString segment;
    for (size_t k = i; k < j; ++k) segment.append(static_cast<UChar32>(pieces[k].cp));
    UErrorCode ec = U_ZERO_ERROR;
    icu::UnicodeString folded = nfkc_cf->normalize(segment, ec);
    if (U_FAILURE(ec)) folded = segment;
    for (int32_t k = 0; k < folded.length();) {
      UChar32 c = folded.char32At(k);
      out->text.push_back(static_cast<char32_t>(c));
      out->origin.emplace_back(pieces[i].begin, pieces[j - 1].end);
      k += U16_LENGTH(c);
    }
    i = j;
  }
}

void Normalizer::Impl::FoldHan(ScriptHint hint, NormalizedText* text) const {
  // Han runs: phrases never cross a non-Han character.
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < text->text.size();) {
    if (!IsHan(text->text[i])) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < text->text.size() && IsHan(text->text[j])) ++j;
    runs.emplace_back(i, j);
    i = j;
  }
  if (runs.empty()) return;
  text->had_han = true;
  std::vector<std::u32string> converted;
  converted.reserve(runs.size());
  for (auto [b, e] : runs) {
    std::string in = ToUtf8(std::u32string_view(text->text).substr(b, e - b));
    std::u32string out = DecodeUtf8(t2s->Convert(in));
    if (out != text->text.substr(b, e - b)) text->had_traditional = true;
    converted.push_back(std::move(out));
  }
  bool taiwan = options.map_taiwan_phrases &&
                (hint == ScriptHint::kTraditional ||
                 (hint == ScriptHint::kUnknown && text->had_traditional));
  if (taiwan) {
    for (size_t r = 0; r < runs.size(); ++r) {
      auto [b, e] = runs[r];
      converted[r] = DecodeUtf8(tw2s->Convert(ToUtf8(std::u32string_view(text->text).substr(b, e - b))));
    }
  }
  std::u32string out;
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  out.reserve(text->text.size());
  origin.reserve(text->text.size());
  size_t pos = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    auto [b, e] = runs[r];
    out.append(text->text, pos, b - pos);
    origin.insert(origin.end(), text->origin.begin() + pos, text->origin.begin() + b);
    for (size_t k = 0; k < converted[r].size(); ++k) {
      origin.push_back(SpanOrigin(text->origin, b, e - b, converted[r].size(), k));
    }
    out += converted[r];
    pos = e;
  }
  out.append(text->text, pos);
  origin.insert(origin.end(), text->origin.begin() + pos, text->origin.end());
  text->text = std::move(out);
  text->origin = std::move(origin);
}

void Normalizer::Impl::ApplyVariants(NormalizedText* text) const {
  std::u32string out;
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  bool changed = false;
  const std::u32string& in = text->text;
  for (size_t i = 0; i < in.size();) {
    if (variant_first.count(in[i]) != 0) {
      size_t max_len = std::min(variant_max_len, in.size() - i);
      bool replaced = false;
      for (size_t len = max_len; len >= 1 && !replaced; --len) {
        auto it = variants.find(in.substr(i, len));
        if (it == variants.end()) continue;
        for (size_t k = 0; k < it->second.size(); ++k) {
          origin.push_back(SpanOrigin(text->origin, i, len, it->second.size(), k));
        }
        out += it->second;
        i += len;
        replaced = changed = true;
      }
      if (replaced) continue;
    }
    out.push_back(in[i]);
    origin.push_back(text->origin[i]);
    ++i;
  }
  if (changed) {
    text->text = std::move(out);
    text->origin = std::move(origin);
  }
}

NormalizedText Normalizer::Normalize(std::string_view utf8, ScriptHint hint) const {
  NormalizedText out;
  impl_->FoldCase(utf8, &out);
  if (impl_->options.fold_traditional) impl_->FoldHan(hint, &out);
  if (!impl_->variants.empty()) impl_->ApplyVariants(&out);
  return out;
}

std::string Normalizer::ToTraditional(std::string_view utf8) const {
  return impl_->s2twp->Convert(std::string(utf8));
}

std::string Normalizer::ToSimplified(std::string_view utf8) const {
  return impl_->tw2s->Convert(std::string(utf8));
}

struct ScriptConverter::Impl {
  opencc::ConverterPtr converter;
};

ScriptConverter::ScriptConverter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScriptConverter::~ScriptConverter() = default;

Result<std::unique_ptr<ScriptConverter>> ScriptConverter::Open(const std::string& config) {
  std::string path = config.find('/') == std::string::npos ? kOpenccDir + config : config;
  auto impl = std::make_unique<Impl>();
  try {
    opencc::Config loader;
    impl->converter = loader.NewFromFile(path);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot load OpenCC configuration " + path + ": " + e.what());
  }
  return std::unique_ptr<ScriptConverter>(new ScriptConverter(std::move(impl)));
}

std::string ScriptConverter::Convert(std::string_view utf8) const {
  return impl_->converter->Convert(std::string(utf8));
}

}  // namespace kefu
