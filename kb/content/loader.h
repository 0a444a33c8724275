// Loader: reads content/ into entries and validates them, reporting every problem at once with
// file:line. Markdown files with YAML front matter, and JSON Lines bulk files in the evaluation schema
// (id, lang, question, paraphrases, answer). Files directly in the content root are KB configuration
// (golden.jsonl, variants.txt, ...), not entries.
#pragma once

#include <string>
#include <vector>

#include "kb/content/config_files.h"
#include "kb/content/entry.h"

namespace kefu {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string path;
  int line = 0;  // 1-based; 0 when the problem is the whole file
  Severity severity = Severity::kError;
  std::string message;

  // "PATH:LINE: error: MESSAGE"
  std::string ToString() const;
};

struct LoadResult {
  std::vector<Entry> entries;  // drafts included (validated, never served); sorted by (id, locale)
  std::vector<Diagnostic> diagnostics;  // in file order
  ContentConfig config;  // the configuration files of the content root (LoadContentDir only)

  int error_count() const;
  int warning_count() const;
};

// Every entry below `content_dir` (in subdirectories), and the configuration files at its top, checked
// against the entries (pins name existing entries, synonym lines have two or more members...).
// Paths in diagnostics are `content_dir/...`.
LoadResult LoadContentDir(const std::string& content_dir);

// One JSON Lines bulk file, e.g. an evaluation corpus or a help-desk export. Ids outside the
// IsValidEntryId() alphabet but printable (no space, '/', '|') are kept with a warning.
LoadResult LoadJsonlFile(const std::string& path);

// True when `id` matches [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}.
bool IsValidEntryId(const std::string& id);

}  // namespace kefu
