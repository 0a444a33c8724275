// Term mapping; one Snowball stemmer per thread (Xapian::Stem keeps state while stemming).
#include "kb/search/terms.h"

#include <xapian.h>

#include <algorithm>

#include "kb/search/schema.h"

namespace kefu {
namespace {

// Xapian's limit is 245 bytes including prefixes.
constexpr size_t kMaxTermBytes = 200;

}  // namespace

std::string StemWord(std::string_view word) {
  // Numbers, order codes and e-mail addresses are matched as written.
  if (std::any_of(word.begin(), word.end(),
                  [](char c) { return (c >= '0' && c <= '9') || c == '@' || c == '.'; })) {
    return std::string(word);
  }
  thread_local Xapian::Stem stemmer("english");
  return stemmer(std::string(word));
}

std::vector<std::string> PairTermsOf(const std::vector<Token>& tokens) {
  std::vector<std::string> pairs;
  const Token* previous = nullptr;
  for (const Token& t : tokens) {
    if (t.kind != TokenKind::kWord) {
      previous = nullptr;
      continue;
    }
    if (previous != nullptr && previous->position == t.position) continue;  // parts of a mixed word
    if (previous != nullptr && previous->position + 1 == t.position) {
      std::string pair = schema::Term(schema::kPairPrefix, TermOf(*previous));
      pair += ' ';
      pair += TermOf(t);
      if (pair.size() <= kMaxTermBytes) pairs.push_back(std::move(pair));
    }
    previous = &t;
  }
  return pairs;
}

std::string TermOf(const Token& token) {
  if (token.text.size() > kMaxTermBytes) return "";
  switch (token.kind) {
    case TokenKind::kWord: return StemWord(token.text);
    case TokenKind::kHanWord: return token.text;
    case TokenKind::kHanBigram: return schema::Term(schema::kBigramPrefix, token.text);
  }
  return "";
}

std::vector<std::string> TermsOf(const std::vector<Token>& tokens) {
  std::vector<std::string> terms;
  terms.reserve(tokens.size());
  for (const Token& token : tokens) terms.push_back(TermOf(token));
  return terms;
}

}  // namespace kefu
