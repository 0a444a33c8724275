// Names and parsing of the entry enums.
#include "kb/content/entry.h"

#include <algorithm>
#include <cctype>

namespace kefu {

std::string_view LocaleName(Locale locale) {
  switch (locale) {
    case Locale::kZhHans: return "zh-Hans";
    case Locale::kZhHant: return "zh-Hant";
    case Locale::kEn: return "en";
  }
  return "en";
}

std::optional<Locale> ParseLocale(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return c == '_' ? '-' : std::tolower(c); });
  if (lower == "zh-hans" || lower == "zh-cn" || lower == "zh-sg" || lower == "zh-hans-cn" ||
      lower == "zh") {
    return Locale::kZhHans;
  }
  if (lower == "zh-hant" || lower == "zh-tw" || lower == "zh-hk" || lower == "zh-mo" ||
      lower == "zh-hant-tw" || lower == "zh-hant-hk") {
    return Locale::kZhHant;
  }
  if (lower == "en" || lower.rfind("en-", 0) == 0) return Locale::kEn;
  return std::nullopt;
}

bool IsChinese(Locale locale) { return locale != Locale::kEn; }

std::string_view EntryTypeName(EntryType type) {
  return type == EntryType::kFaq ? "faq" : "article";
}

std::string_view AudienceName(Audience audience) {
  return audience == Audience::kPublic ? "public" : "internal";
}

std::string_view EntryStatusName(EntryStatus status) {
  return status == EntryStatus::kPublished ? "published" : "draft";
}

}  // namespace kefu
