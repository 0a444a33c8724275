// Snippets: the best window of an entry's plain text for a query, HTML-escaped, with <mark> around the
// words that matched. Works on the original text through the analyzer's offset map, so custom terms
// (Han bigrams, folded Traditional, stems) highlight what the editor wrote.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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
// (ICU, OpenCC), so the index writer stores each body's table (EncodeSpans()) and searches only
// read it; the table is sorted by term, so a snippet costs a short walk per query term from the
// nearest skip point, not one step per word of the text.
struct PreparedText {
  std::string text;
  std::string spans;  // EncodeSpans() of the text
  // Byte offsets in `spans` of every 16th record, so that a snippet looks for each term from the
  // nearest one instead of walking the table from its start (~480 terms a body at 100k entries).
  std::vector<uint32_t> skips;
};

// The spans table of `plain_text`, whose analysis is `tokens`: per term (as made by TermOf()), in
// byte order of terms, its [begin, end) spans in code points, in text order (varints).
std::string EncodeSpans(std::string_view plain_text, const std::vector<Token>& tokens);
// The same with TermsOf(tokens) already made (the index writer needs them anyway).
std::string EncodeSpans(std::string_view plain_text, const std::vector<Token>& tokens,
                        const std::vector<std::string>& terms);

// Analyses `plain_text` now.
PreparedText PrepareText(const Analyzer& analyzer, std::string plain_text, ScriptHint hint);
// With the table EncodeSpans() made of `plain_text` (at index time).
PreparedText PrepareText(std::string plain_text, std::string spans);

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
