// The bot's decision rules and the phrase lists behind them.
#include "kb/answer/dialog.h"

#include <algorithm>
#include <cstdio>

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

// Small talk, compared after Compact(): lower case, no spaces, no punctuation.
constexpr std::string_view kGreetings[] = {
    "你好", "您好", "你好呀", "您好呀", "你好啊", "在吗", "在嗎", "在么", "在麼", "在不在",
    "哈喽", "哈囉", "嗨", "早", "早上好", "下午好", "晚上好", "客服你好", "客服您好", "你好客服",
    "您好客服", "有人吗", "有人嗎", "hi", "hello", "hey", "hiya", "hellothere", "goodmorning",
    "goodafternoon", "goodevening", "anyonethere", "isanyonethere"};
constexpr std::string_view kThanks[] = {
    "谢谢", "謝謝", "多谢", "多謝", "谢啦", "謝啦", "感谢", "感謝", "谢谢你", "謝謝你", "谢谢您",
    "謝謝您", "非常感谢", "非常感謝", "好的谢谢", "好的謝謝", "好的", "明白了", "知道了", "thanks",
    "thankyou", "thx", "ty", "okthanks", "okthankyou", "thanksalot", "thankyousomuch",
    "greatthanks", "perfectthanks", "gotit", "ok", "okay"};

// The message for the small-talk lists: ASCII lower-cased, ASCII and common CJK punctuation and
// spaces dropped.
std::string Compact(std::string_view text) {
  constexpr std::string_view kCjkPunctuation[] = {"！", "，", "。", "？", "～", "、", "…", "：",
                                                  "；", "　", "~"};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += static_cast<char>(c);
      if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
      ++i;
      continue;
    }
    bool skipped = false;
    for (std::string_view p : kCjkPunctuation) {
      if (text.substr(i, p.size()) == p) {
        i += p.size();
        skipped = true;
        break;
      }
    }
    if (!skipped) out += text[i++];
  }
  return out;
}

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

// "0.82": two decimals, for the rule people read.
std::string Decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
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
    case ReplyType::kGreeting: return "greeting";
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
    case DialogReason::kGreeting: return "greeting";
  }
  return "low_confidence";
}

bool AsksForHuman(std::string_view message) { return Matches(message, kHumanHan, kHumanEn); }

SmallTalk SmallTalkOf(std::string_view message) {
  const std::string compact = Compact(message);
  if (compact.empty()) return SmallTalk::kNone;
  for (std::string_view g : kGreetings) {
    if (compact == g) return SmallTalk::kGreeting;
  }
  for (std::string_view t : kThanks) {
    if (compact == t) return SmallTalk::kThanks;
  }
  return SmallTalk::kNone;
}

bool SignalsComplaint(std::string_view message) {
  return Matches(message, kComplaintHan, kComplaintEn);
}

DialogDecision DecideReply(const DialogState& state, const DialogInput& input,
                           const DialogOptions& options) {
  DialogDecision d;
  d.complaint = !input.message.empty() && SignalsComplaint(input.message);
  if (!input.candidates.empty()) d.confidence = input.candidates.front().confidence;
  const std::string confidence = "confidence " + Decimal(d.confidence);

  auto hand_off = [&](DialogReason reason, bool escalates, std::string rule) {
    d.type = ReplyType::kHandoff;
    d.reason = reason;
    d.new_handoff = true;
    d.rule = std::move(rule);
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
    d.rule = "the conversation is already with a person";
    return d;
  }
  if (input.choice) {
    d.confidence = 1;
    d.entry_id = input.choice->entry_id;
    if (input.choice->escalate) {
      return hand_off(DialogReason::kEntryEscalates, true,
                      "the chosen entry " + d.entry_id + " has escalate: true");
    }
    d.type = ReplyType::kAnswer;
    d.reason = DialogReason::kChoseSuggestion;
    d.rule = "the customer chose entry " + d.entry_id;
    return d;
  }
  if (AsksForHuman(input.message)) {
    return hand_off(DialogReason::kAskedForHuman, false, "the message asks for a person");
  }
  if (SmallTalkOf(input.message) != SmallTalk::kNone) {
    d.type = ReplyType::kGreeting;
    d.reason = DialogReason::kGreeting;
    d.confidence = 0;
    d.rule = "the message is only a greeting or thanks";
    return d;
  }

  const bool found = !input.candidates.empty();
  const DialogCandidate* best = found ? &input.candidates.front() : nullptr;
  const std::string answer_rule =
      confidence + " >= answer threshold " + Decimal(options.answer_threshold);
  if (found && best->confidence >= options.answer_threshold) {
    d.entry_id = best->entry_id;
    if (best->escalate) {
      return hand_off(DialogReason::kEntryEscalates, true,
                      answer_rule + ", and entry " + d.entry_id + " has escalate: true");
    }
    d.type = ReplyType::kAnswer;
    d.reason = DialogReason::kConfident;
    d.rule = answer_rule;
    return d;
  }
  // Below the answer threshold this turn fails; the second failure in a row goes to a person.
  d.failed = true;
  const bool repeated = state.failed_turns + 1 >= options.max_failed_turns;
  const std::string failures = std::to_string(state.failed_turns + 1) + " failed turn(s) in a row";
  if (found && best->confidence >= options.clarify_threshold) {
    const std::string clarify_rule = confidence + " between clarify threshold " +
                                     Decimal(options.clarify_threshold) + " and answer threshold " +
                                     Decimal(options.answer_threshold);
    if (repeated) {
      return hand_off(DialogReason::kRepeatedFailure, false, clarify_rule + "; " + failures);
    }
    d.type = ReplyType::kClarify;
    d.reason = DialogReason::kAmbiguous;
    d.rule = clarify_rule;
    for (size_t i = 0; i < input.candidates.size() &&
                       static_cast<int>(i) < std::max(options.max_suggestions, 2);
         ++i) {
      if (i >= 2 && input.candidates[i].confidence < options.clarify_threshold) break;
      d.suggestions.push_back(i);
    }
    return d;
  }
  const std::string low_rule =
      found ? confidence + " < clarify threshold " + Decimal(options.clarify_threshold)
            : std::string("nothing found");
  return hand_off(repeated ? DialogReason::kRepeatedFailure : DialogReason::kLowConfidence, false,
                  repeated ? low_rule + "; " + failures : low_rule);
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
