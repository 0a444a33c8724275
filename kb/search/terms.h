// Tokens -> Xapian terms, the one mapping used by the index writer, the query builder and the
// highlighter: English words are stemmed (Snowball), Han words are kept, Han bigrams get kBigramPrefix.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kb/text/analyzer.h"

namespace kefu {

// The term of a token without field prefix; empty when the token cannot be a term (too long).
std::string TermOf(const Token& token);
// TermOf() of each token, in order: for text whose terms serve several documents or tables.
std::vector<std::string> TermsOf(const std::vector<Token>& tokens);

// Terms for adjacent word pairs ("P" + stem + " " + stem): phrase evidence ("top up", "card
// arrive") that single words lose. Han text needs none: its bigrams already are pairs.
std::vector<std::string> PairTermsOf(const std::vector<Token>& tokens);

// The Snowball English stem of a lower-cased word; words with digits, '@' or '.' are returned unchanged.
std::string StemWord(std::string_view word);

}  // namespace kefu
