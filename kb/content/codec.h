// Entry <-> its stored form inside the index (document data): compact bytes, read back for every
// hit shown (decoding JSON was 10% of a search's instructions at 10k entries).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kb/content/entry.h"
#include "kb/status.h"

namespace kefu {

// Every field but source_path and source_line: where an entry was read from serves the loader's
// messages only, and storing it would make an entry inserted above others change them all.
std::string EncodeEntry(const Entry& entry);
Result<Entry> DecodeEntry(std::string_view data);

// What a search hit shows of an entry, stored beside the entry in a form read without inflating
// it (Xapian compresses document data with zlib; inflating every hit's entry was 12% of a search's
// instructions at 100k entries): the fields a hit carries, the body as plain text, and the index's
// table of where each body term is (kb/search/highlighter.h), kept here as given.
struct EntryCard {
  std::string id;
  EntryType type = EntryType::kFaq;
  Locale locale = Locale::kZhHans;
  std::string title;
  std::string category;
  Audience audience = Audience::kPublic;
  bool escalate = false;
  std::string plain_body;  // MarkdownToPlainText(body)
  std::string spans;
};
std::string EncodeEntryCard(const Entry& entry, std::string_view plain_body, std::string_view spans);
Result<EntryCard> DecodeEntryCard(std::string_view data);

// Stable 64-bit hash (FNV-1a's constants, eight bytes a step) over a sequence of length-prefixed
// strings: equal sequences, equal hash, across runs and machines (index builds compare hashes a
// previous build stored; a build with another hash re-analyses every entry once).
class StableHash {
 public:
  void Add(std::string_view s);
  // Add() of a string given in pieces: StartString(its size), Append() the pieces in order, then
  // FinishString(); the hash is the same as Add() of the whole.
  void StartString(uint64_t size);
  void Append(std::string_view piece);
  void FinishString();
  uint64_t value() const { return h_; }

 private:
  void Words(const unsigned char* p, size_t words);

  uint64_t h_ = 1469598103934665603ULL;
  unsigned char pending_[8] = {};  // the start of a word not yet complete
  size_t pending_size_ = 0;
};

// StableHash of the stored form: equal stored content, equal hash, so every field EncodeEntry stores
// (and none it leaves out) decides whether an incremental build re-analyses the entry. EntryHash
// hashes the form as it encodes it, without making it; StoredEntryHash takes the form EncodeEntry
// made, for a caller that stores it too. Both give the same value.
uint64_t EntryHash(const Entry& entry);
uint64_t StoredEntryHash(std::string_view stored);

}  // namespace kefu
