// Tokenisation of normalised text: Latin words, e-mail addresses, Han words and bigrams.
#include "kb/text/analyzer.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <sstream>

#include "kb/text/segmenter.h"

namespace kefu {
namespace {

bool IsWordChar(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
  if (c == U'\uFFFD' || IsHan(c)) return false;
  return u_isalnum(static_cast<UChar32>(c)) || u_getCombiningClass(static_cast<UChar32>(c)) != 0 ||
         u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK;
}

bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool IsApostrophe(char32_t c) { return c == '\'' || c == U'\u2019'; }

bool IsEmailLocalChar(char32_t c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
         c == '-';
}

bool IsEmailDomainChar(char32_t c) { return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '.' || c == '-'; }

class TokenSink {
 public:
  TokenSink(const NormalizedText& text, std::vector<Token>* out) : text_(text), out_(out) {}

  void Emit(size_t b, size_t e, TokenKind kind, uint32_t position, std::u32string_view value) {
    Token t;
    t.text = ToUtf8(value);
    t.kind = kind;
    t.begin = text_.origin[b].first;
    t.end = text_.origin[e - 1].second;
    t.position = position;
    out_->push_back(std::move(t));
  }
  void Emit(size_t b, size_t e, TokenKind kind, uint32_t position) {
    Emit(b, e, kind, position, std::u32string_view(text_.text).substr(b, e - b));
  }

 private:
  const NormalizedText& text_;
  std::vector<Token>* out_;
};

// A Latin word: drops apostrophes ("don't" -> "dont", "customer's" -> "customer"), and for mixed
// letters and digits ("iphone15", "kf2024001") adds the parts customers may type separately.
void EmitWord(TokenSink* sink, const std::u32string& text, size_t b, size_t e, uint32_t position) {
  std::u32string word;
  for (size_t i = b; i < e; ++i) {
    if (IsApostrophe(text[i])) {
      if (i + 2 == e && text[i + 1] == 's') break;  // possessive
      continue;
    }
    word.push_back(text[i]);
  }
  if (word.empty()) return;
  sink->Emit(b, e, TokenKind::kWord, position, word);
  size_t part_start = b;
  bool mixed = false;
  for (size_t i = b + 1; i < e; ++i) {
    if (IsDigit(text[i]) != IsDigit(text[i - 1]) && !IsApostrophe(text[i]) && !IsApostrophe(text[i - 1])) {
      mixed = true;
      break;
    }
  }
  if (!mixed) return;
  for (size_t i = b + 1; i <= e; ++i) {
    if (i == e || IsDigit(text[i]) != IsDigit(text[i - 1])) {
      if (i - part_start >= 2 || IsDigit(text[part_start])) {
        sink->Emit(part_start, i, TokenKind::kWord, position);
      }
      part_start = i;
    }
  }
}

}  // namespace

Analyzer::Analyzer(const AnalyzerOptions& options, std::unique_ptr<Normalizer> normalizer)
    : options_(options), normalizer_(std::move(normalizer)) {}
Analyzer::~Analyzer() = default;

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  auto normalizer = Normalizer::Create(options.normalizer);
  if (!normalizer.ok()) return normalizer.status();
  std::unique_ptr<Analyzer> analyzer(new Analyzer(options, std::move(normalizer).value()));
  std::istringstream lines(options.dictionary);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::u32string word = analyzer->normalizer_->Normalize(line, ScriptHint::kSimplified).text;
    while (!word.empty() && !IsHan(word.back())) word.pop_back();  // trailing spaces, \r
    if (word.size() < 2 || !std::all_of(word.begin(), word.end(), IsHan)) continue;  // Han words only
    analyzer->dictionary_max_len_ = std::max(analyzer->dictionary_max_len_, word.size());
    analyzer->dictionary_.insert(std::move(word));
  }
  return analyzer;
}

NormalizedText Analyzer::Normalize(std::string_view text, ScriptHint hint) const {
  return normalizer_->Normalize(text, hint);
}

std::vector<Token> Analyzer::Analyze(std::string_view input, ScriptHint hint) const {
  return Analyze(normalizer_->Normalize(input, hint));
}

std::vector<Token> Analyzer::Analyze(const NormalizedText& norm) const {
  const std::u32string& text = norm.text;
  std::vector<Token> tokens;
  TokenSink sink(norm, &tokens);
  uint32_t position = 0;
  size_t i = 0;
  while (i < text.size()) {
    char32_t c = text[i];
    if (IsHan(c)) {
      size_t j = i + 1;
      while (j < text.size() && IsHan(text[j])) ++j;
      std::u32string_view run = std::u32string_view(text).substr(i, j - i);
      std::vector<std::pair<size_t, size_t>> words = SegmentHanRun(run);
      for (auto [wb, we] : words) {
        sink.Emit(i + wb, i + we, TokenKind::kHanWord, position + static_cast<uint32_t>(wb));
      }
      for (size_t k = 0; !dictionary_.empty() && k + 1 < run.size(); ++k) {
        for (size_t len = std::min(dictionary_max_len_, run.size() - k); len >= 2; --len) {
          if (dictionary_.find(run.substr(k, len)) == dictionary_.end()) continue;
          if (std::find(words.begin(), words.end(), std::pair{k, k + len}) != words.end()) continue;
          sink.Emit(i + k, i + k + len, TokenKind::kHanWord, position + static_cast<uint32_t>(k));
        }
      }
      if (options_.han_bigrams) {
        for (size_t k = 0; k + 1 < run.size(); ++k) {
          sink.Emit(i + k, i + k + 2, TokenKind::kHanBigram, position + static_cast<uint32_t>(k));
        }
      }
      position += static_cast<uint32_t>(run.size());
      i = j;
      continue;
    }
    if (c == '@' && i > 0 && i + 1 < text.size()) {
      // Whole e-mail address, besides the words it is made of (emitted as the loop goes on).
      size_t b = i;
      while (b > 0 && IsEmailLocalChar(text[b - 1])) --b;
      size_t e = i + 1;
      while (e < text.size() && IsEmailDomainChar(text[e])) ++e;
      while (e > i + 1 && text[e - 1] == '.') --e;
      std::u32string_view domain = std::u32string_view(text).substr(i + 1, e - i - 1);
      if (b < i && domain.find('.') != std::u32string_view::npos) {
        sink.Emit(b, e, TokenKind::kWord, position);
      }
      ++i;
      continue;
    }
    if (IsWordChar(c)) {
      size_t j = i + 1;
      while (j < text.size() &&
             (IsWordChar(text[j]) ||
              (IsApostrophe(text[j]) && j + 1 < text.size() && IsWordChar(text[j + 1])))) {
        ++j;
      }
      EmitWord(&sink, text, i, j, position++);
      i = j;
      continue;
    }
    ++i;
  }
  return tokens;
}

std::string FormatTokens(const std::vector<Token>& tokens) {
  std::string out;
  for (const Token& t : tokens) {
    if (!out.empty()) out += ' ';
    if (t.kind == TokenKind::kHanWord) out += "han:";
    if (t.kind == TokenKind::kHanBigram) out += "bi:";
    out += t.text;
  }
  return out;
}

}  // namespace kefu
