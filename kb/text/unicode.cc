// UTF-8 with ICU's macros; IsHan answers the BMP from a bit table filled once from ICU, because
// uscript_getScript per character was a measurable part of analysing Chinese text.
#include "kb/text/unicode.h"

#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>

namespace kefu {
namespace {

constexpr char32_t kFirstHan = 0x2E80;  // CJK Radicals Supplement: nothing below is Han
constexpr char32_t kBmpEnd = 0x10000;

bool IcuIsHan(char32_t cp) {
  UErrorCode ec = U_ZERO_ERROR;
  return uscript_getScript(static_cast<UChar32>(cp), &ec) == USCRIPT_HAN && U_SUCCESS(ec);
}

using BmpBits = std::array<uint64_t, kBmpEnd / 64>;

const BmpBits& BmpHan() {
  static const BmpBits bits = [] {
    BmpBits b{};
    for (char32_t cp = kFirstHan; cp < kBmpEnd; ++cp) {
      if (IcuIsHan(cp)) b[cp / 64] |= uint64_t{1} << (cp % 64);
    }
    return b;
  }();
  return bits;
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

std::u32string DecodeUtf8(std::string_view utf8) {
  std::u32string out;
  DecodeUtf8(utf8, &out);
  return out;
}

void DecodeUtf8(std::string_view utf8, std::u32string* out, std::vector<uint32_t>* ends) {
  // Sized for the worst case (all ASCII) and trimmed: no capacity check per character.
  out->resize(utf8.size());
  if (ends != nullptr) ends->resize(utf8.size());
  int32_t i = 0;
  size_t k = 0;
  const int32_t n = static_cast<int32_t>(utf8.size());
  const auto* p = reinterpret_cast<const uint8_t*>(utf8.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    (*out)[k] = c < 0 ? U'\uFFFD' : static_cast<char32_t>(c);
    if (ends != nullptr) (*ends)[k] = static_cast<uint32_t>(i);
    ++k;
  }
  out->resize(k);
  if (ends != nullptr) ends->resize(k);
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
  if (cp < kFirstHan) return false;
  if (cp < kBmpEnd) return (BmpHan()[cp / 64] >> (cp % 64)) & 1;
  return IcuIsHan(cp);
}

}  // namespace kefu
