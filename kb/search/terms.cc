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

std::string TermOf(const Token& token) {
  if (token.text.size() > kMaxTermBytes) return "";
  switch (token.kind) {
    case TokenKind::kWord: return StemWord(token.text);
    case TokenKind::kHanWord: return token.text;
    case TokenKind::kHanBigram: return schema::Term(schema::kBigramPrefix, token.text);
  }
  return "";
}

}  // namespace kefu
