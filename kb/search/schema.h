// The index layout in one place: document kinds, term prefixes, value slots and field weights.
//
// Every entry becomes one entry document (its data is the encoded entry; its terms are the title, tags
// and body under kBodyPrefix), one question document per title and alternative question (unprefixed
// terms), and one aggregate document holding the title and all questions together (kAggregatePrefix).
// An entry is scored by its best question document plus its aggregate and entry documents, each
// weighted (query_builder.h): the best single phrasing counts most, vocabulary spread over several
// phrasings still helps.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>

#include "kb/content/entry.h"
#include "kb/text/normalizer.h"

namespace kefu::schema {

// Bumped whenever analysis or layout changes: older generations are then rebuilt, not reused.
inline constexpr int kLayoutVersion = 8;  // 7: wdfs are BM25 weights (weight.h); 8: entry cards

// Document ids encode what a document is, so ranking never reads documents it does not return:
//   docid = id_ordinal * kDocsPerId + locale_index * kDocsPerLocale + slot
// id_ordinal numbers the distinct entry ids (all locales of an id share it, from 1; a full build
// numbers them in id order, an incremental one gives new ids the next numbers); slot 0 is the entry
// document, 1 the aggregate, 2.. the questions.
inline constexpr Xapian::docid kDocsPerLocale = 256;
inline constexpr Xapian::docid kDocsPerId = 4 * kDocsPerLocale;
inline constexpr Xapian::docid kEntrySlot = 0;
inline constexpr Xapian::docid kAggregateSlot = 1;
inline constexpr Xapian::docid kFirstQuestionSlot = 2;
inline constexpr size_t kMaxQuestionDocs = kDocsPerLocale - kFirstQuestionSlot;  // more go to the aggregate only

inline Xapian::docid DocId(Xapian::docid id_ordinal, int locale_index, Xapian::docid slot) {
  return id_ordinal * kDocsPerId + static_cast<Xapian::docid>(locale_index) * kDocsPerLocale + slot;
}
inline Xapian::docid IdOrdinalOf(Xapian::docid did) { return did / kDocsPerId; }
inline Xapian::docid SlotOf(Xapian::docid did) { return did % kDocsPerLocale; }
inline Locale LocaleOf(Xapian::docid did) { return static_cast<Locale>((did % kDocsPerId) / kDocsPerLocale); }

inline constexpr Xapian::valueno kSlotId = 0;      // entry id (collapse key, tie-break)
inline constexpr Xapian::valueno kSlotLocale = 1;  // "zh-Hans" | "zh-Hant" | "en"
inline constexpr Xapian::valueno kSlotHash = 2;    // entry documents: EntryHash, 16 hex digits
inline constexpr Xapian::valueno kSlotCard = 3;    // entry documents: EncodeEntryCard (codec.h), what hits show
inline constexpr Xapian::valueno kSlotLength = 4;  // entry documents: DocLengths::Encode of the entry's documents


// Boolean terms.
inline constexpr std::string_view kKindEntry = "XKe";     // marks entry documents
inline constexpr std::string_view kKindQuestion = "XKq";  // marks question documents
inline constexpr std::string_view kEntryKeyPrefix = "Q";  // + id|locale, unique per entry document
inline constexpr std::string_view kOwnerPrefix = "K";     // + id|locale, on every document of an entry
inline constexpr std::string_view kLocalePrefix = "L";    // + locale name
inline constexpr std::string_view kAudiencePrefix = "A";  // + "public" | "internal"

// Free-text terms.
inline constexpr std::string_view kBigramPrefix = "B";  // Han character bigrams
inline constexpr std::string_view kPairPrefix = "P";    // adjacent word pairs (terms.h)
inline constexpr std::string_view kBodyPrefix = "XB";   // entry documents' title, tags and body terms
inline constexpr std::string_view kAggregatePrefix = "XA";  // aggregate documents' terms

// How an entry's text is analysed: zh-Hant text also maps Taiwan vocabulary (normalizer.h).
inline ScriptHint HintFor(Locale locale) {
  switch (locale) {
    case Locale::kZhHans: return ScriptHint::kSimplified;
    case Locale::kZhHant: return ScriptHint::kTraditional;
    case Locale::kEn: return ScriptHint::kUnknown;
  }
  return ScriptHint::kUnknown;
}

inline std::string Term(std::string_view prefix, std::string_view value) {
  std::string t(prefix);
  t += value;
  return t;
}

}  // namespace kefu::schema
