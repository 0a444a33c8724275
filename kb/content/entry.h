// Entry: one FAQ or help article in one locale, as editors write it under content/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu {

enum class Locale { kZhHans, kZhHant, kEn };
enum class EntryType { kFaq, kArticle };
enum class Audience { kPublic, kInternal };
enum class EntryStatus { kPublished, kDraft };

std::string_view LocaleName(Locale locale);  // "zh-Hans", "zh-Hant", "en"
std::optional<Locale> ParseLocale(std::string_view name);  // also accepts zh-CN/zh-TW/zh-HK, en-US...
bool IsChinese(Locale locale);
std::string_view EntryTypeName(EntryType type);  // "faq", "article"
std::string_view AudienceName(Audience audience);  // "public", "internal"
std::string_view EntryStatusName(EntryStatus status);  // "published", "draft"

struct Entry {
  std::string id;  // stable; shared by the translations of one entry
  EntryType type = EntryType::kFaq;
  Locale locale = Locale::kZhHans;
  std::string title;                   // the canonical question for a FAQ
  std::vector<std::string> questions;  // other ways customers ask it
  std::string body;                    // Markdown
  std::vector<std::string> tags;
  std::string category;
  Audience audience = Audience::kPublic;
  std::string internal_note;  // agents only; never on public routes
  std::vector<std::string> related;  // ids of related entries
  bool escalate = false;      // always hand to a person (fraud, legal)
  EntryStatus status = EntryStatus::kPublished;
  std::string updated;        // ISO date as written, e.g. "2026-11-01"

  std::string source_path;    // where it was read from (for messages; not stored in the index), relative to the content root
  int source_line = 0;        // 1-based line of the entry in source_path
};

// An entry's key in the index: translations share `id`, so the pair is unique.
inline std::string EntryKey(std::string_view id, Locale locale) {
  std::string key(id);
  key += '|';
  key += LocaleName(locale);
  return key;
}

}  // namespace kefu
