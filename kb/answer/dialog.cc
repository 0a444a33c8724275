// The bot's decision rules and the phrase lists behind them.
#include "kb/answer/dialog.h"

#include <algorithm>

namespace kefu {
namespace {

// Chinese phrases match as substrings (no spaces between words); "人工" also covers 转人工,
// 人工客服, 人工服务/服務, and "真人" covers 真人客服.
constexpr std::string_view kHumanHan[] = {"人工", "真人", "找客服", "转客服", "轉客服",
                                          "客服人员", "客服人員", "活人"};
// English phrases match as whole words of the lower-cased message.
constexpr std::string_view kHumanEn[] = {
    "agent",          "agents",          "human",           "humans",
    "representative", "operator",        "real person",     "live person",
    "live chat",      "talk to a person", "speak to a person", "talk to someone",
    "speak to someone", "talk to somebody", "customer service rep"};

constexpr std::string_view kComplaintHan[] = {
    "投诉", "投訴", "差评", "差評", "举报", "舉報", "骗子", "騙子", "垃圾", "气死", "氣死",
    "太差", "生气", "生氣", "愤怒", "憤怒", "消协", "消協", "12315", "维权", "維權"};
constexpr std::string_view kComplaintEn[] = {
    "complaint", "complain",     "complaining", "furious",  "angry",     "unacceptable",
    "ridiculous", "terrible",    "worst",       "scam",     "lawyer",    "outraged",
    "disgusted",  "fed up",      "rip off",     "ripped off"};

// " words of the message " in lower case, ASCII letters and digits only, single spaces; non-ASCII
// bytes (Chinese) become separators, which is all the English lists need.
std::string AsciiWords(std::string_view text) {
  std::string out = " ";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += static_cast<char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (c == '\'') {
      continue;  // "don't" -> "dont"
    } else if (out.back() != ' ') {
      out += ' ';
    }
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

template <size_t N, size_t M>
bool Matches(std::string_view message, const std::string_view (&han)[N],
             const std::string_view (&en)[M]) {
  for (std::string_view phrase : han) {
    if (message.find(phrase) != std::string_view::npos) return true;
  }
  const std::string words = AsciiWords(message);
  for (std::string_view phrase : en) {
    std::string needle = " ";
    needle += phrase;
    needle += ' ';
    if (words.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view ReplyTypeName(ReplyType type) {
  switch (type) {
    case ReplyType::kAnswer: return "answer";
    case ReplyType::kClarify: return "clarify";
    case ReplyType::kHandoff: return "handoff";
  }
  return "handoff";
}

std::string_view DialogReasonName(DialogReason reason) {
  switch (reason) {
    case DialogReason::kConfident: return "confident";
    case DialogReason::kAmbiguous: return "ambiguous";
    case DialogReason::kLowConfidence: return "low_confidence";
    case DialogReason::kAskedForHuman: return "asked_for_human";
    case DialogReason::kEntryEscalates: return "entry_escalates";
    case DialogReason::kRepeatedFailure: return "repeated_failure";
    case DialogReason::kChoseSuggestion: return "chose_suggestion";
    case DialogReason::kAlreadyHandedOff: return "already_handed_off";
  }
  return "low_confidence";
}

bool AsksForHuman(std::string_view message) { return Matches(message, kHumanHan, kHumanEn); }

bool SignalsComplaint(std::string_view message) {
  return Matches(message, kComplaintHan, kComplaintEn);
}

DialogDecision DecideReply(const DialogState& state, const DialogInput& input,
                           const DialogOptions& options) {
  DialogDecision d;
  d.complaint = !input.message.empty() && SignalsComplaint(input.message);
  if (!input.candidates.empty()) d.confidence = input.candidates.front().confidence;

  auto hand_off = [&](DialogReason reason, bool escalates) {
    d.type = ReplyType::kHandoff;
    d.reason = reason;
    d.new_handoff = true;
    d.priority = (d.complaint ? options.complaint_priority : 0) +
                 (escalates ? options.escalate_priority : 0);
    if (!input.customer_tier.empty() &&
        std::find(options.priority_tiers.begin(), options.priority_tiers.end(),
                  input.customer_tier) != options.priority_tiers.end()) {
      d.priority += options.tier_priority;
    }
    return d;
  };

  // The person handling it answers from now on; the bot must not talk over them.
  if (state.handed_off) {
    d.type = ReplyType::kHandoff;
    d.reason = DialogReason::kAlreadyHandedOff;
    return d;
  }
  if (input.choice) {
    d.confidence = 1;
    d.entry_id = input.choice->entry_id;
    if (input.choice->escalate) return hand_off(DialogReason::kEntryEscalates, true);
    d.type = ReplyType::kAnswer;
    d.reason = DialogReason::kChoseSuggestion;
    return d;
  }
  if (AsksForHuman(input.message)) return hand_off(DialogReason::kAskedForHuman, false);

  const bool found = !input.candidates.empty();
  const DialogCandidate* best = found ? &input.candidates.front() : nullptr;
  if (found && best->confidence >= options.answer_threshold) {
    d.entry_id = best->entry_id;
    if (best->escalate) return hand_off(DialogReason::kEntryEscalates, true);
    d.type = ReplyType::kAnswer;
    d.reason = DialogReason::kConfident;
    return d;
  }
  // Below the answer threshold this turn fails; the second failure in a row goes to a person.
  d.failed = true;
  const bool repeated = state.failed_turns + 1 >= options.max_failed_turns;
  if (found && best->confidence >= options.clarify_threshold) {
    if (repeated) return hand_off(DialogReason::kRepeatedFailure, false);
    d.type = ReplyType::kClarify;
    d.reason = DialogReason::kAmbiguous;
    for (size_t i = 0; i < input.candidates.size() &&
                       static_cast<int>(i) < std::max(options.max_suggestions, 2);
         ++i) {
      if (i >= 2 && input.candidates[i].confidence < options.clarify_threshold) break;
      d.suggestions.push_back(i);
    }
    return d;
  }
  return hand_off(repeated ? DialogReason::kRepeatedFailure : DialogReason::kLowConfidence, false);
}

Result<std::map<std::string, std::string>> ParseTeamMap(std::string_view text) {
  std::map<std::string, std::string> teams;
  int item = 0;
  while (!Trim(text).empty()) {
    ++item;
    const size_t comma = text.find(',');
    const std::string_view part = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos || Trim(part.substr(0, eq)).empty() ||
        Trim(part.substr(eq + 1)).empty()) {
      return Status::InvalidArgument("team " + std::to_string(item) + " '" + std::string(part) +
                                     "' is not CATEGORY=TEAM");
    }
    teams[std::string(Trim(part.substr(0, eq)))] = std::string(Trim(part.substr(eq + 1)));
  }
  return teams;
}

std::string TeamFor(std::string_view category, const std::map<std::string, std::string>& teams,
                    std::string_view fallback) {
  if (auto it = teams.find(std::string(category)); it != teams.end()) return it->second;
  return std::string(fallback);
}

}  // namespace kefu
