// Snippets: the best window of an entry's plain text for a query, HTML-escaped, with <mark> around the
// words that matched. Works on the original text through the analyzer's offset map, so custom terms
// (Han bigrams, folded Traditional, stems) highlight what the editor wrote.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "kb/text/analyzer.h"

namespace kefu {

struct SnippetOptions {
  // Visible characters at most, ellipses included. Default: 160.
  size_t max_chars = 160;
  // Characters of context kept before the first match in the window. Default: 20.
  size_t lead_chars = 20;
};

// `terms` are query terms as made by TermOf() (no field prefix).
std::string HighlightSnippet(const Analyzer& analyzer, std::string_view plain_text, ScriptHint hint,
                             const std::unordered_set<std::string>& terms,
                             const SnippetOptions& options = {});

// Escapes & < > " ' for HTML text and attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace kefu
