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

namespace kefu::schema {

// Bumped whenever analysis or layout changes: older generations are then rebuilt, not reused.
inline constexpr int kLayoutVersion = 2;

inline constexpr Xapian::valueno kSlotId = 0;      // entry id (collapse key, tie-break)
inline constexpr Xapian::valueno kSlotLocale = 1;  // "zh-Hans" | "zh-Hant" | "en"
inline constexpr Xapian::valueno kSlotHash = 2;    // entry documents: EntryHash, 16 hex digits
inline constexpr Xapian::valueno kSlotKind = 3;    // kDocEntry | kDocQuestion | kDocAggregate

inline constexpr char kDocEntry[] = "e";
inline constexpr char kDocQuestion[] = "q";
inline constexpr char kDocAggregate[] = "a";

// Boolean terms.
inline constexpr std::string_view kKindEntry = "XKe";     // marks entry documents
inline constexpr std::string_view kKindQuestion = "XKq";  // marks question documents
inline constexpr std::string_view kEntryKeyPrefix = "Q";  // + id|locale, unique per entry document
inline constexpr std::string_view kOwnerPrefix = "K";     // + id|locale, on every document of an entry
inline constexpr std::string_view kLocalePrefix = "L";    // + locale name
inline constexpr std::string_view kAudiencePrefix = "A";  // + "public" | "internal"

// Free-text terms.
inline constexpr std::string_view kBigramPrefix = "B";  // Han character bigrams
inline constexpr std::string_view kBodyPrefix = "XB";   // entry documents' title, tags and body terms
inline constexpr std::string_view kAggregatePrefix = "XA";  // aggregate documents' terms

inline std::string Term(std::string_view prefix, std::string_view value) {
  std::string t(prefix);
  t += value;
  return t;
}

}  // namespace kefu::schema
