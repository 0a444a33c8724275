// Snippets: the best window of an entry's plain text for a query, HTML-escaped, with <mark> around the
// words that matched. Works on the original text through the analyzer's offset map, so custom terms
// (Han bigrams, folded Traditional, stems) highlight what the editor wrote.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kb/text/analyzer.h"

namespace kefu {

struct SnippetOptions {
  // Visible characters at most, ellipses included. Default: 160.
  size_t max_chars = 160;
  // Characters of context kept before the first match in the window. Default: 20.
  size_t lead_chars = 20;
};

// A text analysed once for highlighting: where each term occurs. Analysis is the expensive part
// (ICU, OpenCC), so callers keep these per entry (Searcher::PreparedBody()); grouping the spans by
// term makes a snippet cost one lookup per query term, not one per word of the text.
struct PreparedText {
  std::string text;
  std::vector<uint32_t> starts;  // byte offset of every code point, plus the end
  // Term (as made by TermOf()) -> its [begin, end) spans in code points, in text order.
  std::unordered_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> spans_of;
};

PreparedText PrepareText(const Analyzer& analyzer, std::string plain_text, ScriptHint hint);

// `terms` are query terms as made by TermOf() (no field prefix).
std::string HighlightSnippet(const PreparedText& text, const std::unordered_set<std::string>& terms,
                             const SnippetOptions& options = {});

// PrepareText() and HighlightSnippet() in one go.
std::string HighlightSnippet(const Analyzer& analyzer, std::string_view plain_text, ScriptHint hint,
                             const std::unordered_set<std::string>& terms,
                             const SnippetOptions& options = {});

// Escapes & < > " ' for HTML text and attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace kefu
