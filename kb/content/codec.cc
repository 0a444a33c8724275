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

void StableHash::Add(std::string_view s) {
  uint64_t size = s.size();
  Bytes(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
  Bytes(s);
}

void StableHash::Bytes(std::string_view s) {
  for (unsigned char c : s) {
    h_ ^= c;
    h_ *= 1099511628211ULL;
  }
}

uint64_t EntryHash(const Entry& e) {
  StableHash h;
  auto add_list = [&h](const std::vector<std::string>& list) {
    h.Add(std::to_string(list.size()));
    for (const std::string& s : list) h.Add(s);
  };
  h.Add(e.id);
  h.Add(EntryTypeName(e.type));
  h.Add(LocaleName(e.locale));
  h.Add(e.title);
  add_list(e.questions);
  h.Add(e.body);
  add_list(e.tags);
  h.Add(e.category);
  h.Add(AudienceName(e.audience));
  h.Add(e.internal_note);
  add_list(e.related);
  h.Add(e.escalate ? "1" : "0");
  h.Add(EntryStatusName(e.status));
  h.Add(e.updated);
  return h.value();
}

}  // namespace kefu
