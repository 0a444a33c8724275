// Entry <-> JSON text, the form an entry is stored in inside the index (document data).
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

// Stable 64-bit FNV-1a over a sequence of length-prefixed strings: equal sequences, equal hash,
// across runs and machines (index builds compare hashes a previous build stored).
class StableHash {
 public:
  void Add(std::string_view s);
  uint64_t value() const { return h_; }

 private:
  void Bytes(std::string_view s);
  uint64_t h_ = 1469598103934665603ULL;
};

// StableHash of every field EncodeEntry stores: equal content, equal hash. Hashes the fields directly
// (encoding every entry as JSON to hash it was most of an unchanged entry's cost in an incremental
// build).
uint64_t EntryHash(const Entry& entry);

}  // namespace kefu
