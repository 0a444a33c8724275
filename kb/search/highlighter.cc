// Span tables (varints, sorted by term), window selection and <mark> insertion over code point
// offsets of the original text.
#include "kb/search/highlighter.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

#include "kb/search/terms.h"

namespace kefu {
namespace {

constexpr char kEllipsis[] = "\u2026";

bool StartsCodePoint(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

// Byte offset of every code point start, plus the end.
std::vector<uint32_t> CodePointStarts(std::string_view s) {
  std::vector<uint32_t> starts;
  for (uint32_t i = 0; i < s.size(); ++i) {
    if (StartsCodePoint(s[i])) starts.push_back(i);
  }
  starts.push_back(static_cast<uint32_t>(s.size()));
  return starts;
}

// Byte offsets of code points, walked forward. A snippet needs only those of its window's ends and of
// the matches inside it, in rising order; a table of every code point's offset per prepared body cost
// 5% of a search to make and four bytes per code point of the bodies' cache.
class CodePointCursor {
 public:
  explicit CodePointCursor(std::string_view text) : text_(text) { SkipContinuation(); }

  // The code point reached: `index` of the last ByteOf(index), or the text's length when it has fewer.
  size_t index() const { return index_; }

  // The byte offset of code point `index` (the text's size past its last); `index` never decreases.
  size_t ByteOf(size_t index) {
    // Eight bytes a step while the code point is beyond them: a continuation byte has bit 7 set and
    // bit 6 clear, and the multiplication adds up the marks, one per byte, in the top byte.
    constexpr uint64_t kHigh = 0x8080808080808080ull;
    while (index_ < index && text_.size() - byte_ >= 8) {
      uint64_t x;
      std::memcpy(&x, text_.data() + byte_, 8);
      const uint64_t continuation = (x & ~(x << 1) & kHigh) >> 7;
      const size_t starts = 8 - static_cast<size_t>((continuation * 0x0101010101010101ull) >> 56);
      if (index_ + starts > index) break;
      index_ += starts;
      byte_ += 8;
      SkipContinuation();
    }
    for (; index_ < index && byte_ < text_.size(); ++index_) {
      ++byte_;
      SkipContinuation();
    }
    return byte_;
  }

 private:
  void SkipContinuation() {
    while (byte_ < text_.size() && !StartsCodePoint(text_[byte_])) ++byte_;
  }

  std::string_view text_;
  size_t index_ = 0, byte_ = 0;
};

size_t CodePointIndex(const std::vector<uint32_t>& starts, uint32_t byte) {
  return static_cast<size_t>(std::lower_bound(starts.begin(), starts.end(), byte) - starts.begin());
}

void PutVarint(uint32_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at `*pos` of `s`; false when the table is cut short.
bool GetVarint(std::string_view s, size_t* pos, uint32_t* v) {
  *v = 0;
  for (int shift = 0; shift < 35 && *pos < s.size(); shift += 7) {
    auto byte = static_cast<unsigned char>(s[(*pos)++]);
    *v |= static_cast<uint32_t>(byte & 0x7F) << shift;
    if (byte < 0x80) return true;
  }
  return false;
}

// Three-way byte order, as string_view::compare, inline: the table's terms are a few bytes long and
// most differ from the wanted one early, so calling memcmp twice per term (< and !=) cost more than
// the walk itself.
int CompareBytes(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// Reads the table's record at `*pos`: varint(term size) term varint(span bytes) span bytes. False
// when the table is cut short there.
bool ReadRecord(std::string_view table, size_t* pos, std::string_view* term, std::string_view* spans) {
  uint32_t term_size = 0, span_bytes = 0;
  if (!GetVarint(table, pos, &term_size) || term_size > table.size() - *pos) return false;
  *term = table.substr(*pos, term_size);
  *pos += term_size;
  if (!GetVarint(table, pos, &span_bytes) || span_bytes > table.size() - *pos) return false;
  *spans = table.substr(*pos, span_bytes);
  *pos += span_bytes;
  return true;
}

// A term is looked for from the last skip point (PreparedText::skips) whose term is not past it.
constexpr size_t kRecordsPerSkip = 16;

std::vector<uint32_t> SkipPoints(std::string_view table) {
  std::vector<uint32_t> skips;
  std::string_view term, spans;
  for (size_t pos = 0, record = 0; pos < table.size(); ++record) {
    if (record % kRecordsPerSkip == 0) skips.push_back(static_cast<uint32_t>(pos));
    if (!ReadRecord(table, &pos, &term, &spans)) break;
  }
  return skips;
}

// The spans of every term of `terms` that the table has, appended to `out`. Span bytes are
// varint(begin - previous begin) varint(end - begin) per span; a damaged table yields what was read
// before the damage.
void AppendSpans(std::string_view table, const std::vector<uint32_t>& skips,
                 const std::unordered_set<std::string>& terms, std::vector<std::pair<size_t, size_t>>* out) {
  static const std::vector<uint32_t> kFromTheStart = {0};
  const std::vector<uint32_t>& from = skips.empty() ? kFromTheStart : skips;
  std::vector<std::string_view> wanted(terms.begin(), terms.end());
  std::sort(wanted.begin(), wanted.end());
  std::string_view term, spans;
  size_t skip = 0;  // only moves forward: the wanted terms come in table order
  for (std::string_view w : wanted) {
    while (skip + 1 < from.size()) {
      size_t pos = from[skip + 1];
      if (!ReadRecord(table, &pos, &term, &spans) || CompareBytes(term, w) > 0) break;
      ++skip;
    }
    int order = 1;  // of w against the record's term
    for (size_t pos = from[skip]; pos < table.size();) {
      if (!ReadRecord(table, &pos, &term, &spans)) return;
      if ((order = CompareBytes(w, term)) <= 0) break;
    }
    if (order != 0) continue;
    size_t at = 0;
    uint32_t begin = 0;
    while (at < spans.size()) {
      uint32_t delta = 0, length = 0;
      if (!GetVarint(spans, &at, &delta) || !GetVarint(spans, &at, &length)) return;
      begin += delta;
      out->emplace_back(begin, begin + length);
    }
  }
}

// Copies the runs between special characters whole: a character at a time cost a snippet as much as
// finding its matches.
void AppendEscaped(std::string_view text, std::string* out) {
  size_t run = 0;  // start of the characters not yet copied
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view entity;
    switch (text[i]) {
      case '&': entity = "&amp;"; break;
      case '<': entity = "&lt;"; break;
      case '>': entity = "&gt;"; break;
      case '"': entity = "&quot;"; break;
      case '\'': entity = "&#39;"; break;
      default: continue;
    }
    out->append(text, run, i - run);
    out->append(entity);
    run = i + 1;
  }
  out->append(text, run, text.size() - run);
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(text, &out);
  return out;
}

std::string EncodeSpans(std::string_view plain_text, const std::vector<Token>& tokens) {
  return EncodeSpans(plain_text, tokens, TermsOf(tokens));
}

std::string EncodeSpans(std::string_view plain_text, const std::vector<Token>& tokens,
                        const std::vector<std::string>& terms) {
  struct Occurrence {
    std::string_view term;  // into `terms`
    uint32_t begin, end;
    bool operator<(const Occurrence& o) const { return std::tie(term, begin, end) < std::tie(o.term, o.begin, o.end); }
  };
  std::vector<uint32_t> starts = CodePointStarts(plain_text);
  // One sorted vector rather than a map of vectors: index builds encode every body.
  std::vector<Occurrence> occurrences;
  occurrences.reserve(tokens.size());
  for (size_t t = 0; t < tokens.size(); ++t) {
    occurrences.push_back({terms[t], static_cast<uint32_t>(CodePointIndex(starts, tokens[t].begin)),
                           static_cast<uint32_t>(CodePointIndex(starts, tokens[t].end))});
  }
  std::sort(occurrences.begin(), occurrences.end());
  std::string table, spans;
  for (size_t i = 0; i < occurrences.size();) {
    const std::string_view term = occurrences[i].term;
    spans.clear();
    uint32_t previous = 0;
    for (; i < occurrences.size() && occurrences[i].term == term; ++i) {
      PutVarint(occurrences[i].begin - previous, &spans);
      PutVarint(occurrences[i].end - occurrences[i].begin, &spans);
      previous = occurrences[i].begin;
    }
    PutVarint(static_cast<uint32_t>(term.size()), &table);
    table += term;
    PutVarint(static_cast<uint32_t>(spans.size()), &table);
    table += spans;
  }
  return table;
}

PreparedText PrepareText(const Analyzer& analyzer, std::string plain_text, ScriptHint hint) {
  std::string spans = EncodeSpans(plain_text, analyzer.Analyze(plain_text, hint));
  return PrepareText(std::move(plain_text), std::move(spans));
}

PreparedText PrepareText(std::string plain_text, std::string spans) {
  PreparedText prepared;
  prepared.text = std::move(plain_text);
  prepared.spans = std::move(spans);
  prepared.skips = SkipPoints(prepared.spans);
  return prepared;
}

std::string HighlightSnippet(const Analyzer& analyzer, std::string_view text, ScriptHint hint,
                             const std::unordered_set<std::string>& terms, const SnippetOptions& options) {
  return HighlightSnippet(PrepareText(analyzer, std::string(text), hint), terms, options);
}

std::string HighlightSnippet(const PreparedText& prepared, const std::unordered_set<std::string>& terms,
                             const SnippetOptions& options) {
  std::string_view text = prepared.text;
  // Matched spans in code points, merged where they overlap (bigrams do).
  std::vector<std::pair<size_t, size_t>> spans;
  AppendSpans(prepared.spans, prepared.skips, terms, &spans);
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (auto span : spans) {
    if (!merged.empty() && span.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, span.second);
    } else {
      merged.push_back(span);
    }
  }
  // How long the text is matters only up to the window's end, so it is walked no further.
  CodePointCursor probe(text);
  // The window with the most matches; the earliest on ties.
  size_t budget = std::max<size_t>(options.max_chars, 3);
  size_t begin = 0;
  if (probe.ByteOf(budget - 1) < text.size() && !merged.empty()) {  // the text does not fit
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
  // The window ends before the text does: leave room for the trailing ellipsis.
  const bool trail = probe.ByteOf(begin + room) < text.size();
  const size_t end = trail ? begin + room - 1 : probe.index();

  std::string out;
  if (lead) out += kEllipsis;
  CodePointCursor at(text);
  size_t pos = at.ByteOf(begin);
  for (auto [b, e] : merged) {
    if (e <= begin || b >= end) continue;
    const size_t from = at.ByteOf(std::max(b, begin));
    const size_t to = at.ByteOf(std::min(e, end));
    AppendEscaped(text.substr(pos, from - pos), &out);
    out += "<mark>";
    AppendEscaped(text.substr(from, to - from), &out);
    out += "</mark>";
    pos = to;
  }
  AppendEscaped(text.substr(pos, at.ByteOf(end) - pos), &out);
  if (trail) out += kEllipsis;
  return out;
}

}  // namespace kefu
