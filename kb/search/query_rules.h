// QueryRules: the editors' query-side rules. Synonyms (synonyms.txt) add the terms of every other
// member of a group when the question contains one member; pins (pins.txt) send a question to one
// entry. Both act on queries only, so editing them reuses every document of the index.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kb/content/config_files.h"
#include "kb/search/query_builder.h"
#include "kb/text/analyzer.h"

namespace kefu {

class QueryRules {
 public:
  // Lines that do not parse are skipped: LoadContentDir() reports them to editors.
  static QueryRules Parse(const ContentConfig& config, const Analyzer& analyzer);

  // Adds, at `weight` times their own weight, the terms of the other members of every synonym group
  // with a member in `question` (normalised text, see PhraseKey()).
  void ExpandSynonyms(const std::u32string& question, const RankingOptions& options, double weight,
                      std::vector<QueryTerm>* terms) const;

  // The entry id pinned to a question with this key, if any.
  std::optional<std::string> PinnedEntry(const std::string& key) const;

  // The form questions are matched in: normalised words (no bigrams), space-separated.
  static std::string PinKey(const Analyzer& analyzer, std::string_view question);
  // The same key from the question's tokens, for a caller that has analysed it already.
  static std::string PinKey(const std::vector<Token>& tokens);

 private:
  struct Member {
    std::u32string text;  // normalised
    bool han = false;     // matched as a substring; otherwise as whole words
    std::vector<QueryTerm> terms;
  };
  std::vector<std::vector<Member>> groups_;
  std::unordered_map<std::string, std::string> pins_;
};

}  // namespace kefu
