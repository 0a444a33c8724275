// ICU word breaking of Han runs; one BreakIterator per thread because ICU's are not thread-safe.
#include "kb/text/segmenter.h"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <memory>

namespace kefu {
namespace {

icu::BreakIterator* ThreadBreakIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
    UErrorCode ec = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createWordInstance(icu::Locale::getSimplifiedChinese(), ec));
    if (U_FAILURE(ec)) it.reset();
    return it;
  }();
  return iterator.get();
}

}  // namespace

std::vector<std::pair<size_t, size_t>> SegmentHanRun(std::u32string_view run) {
  std::vector<std::pair<size_t, size_t>> words;
  icu::BreakIterator* it = ThreadBreakIterator();
  // Without ICU data single characters still match through bigrams; one character is one word anyway.
  if (it == nullptr || run.size() == 1) {
    for (size_t i = 0; i < run.size(); ++i) words.emplace_back(i, i + 1);
    return words;
  }
  icu::UnicodeString text = icu::UnicodeString::fromUTF32(
      reinterpret_cast<const UChar32*>(run.data()), static_cast<int32_t>(run.size()));
  it->setText(text);
  // Break positions are UTF-16 offsets; map them back to code points when Han is supplementary.
  std::vector<size_t> cp_at_unit;
  if (static_cast<size_t>(text.length()) != run.size()) {
    cp_at_unit.resize(static_cast<size_t>(text.length()) + 1, 0);
    for (int32_t unit = 0, cp = 0; unit < text.length(); ++cp) {
      int32_t len = U16_LENGTH(text.char32At(unit));
      for (int32_t k = 0; k < len; ++k) cp_at_unit[static_cast<size_t>(unit + k)] = static_cast<size_t>(cp);
      unit += len;
    }
    cp_at_unit[static_cast<size_t>(text.length())] = run.size();
  }
  auto cp_at = [&](int32_t unit) {
    return cp_at_unit.empty() ? static_cast<size_t>(unit) : cp_at_unit[static_cast<size_t>(unit)];
  };
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    words.emplace_back(cp_at(start), cp_at(end));
  }
  return words;
}

}  // namespace kefu
