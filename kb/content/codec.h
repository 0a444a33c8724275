// Entry <-> JSON text, the form an entry is stored in inside the index (document data).
#pragma once

#include <string>
#include <string_view>

#include "kb/content/entry.h"
#include "kb/status.h"

namespace kefu {

std::string EncodeEntry(const Entry& entry);
Result<Entry> DecodeEntry(std::string_view data);

// Stable 64-bit FNV-1a hash of the encoded entry: equal content, equal hash, across runs and machines.
uint64_t EntryHash(const Entry& entry);

}  // namespace kefu
