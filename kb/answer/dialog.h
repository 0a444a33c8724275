// Dialog: what the bot does with one customer message — answer, offer a choice (clarify) or hand
// the conversation to a person — given the conversation so far and what the search found, and why
// (the reason every reply carries). Pure logic: no I/O, no clock; the server gathers the inputs and
// stores the outcome. docs/BOT.md explains each rule.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/answer/policy.h"
#include "kb/status.h"

namespace kefu {

enum class ReplyType { kAnswer, kClarify, kHandoff, kGreeting };
std::string_view ReplyTypeName(ReplyType type);  // "answer", "clarify", "handoff", "greeting"

enum class DialogReason {
  kConfident,         // answered: confidence >= answer_threshold
  kAmbiguous,         // clarify: clarify_threshold <= confidence < answer_threshold
  kLowConfidence,     // hand-off: confidence < clarify_threshold (or nothing found)
  kAskedForHuman,     // hand-off: the customer asked for a person
  kEntryEscalates,    // hand-off: the best (or chosen) entry has escalate: true
  kRepeatedFailure,   // hand-off: a second failed turn in a row
  kChoseSuggestion,   // answered: the customer chose one of the offered entries
  kAlreadyHandedOff,  // the conversation is with a person; the bot stays out of it
  kGreeting,          // greeting: the whole message is a greeting or thanks (small talk)
};
std::string_view DialogReasonName(DialogReason reason);  // "confident", "ambiguous", ...

struct DialogOptions {
  // Thresholds on the calibrated confidence. Default: AnswerPolicy's (0.70 and 0.3).
  double answer_threshold = AnswerPolicy().answer_threshold;
  double clarify_threshold = AnswerPolicy().clarify_threshold;
  // Failed turns in a row (this one included) that hand off. Default: 2.
  int max_failed_turns = 2;
  // Entries offered by a clarify: the top two always, the third when its confidence is at least
  // clarify_threshold. Default: 3.
  int max_suggestions = 3;
  // Hand-off priority: the sum of these that apply (higher is served first). Defaults: a complaint
  // or anger signal 2, an escalating entry (fraud, security) 1, a customer tier listed in
  // `priority_tiers` 1.
  int complaint_priority = 2;
  int escalate_priority = 1;
  int tier_priority = 1;
  // Trusted customer tiers that raise the priority. Default: {"vip", "gold", "platinum"}.
  std::vector<std::string> priority_tiers = {"vip", "gold", "platinum"};
};

// The conversation before this message.
struct DialogState {
  bool handed_off = false;  // an open or claimed hand-off exists
  // Failed bot turns immediately before this message: clarifies the customer did not take, or
  // low-confidence turns. The server counts them from the transcript.
  int failed_turns = 0;
};

// One search hit, as much of it as the decision needs.
struct DialogCandidate {
  std::string entry_id;
  double confidence = 0;
  bool escalate = false;
};

struct DialogInput {
  // The free-text message; empty for a choice.
  std::string message;
  // The entry the customer chose from a clarify, when this is a choice.
  std::optional<DialogCandidate> choice;
  // The search hits for `message`, best first (empty for a choice or when nothing was found).
  std::vector<DialogCandidate> candidates;
  // The customer's tier when it comes from a trusted integration; "" otherwise.
  std::string customer_tier;
};

struct DialogDecision {
  ReplyType type = ReplyType::kHandoff;
  DialogReason reason = DialogReason::kLowConfidence;
  std::string entry_id;  // answer: the entry answered with
  double confidence = 0;  // of the best candidate (1 for a choice)
  // clarify: indexes into DialogInput::candidates, best first.
  std::vector<size_t> suggestions;
  bool failed = false;  // this turn counts as failed (clarify, low confidence)
  bool complaint = false;  // the message carries a complaint or anger signal
  int priority = 0;        // for a new hand-off
  bool new_handoff = false;  // a hand-off is to be created (not for kAlreadyHandedOff)
  // The rule that decided, for people: "confidence 0.82 >= answer threshold 0.70".
  std::string rule;
};

// The decision for one message. Rules, first match wins: already handed off; a choice (answers,
// or hands off when that entry escalates); asking for a person; small talk (greeting); the best candidate's confidence
// against the thresholds, with escalating entries handed off and a second failed turn in a row
// handed off as repeated_failure.
DialogDecision DecideReply(const DialogState& state, const DialogInput& input,
                           const DialogOptions& options);

// True when the message asks for a person: 人工, 转人工, 真人客服, 找客服, 人工服務, agent, human,
// representative, "talk to a person", ... (whole words for English, case-insensitive).
bool AsksForHuman(std::string_view message);
// Messages that are nothing but small talk: a greeting (你好, 在吗, hello) or thanks (谢谢, 謝謝,
// thank you), ignoring spaces and punctuation. The bot greets back instead of searching (a "你好"
// must not hand off for low confidence).
enum class SmallTalk { kNone, kGreeting, kThanks };
SmallTalk SmallTalkOf(std::string_view message);

// True when the message carries a complaint or anger signal: 投诉, 投訴, 差评, complaint, furious,
// angry, ...
bool SignalsComplaint(std::string_view message);

// Team routing: "category=team,category=team" -> {category: team}. kInvalidArgument names the
// malformed item.
Result<std::map<std::string, std::string>> ParseTeamMap(std::string_view text);
// The team for an entry category; `fallback` when unmapped or empty.
std::string TeamFor(std::string_view category, const std::map<std::string, std::string>& teams,
                    std::string_view fallback);

}  // namespace kefu
