// The stored form of entries: their fields in a fixed order after a format byte, each string
// length-prefixed with a varint (as LevelDB's util/coding.h), each enum one byte.
#include "kb/content/codec.h"

#include <nlohmann/json.hpp>

namespace kefu {

namespace {

// First byte of the stored form. Generations of layout 5 and older (schema.h) stored JSON, which
// starts with '{': those are read as JSON until they are rebuilt, so a server upgraded before its
// index still answers.
constexpr char kFormat = 1;
// First byte of an entry card: another value than the entry's, so one is never read as the other.
constexpr char kCardFormat = 2;

Result<Entry> DecodeJson(std::string_view data) {
  nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::DataLoss("entry data is not a JSON object");
  try {
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
  } catch (const nlohmann::json::exception& ex) {
    return Status::DataLoss(std::string("entry data has a field of the wrong type: ") + ex.what());
  }
}

// The encoders write into any sink with push_back(char) and append(string_view): a string for the
// stored form, or a hasher of it (EntryHash), which then needs no copy of the entry.
template <typename Sink>
void PutVarint(uint64_t v, Sink* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

template <typename Sink>
void PutString(std::string_view s, Sink* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

template <typename Sink>
void PutList(const std::vector<std::string>& list, Sink* out) {
  PutVarint(list.size(), out);
  for (const std::string& s : list) PutString(s, out);
}

template <typename Enum, typename Sink>
void PutEnum(Enum v, Sink* out) {
  out->push_back(static_cast<char>(v));
}

template <typename Sink>
void Encode(const Entry& e, Sink* out) {
  out->push_back(kFormat);
  PutString(e.id, out);
  PutEnum(e.type, out);
  PutEnum(e.locale, out);
  PutString(e.title, out);
  PutList(e.questions, out);
  PutString(e.body, out);
  PutList(e.tags, out);
  PutString(e.category, out);
  PutEnum(e.audience, out);
  PutString(e.internal_note, out);
  PutList(e.related, out);
  out->push_back(e.escalate ? 1 : 0);
  PutEnum(e.status, out);
  PutString(e.updated, out);
}

// Counts the bytes of the stored form: StableHash::Add hashes the length before the bytes.
struct SizeSink {
  void push_back(char) { ++size; }
  void append(std::string_view s) { size += s.size(); }
  uint64_t size = 0;
};

// Hashes the stored form as it is produced (EntryHash).
struct HashSink {
  void push_back(char c) { hash->Append(std::string_view(&c, 1)); }
  void append(std::string_view s) { hash->Append(s); }
  StableHash* hash;
};

// Reads the stored form front to back; every read checks the bytes left, so damaged data is an
// error, never a read past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && !data_.empty(); shift += 7) {
      auto byte = static_cast<unsigned char>(data_.front());
      data_.remove_prefix(1);
      *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool String(std::string* s) {
    uint64_t size = 0;
    if (!Varint(&size) || size > data_.size()) return false;
    s->assign(data_.substr(0, size));
    data_.remove_prefix(size);
    return true;
  }
  bool List(std::vector<std::string>* list) {
    uint64_t count = 0;
    if (!Varint(&count) || count > data_.size()) return false;  // each string takes a byte at least
    list->resize(count);
    for (std::string& s : *list) {
      if (!String(&s)) return false;
    }
    return true;
  }
  // An enum whose values run from 0 to `last`.
  template <typename Enum>
  bool EnumUpTo(Enum last, Enum* v) {
    if (data_.empty() || static_cast<unsigned char>(data_.front()) > static_cast<unsigned char>(last)) return false;
    *v = static_cast<Enum>(data_.front());
    data_.remove_prefix(1);
    return true;
  }
  bool Bool(bool* v) {
    if (data_.empty() || static_cast<unsigned char>(data_.front()) > 1) return false;
    *v = data_.front() == 1;
    data_.remove_prefix(1);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace

std::string EncodeEntry(const Entry& e) {
  std::string out;
  out.reserve(64 + e.id.size() + e.title.size() + e.body.size() + e.internal_note.size());
  Encode(e, &out);
  return out;
}

Result<Entry> DecodeEntry(std::string_view data) {
  if (!data.empty() && data.front() == '{') return DecodeJson(data);
  if (data.empty() || data.front() != kFormat) return Status::DataLoss("entry data is not in a known form");
  Reader r(data.substr(1));
  Entry e;
  bool ok = r.String(&e.id) && r.EnumUpTo(EntryType::kArticle, &e.type) && r.EnumUpTo(Locale::kEn, &e.locale) &&
            r.String(&e.title) && r.List(&e.questions) && r.String(&e.body) && r.List(&e.tags) &&
            r.String(&e.category) && r.EnumUpTo(Audience::kInternal, &e.audience) && r.String(&e.internal_note) &&
            r.List(&e.related) && r.Bool(&e.escalate) && r.EnumUpTo(EntryStatus::kDraft, &e.status) &&
            r.String(&e.updated) && r.done();
  if (!ok) return Status::DataLoss("entry data is damaged");
  return e;
}

std::string EncodeEntryCard(const Entry& e, std::string_view plain_body, std::string_view spans) {
  std::string out;
  out.reserve(32 + e.id.size() + e.title.size() + e.category.size() + plain_body.size() + spans.size());
  out.push_back(kCardFormat);
  PutString(e.id, &out);
  PutEnum(e.type, &out);
  PutEnum(e.locale, &out);
  PutString(e.title, &out);
  PutString(e.category, &out);
  PutEnum(e.audience, &out);
  out.push_back(e.escalate ? 1 : 0);
  PutString(plain_body, &out);
  PutString(spans, &out);
  return out;
}

Result<EntryCard> DecodeEntryCard(std::string_view data) {
  if (data.empty() || data.front() != kCardFormat) return Status::DataLoss("entry card is not in a known form");
  Reader r(data.substr(1));
  EntryCard c;
  bool ok = r.String(&c.id) && r.EnumUpTo(EntryType::kArticle, &c.type) && r.EnumUpTo(Locale::kEn, &c.locale) &&
            r.String(&c.title) && r.String(&c.category) && r.EnumUpTo(Audience::kInternal, &c.audience) &&
            r.Bool(&c.escalate) && r.String(&c.plain_body) && r.String(&c.spans) && r.done();
  if (!ok) return Status::DataLoss("entry card is damaged");
  return c;
}

void StableHash::Add(std::string_view s) {
  StartString(s.size());
  Append(s);
  FinishString();
}

// The length as one eight-byte word (in memory order), then the string's bytes eight at a step as
// little-endian words, then its last 0-7 bytes one by one: a byte-wise loop was 10% of a one-entry
// update at 100k entries, which hashes every entry. Each step is a bijection of the running value
// for a fixed word and of the word for a fixed running value, so inputs that differ in one word
// always hash differently.
void StableHash::StartString(uint64_t size) {
  pending_size_ = 0;
  Append(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
}

void StableHash::Append(std::string_view piece) {
  const auto* p = reinterpret_cast<const unsigned char*>(piece.data());
  size_t n = piece.size();
  while (n > 0 && pending_size_ != 0) {
    pending_[pending_size_++] = *p++;
    --n;
    if (pending_size_ == 8) {
      Words(pending_, 1);
      pending_size_ = 0;
    }
  }
  Words(p, n / 8);
  p += n / 8 * 8;
  for (n %= 8; n > 0; --n) pending_[pending_size_++] = *p++;
}

void StableHash::FinishString() {
  constexpr uint64_t kPrime = 1099511628211ULL;
  for (size_t i = 0; i < pending_size_; ++i) {
    h_ ^= pending_[i];
    h_ *= kPrime;
  }
  pending_size_ = 0;
}

void StableHash::Words(const unsigned char* p, size_t words) {
  constexpr uint64_t kPrime = 1099511628211ULL;
  for (; words > 0; --words, p += 8) {
    uint64_t word = 0;
    for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];
    h_ = (h_ ^ word) * kPrime;
    h_ ^= h_ >> 32;  // the high half reaches the low bits the next word is mixed into
  }
}

uint64_t StoredEntryHash(std::string_view stored) {
  StableHash h;
  h.Add(stored);
  return h.value();
}

// Without the stored form: an update at 100k entries hashes every entry, and making each one's
// stored form to hash it was half of that (174 MB of copies).
uint64_t EntryHash(const Entry& e) {
  SizeSink size;
  Encode(e, &size);
  StableHash h;
  h.StartString(size.size);
  HashSink sink{&h};
  Encode(e, &sink);
  h.FinishString();
  return h.value();
}

}  // namespace kefu
