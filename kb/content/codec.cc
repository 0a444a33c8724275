// JSON encoding of entries for the index.
#include "kb/content/codec.h"

#include <nlohmann/json.hpp>

namespace kefu {

namespace {

Result<Entry> DecodeFields(const nlohmann::json& j) {
  Entry e;
  auto locale = ParseLocale(j.value("locale", ""));
  if (!locale) return Status::DataLoss("entry data has no valid locale");
  e.id = j.value("id", "");
  e.type = j.value("type", "faq") == "article" ? EntryType::kArticle : EntryType::kFaq;
  e.locale = *locale;
  e.title = j.value("title", "");
  e.questions = j.value("questions", std::vector<std::string>{});
  e.body = j.value("body", "");
  e.tags = j.value("tags", std::vector<std::string>{});
  e.category = j.value("category", "");
  e.audience = j.value("audience", "public") == "internal" ? Audience::kInternal : Audience::kPublic;
  e.internal_note = j.value("internal_note", "");
  e.related = j.value("related", std::vector<std::string>{});
  e.escalate = j.value("escalate", false);
  e.status = j.value("status", "published") == "draft" ? EntryStatus::kDraft : EntryStatus::kPublished;
  e.updated = j.value("updated", "");
  e.source_path = j.value("source_path", "");
  e.source_line = j.value("source_line", 0);
  return e;
}

}  // namespace

std::string EncodeEntry(const Entry& e) {
  nlohmann::json j = {
      {"id", e.id},
      {"type", EntryTypeName(e.type)},
      {"locale", LocaleName(e.locale)},
      {"title", e.title},
      {"questions", e.questions},
      {"body", e.body},
      {"tags", e.tags},
      {"category", e.category},
      {"audience", AudienceName(e.audience)},
      {"internal_note", e.internal_note},
      {"related", e.related},
      {"escalate", e.escalate},
      {"status", EntryStatusName(e.status)},
      {"updated", e.updated},
      {"source_path", e.source_path},
      {"source_line", e.source_line},
  };
  return j.dump();
}

Result<Entry> DecodeEntry(std::string_view data) {
  nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::DataLoss("entry data is not a JSON object");
  try {
    return DecodeFields(j);
  } catch (const nlohmann::json::exception& e) {
    return Status::DataLoss(std::string("entry data has a field of the wrong type: ") + e.what());
  }
}

uint64_t EntryHash(const Entry& entry) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : EncodeEntry(entry)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace kefu
