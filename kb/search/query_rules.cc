// Synonym expansion and pinned questions.
#include "kb/search/query_rules.h"

#include <sstream>
#include <unordered_set>

namespace kefu {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool IsWordChar(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80; }

// Whole-word occurrence of `needle` in `text`.
bool ContainsWords(const std::u32string& text, const std::u32string& needle) {
  for (size_t pos = text.find(needle); pos != std::u32string::npos; pos = text.find(needle, pos + 1)) {
    bool start = pos == 0 || !IsWordChar(text[pos - 1]);
    size_t end = pos + needle.size();
    bool stop = end == text.size() || !IsWordChar(text[end]);
    if (start && stop) return true;
  }
  return false;
}

}  // namespace

std::string QueryRules::PinKey(const Analyzer& analyzer, std::string_view question) {
  return PinKey(analyzer.Analyze(question));
}

std::string QueryRules::PinKey(const std::vector<Token>& tokens) {
  std::string key;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::kHanBigram) continue;
    if (!key.empty()) key += ' ';
    key += t.text;
  }
  return key;
}

QueryRules QueryRules::Parse(const ContentConfig& config, const Analyzer& analyzer) {
  QueryRules rules;
  RankingOptions plain;
  std::istringstream synonyms(config.synonyms);
  std::string line;
  while (std::getline(synonyms, line)) {
    if (Trim(line).empty() || Trim(line)[0] == '#') continue;
    std::vector<Member> group;
    std::istringstream fields(line);
    std::string member;
    while (std::getline(fields, member, ',')) {
      member = Trim(member);
      if (member.empty()) continue;
      Member m;
      m.text = analyzer.Normalize(member).text;
      m.han = !m.text.empty() && IsHan(m.text.front());
      m.terms = QueryTermsOf(analyzer.Analyze(member), plain);
      if (!m.terms.empty()) group.push_back(std::move(m));
    }
    if (group.size() >= 2) rules.groups_.push_back(std::move(group));
  }
  std::istringstream pins(config.pins);
  while (std::getline(pins, line)) {
    size_t tab = line.rfind('\t');
    if (Trim(line).empty() || Trim(line)[0] == '#' || tab == std::string::npos) continue;
    std::string key = PinKey(analyzer, line.substr(0, tab));
    if (!key.empty()) rules.pins_[key] = Trim(line.substr(tab + 1));
  }
  return rules;
}

void QueryRules::ExpandSynonyms(const std::u32string& question, const RankingOptions& options, double weight,
                                std::vector<QueryTerm>* terms) const {
  std::unordered_set<std::string> present;
  for (const QueryTerm& t : *terms) present.insert(t.term);
  for (const auto& group : groups_) {
    bool hit = false;
    for (const Member& m : group) {
      if (m.han ? question.find(m.text) != std::u32string::npos : ContainsWords(question, m.text)) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    for (const Member& m : group) {
      for (const QueryTerm& t : m.terms) {
        if (!present.insert(t.term).second) continue;
        double w = t.kind == TokenKind::kHanBigram ? options.bigram_weight : 1.0;
        terms->push_back({t.term, t.kind, w * weight});
      }
    }
  }
}

std::optional<std::string> QueryRules::PinnedEntry(const std::string& key) const {
  auto it = pins_.find(key);
  if (it == pins_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kefu
