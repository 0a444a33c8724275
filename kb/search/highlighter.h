// Snippets: the best window of an entry's plain text for a query, HTML-escaped, with <mark> around the
// words that matched. Works on the original text through the analyzer's offset map, so custom terms
// (Han bigrams, folded Traditional, stems) highlight what the editor wrote.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kb/text/analyzer.h"

namespace kefu {

struct SnippetOptions {
  // Visible characters at most, ellipses included. Default: 160.
  size_t max_chars = 160;
  // Characters of context kept before the first match in the window. Default: 20.
  size_t lead_chars = 20;
};

// A text analysed once for highlighting: every term with its span in code points. Analysis is the
// expensive part (ICU, OpenCC), so callers keep these per entry (Searcher::PreparedBody()).
struct PreparedText {
  std::string text;
  std::vector<uint32_t> starts;  // byte offset of every code point, plus the end
  struct Span {
    std::string term;  // as made by TermOf()
    size_t begin = 0;  // code points
    size_t end = 0;
  };
  std::vector<Span> spans;
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
