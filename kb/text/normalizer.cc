// NFKC case folding with ICU, Traditional -> Simplified folding with OpenCC's dictionaries
// (kb/text/script_converter.h), and the editors' variant table; every output code point remembers the
// byte range of the input it came from.
#include "kb/text/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "kb/text/script_converter.h"

namespace kefu {

const char kTaiwanToSimplifiedConfig[] = R"json({
  "name": "Taiwan phrases to Simplified (Kefu)",
  "segmentation": {"type": "mmseg", "dict": {"type": "ocd2", "file": "TSPhrases.ocd2"}},
  "conversion_chain": [
    {"dict": {"type": "group", "dicts": [{"type": "ocd2", "file": "TWPhrasesRev.ocd2"}]}},
    {"dict": {"type": "group", "dicts": [{"type": "ocd2", "file": "TSPhrases.ocd2"},
                                          {"type": "ocd2", "file": "TSCharacters.ocd2"}]}}
  ]
})json";

namespace {

// Maps output position k of a replacement of `in_len` code points by `out_len` onto the input span.
std::pair<uint32_t, uint32_t> SpanOrigin(const std::vector<std::pair<uint32_t, uint32_t>>& origin,
                                         size_t start, size_t in_len, size_t out_len, size_t k) {
  if (in_len == out_len) return origin[start + k];
  size_t first = start + k * in_len / out_len;
  size_t last = start + std::max(first - start, (k + 1) * in_len / out_len - 1);
  last = std::min(last, start + in_len - 1);
  return {origin[first].first, origin[last].second};
}

// The folding and display conversions every Normalizer uses, compiled once per process: loading and
// compiling OpenCC's dictionaries costs more than analysing a thousand entries, and every index build
// and index generation opened would pay it again.
struct Converters {
  std::unique_ptr<ScriptConverter> t2s;    // characters and phrases
  std::unique_ptr<ScriptConverter> tw2s;   // plus Taiwan vocabulary
  std::unique_ptr<ScriptConverter> s2twp;  // display only
};

Result<std::shared_ptr<const Converters>> SharedConverters() {
  static std::mutex mu;
  static std::shared_ptr<const Converters> shared;  // a failure is not kept: the next call retries
  std::lock_guard<std::mutex> lock(mu);
  if (shared) return shared;
  auto opened = ScriptConverter::OpenAll({"t2s.json", kTaiwanToSimplifiedConfig, "s2twp.json"});
  if (!opened.ok()) {
    return Status::FailedPrecondition("cannot load OpenCC dictionaries (install opencc and libopencc-data): " +
                                      opened.status().message());
  }
  auto converters = std::make_shared<Converters>();
  converters->t2s = std::move((*opened)[0]);
  converters->tw2s = std::move((*opened)[1]);
  converters->s2twp = std::move((*opened)[2]);
  shared = std::move(converters);
  return shared;
}

}  // namespace

struct Normalizer::Impl {
  NormalizerOptions options;
  const icu::Normalizer2* nfkc_cf = nullptr;
  std::shared_ptr<const Converters> converters;
  const ScriptConverter* t2s = nullptr;
  const ScriptConverter* tw2s = nullptr;
  const ScriptConverter* s2twp = nullptr;
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
  auto converters = SharedConverters();
  if (!converters.ok()) return converters.status();
  impl->converters = std::move(converters).value();
  impl->t2s = impl->converters->t2s.get();
  impl->tw2s = impl->converters->tw2s.get();
  impl->s2twp = impl->converters->s2twp.get();
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
  std::u32string cps;
  std::vector<uint32_t> ends;  // byte offset past each code point
  DecodeUtf8(utf8, &cps, &ends);
  auto begin_of = [&](size_t k) { return k == 0 ? uint32_t{0} : ends[k - 1]; };
  out->text.reserve(cps.size());
  out->origin.reserve(cps.size());
  icu::UnicodeString segment, folded;  // reused: most segments are one character
  size_t i = 0;
  while (i < cps.size()) {
    const char32_t c = cps[i];
    // A character alone in its normalisation segment (the next one starts a new segment) folds on its
    // own: ASCII only needs lower-casing, and inert characters (most Han) stay as they are.
    const bool alone = i + 1 == cps.size() || cps[i + 1] < 0x80 ||
                       nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(cps[i + 1]));
    if (alone && (c < 0x80 || nfkc_cf->isInert(static_cast<UChar32>(c)))) {
      out->text.push_back(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
      out->origin.emplace_back(begin_of(i), ends[i]);
      ++i;
      continue;
    }
    // A normalisation segment: up to the next character that starts a new one.
    size_t j = i + 1;
    while (j < cps.size() && !nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(cps[j]))) ++j;
    segment.remove();
    for (size_t k = i; k < j; ++k) segment.append(static_cast<UChar32>(cps[k]));
    UErrorCode ec = U_ZERO_ERROR;
    nfkc_cf->normalize(segment, folded, ec);
    const icu::UnicodeString& result = U_FAILURE(ec) ? segment : folded;
    for (int32_t k = 0; k < result.length();) {
      UChar32 cp = result.char32At(k);
      out->text.push_back(static_cast<char32_t>(cp));
      out->origin.emplace_back(begin_of(i), ends[j - 1]);
      k += U16_LENGTH(cp);
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
  auto run_text = [&](size_t r) {
    return std::u32string_view(text->text).substr(runs[r].first, runs[r].second - runs[r].first);
  };
  // had_traditional means "t2s changes some run"; once it holds, Taiwan folding replaces t2s for every
  // run unless the caller said Simplified, so t2s is not needed any further.
  const bool taiwan_once_traditional = options.map_taiwan_phrases && hint != ScriptHint::kSimplified;
  std::vector<std::u32string> converted(runs.size());
  for (size_t r = 0; r < runs.size() && !(text->had_traditional && taiwan_once_traditional); ++r) {
    converted[r] = t2s->Convert(run_text(r));
    if (converted[r] != run_text(r)) text->had_traditional = true;
  }
  bool taiwan = options.map_taiwan_phrases &&
                (hint == ScriptHint::kTraditional ||
                 (hint == ScriptHint::kUnknown && text->had_traditional));
  if (taiwan) {
    for (size_t r = 0; r < runs.size(); ++r) converted[r] = tw2s->Convert(run_text(r));
  } else if (!text->had_traditional) {
    return;  // t2s changed nothing
  }
  // Same-length conversions keep every origin, so they are written in place.
  bool same_lengths = true;
  for (size_t r = 0; r < runs.size(); ++r) same_lengths &= converted[r].size() == run_text(r).size();
  if (same_lengths) {
    for (size_t r = 0; r < runs.size(); ++r) text->text.replace(runs[r].first, converted[r].size(), converted[r]);
    return;
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

std::string Normalizer::ToTraditional(std::string_view utf8) const { return impl_->s2twp->Convert(utf8); }

std::string Normalizer::ToSimplified(std::string_view utf8) const { return impl_->tw2s->Convert(utf8); }

}  // namespace kefu
