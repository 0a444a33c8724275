// Window selection and <mark> insertion over code point offsets of the original text.
#include "kb/search/highlighter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "kb/search/terms.h"

namespace kefu {
namespace {

constexpr char kEllipsis[] = "\u2026";

// Byte offset of every code point start, plus the end.
std::vector<uint32_t> CodePointStarts(std::string_view s) {
  std::vector<uint32_t> starts;
  for (uint32_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(static_cast<uint32_t>(s.size()));
  return starts;
}

size_t CodePointIndex(const std::vector<uint32_t>& starts, uint32_t byte) {
  return static_cast<size_t>(std::lower_bound(starts.begin(), starts.end(), byte) - starts.begin());
}

void AppendEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '"': *out += "&quot;"; break;
      case '\'': *out += "&#39;"; break;
      default: out->push_back(c);
    }
  }
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(text, &out);
  return out;
}

PreparedText PrepareText(const Analyzer& analyzer, std::string plain_text, ScriptHint hint) {
  PreparedText prepared;
  prepared.starts = CodePointStarts(plain_text);
  for (const Token& token : analyzer.Analyze(plain_text, hint)) {
    prepared.spans_of[TermOf(token)].emplace_back(
        static_cast<uint32_t>(CodePointIndex(prepared.starts, token.begin)),
        static_cast<uint32_t>(CodePointIndex(prepared.starts, token.end)));
  }
  prepared.text = std::move(plain_text);
  return prepared;
}

std::string HighlightSnippet(const Analyzer& analyzer, std::string_view text, ScriptHint hint,
                             const std::unordered_set<std::string>& terms, const SnippetOptions& options) {
  return HighlightSnippet(PrepareText(analyzer, std::string(text), hint), terms, options);
}

std::string HighlightSnippet(const PreparedText& prepared, const std::unordered_set<std::string>& terms,
                             const SnippetOptions& options) {
  std::string_view text = prepared.text;
  const std::vector<uint32_t>& starts = prepared.starts;
  const size_t total = starts.size() - 1;
  // Matched spans in code points, merged where they overlap (bigrams do).
  std::vector<std::pair<size_t, size_t>> spans;
  for (const std::string& term : terms) {
    auto found = prepared.spans_of.find(term);
    if (found == prepared.spans_of.end()) continue;
    spans.insert(spans.end(), found->second.begin(), found->second.end());
  }
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (auto span : spans) {
    if (!merged.empty() && span.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, span.second);
    } else {
      merged.push_back(span);
    }
  }
  // The window with the most matches; the earliest on ties.
  size_t budget = std::max<size_t>(options.max_chars, 3);
  size_t begin = 0;
  if (total > budget - 1 && !merged.empty()) {
    size_t best = 0, best_count = 0;
    for (size_t i = 0; i < merged.size(); ++i) {
      size_t start = merged[i].first > options.lead_chars ? merged[i].first - options.lead_chars : 0;
      size_t count = 0;
      for (size_t k = i; k < merged.size() && merged[k].second <= start + budget - 2; ++k) ++count;
      if (count > best_count) {
        best_count = count;
        best = start;
      }
    }
    begin = best;
  }
  bool lead = begin > 0;
  size_t room = budget - (lead ? 1 : 0);
  size_t end = std::min(total, begin + room);
  if (end < total) end = std::min(total, begin + room - 1);  // leave room for the trailing ellipsis
  bool trail = end < total;

  std::string out;
  if (lead) out += kEllipsis;
  size_t pos = begin;
  for (auto [b, e] : merged) {
    if (e <= begin || b >= end) continue;
    b = std::max(b, begin);
    e = std::min(e, end);
    AppendEscaped(text.substr(starts[pos], starts[b] - starts[pos]), &out);
    out += "<mark>";
    AppendEscaped(text.substr(starts[b], starts[e] - starts[b]), &out);
    out += "</mark>";
    pos = e;
  }
  AppendEscaped(text.substr(starts[pos], starts[end] - starts[pos]), &out);
  if (trail) out += kEllipsis;
  return out;
}

}  // namespace kefu
