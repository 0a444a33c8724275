// DecideReply(): every rule as a row of a table, and the phrase detectors in three languages.
#include "kb/answer/dialog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kefu {
namespace {

struct Row {
  const char* name;
  DialogState state;
  std::string message;
  std::optional<DialogCandidate> choice;
  std::vector<DialogCandidate> candidates;
  std::string tier;
  ReplyType type;
  DialogReason reason;
  int priority;  // checked for hand-offs
};

const std::vector<DialogCandidate> kConfident = {{"a", 0.9, false}, {"b", 0.2, false}};
const std::vector<DialogCandidate> kEscalates = {{"hacked", 0.95, true}, {"b", 0.2, false}};
const std::vector<DialogCandidate> kAmbiguous = {
    {"a", 0.5, false}, {"b", 0.45, false}, {"c", 0.1, false}};
const std::vector<DialogCandidate> kLow = {{"a", 0.1, false}};

TEST(Dialog, DecidesEachCaseByTheTable) {
  const std::vector<Row> rows = {
      {"confident answer", {}, "退货运费谁承担", {}, kConfident, "", ReplyType::kAnswer,
       DialogReason::kConfident, 0},
      {"at the threshold answers", {}, "q", {}, {{"a", AnswerPolicy().answer_threshold, false}}, "",
       ReplyType::kAnswer, DialogReason::kConfident, 0},
      {"escalating entry", {}, "账号被盗了", {}, kEscalates, "", ReplyType::kHandoff,
       DialogReason::kEntryEscalates, 1},
      {"between thresholds clarifies", {}, "q", {}, kAmbiguous, "", ReplyType::kClarify,
       DialogReason::kAmbiguous, 0},
      {"below clarify hands off", {}, "asdf qwer", {}, kLow, "", ReplyType::kHandoff,
       DialogReason::kLowConfidence, 0},
      {"nothing found hands off", {}, "zzz", {}, {}, "", ReplyType::kHandoff,
       DialogReason::kLowConfidence, 0},
      {"asks for a person (zh-Hans)", {}, "转人工", {}, kConfident, "", ReplyType::kHandoff,
       DialogReason::kAskedForHuman, 0},
      {"asks for a person (zh-Hant)", {}, "我要人工服務", {}, kConfident, "", ReplyType::kHandoff,
       DialogReason::kAskedForHuman, 0},
      {"asks for a person (en)", {}, "Can I talk to a person?", {}, kConfident, "",
       ReplyType::kHandoff, DialogReason::kAskedForHuman, 0},
      {"complaint raises priority", {}, "我要投诉，转人工", {}, {}, "", ReplyType::kHandoff,
       DialogReason::kAskedForHuman, 2},
      {"trusted vip tier raises priority", {}, "human please", {}, {}, "vip",
       ReplyType::kHandoff, DialogReason::kAskedForHuman, 1},
      {"second failure in a row", {.failed_turns = 1}, "q", {}, kAmbiguous, "",
       ReplyType::kHandoff, DialogReason::kRepeatedFailure, 0},
      {"low confidence after a failure", {.failed_turns = 1}, "q", {}, kLow, "",
       ReplyType::kHandoff, DialogReason::kRepeatedFailure, 0},
      {"a confident answer after a failure", {.failed_turns = 1}, "q", {}, kConfident, "",
       ReplyType::kAnswer, DialogReason::kConfident, 0},
      {"choice answers", {}, "", DialogCandidate{"b", 1, false}, {}, "", ReplyType::kAnswer,
       DialogReason::kChoseSuggestion, 0},
      {"choice of an escalating entry", {}, "", DialogCandidate{"hacked", 1, true}, {}, "",
       ReplyType::kHandoff, DialogReason::kEntryEscalates, 1},
      {"handed off stays with the person", {.handed_off = true}, "转人工", {}, kConfident, "",
       ReplyType::kHandoff, DialogReason::kAlreadyHandedOff, 0},
      {"a greeting greets back", {}, "你好！", {}, kLow, "", ReplyType::kGreeting,
       DialogReason::kGreeting, 0},
      {"thanks after failures is no failure", {.failed_turns = 1}, "Thank you.", {}, {}, "",
       ReplyType::kGreeting, DialogReason::kGreeting, 0},
  };
  for (const Row& row : rows) {
    DialogInput input;
    input.message = row.message;
    input.choice = row.choice;
    input.candidates = row.candidates;
    input.customer_tier = row.tier;
    const DialogDecision d = DecideReply(row.state, input, DialogOptions());
    EXPECT_EQ(ReplyTypeName(d.type), ReplyTypeName(row.type)) << row.name;
    EXPECT_EQ(DialogReasonName(d.reason), DialogReasonName(row.reason)) << row.name;
    if (d.type == ReplyType::kHandoff) {
      EXPECT_EQ(d.priority, row.priority) << row.name;
    }
    EXPECT_EQ(d.new_handoff,
              d.type == ReplyType::kHandoff && d.reason != DialogReason::kAlreadyHandedOff)
        << row.name;
  }
}

TEST(Dialog, ClarifyOffersTheTopTwoAndAThirdOnlyAboveTheClarifyThreshold) {
  DialogInput input;
  input.message = "q";
  input.candidates = kAmbiguous;
  DialogDecision d = DecideReply({}, input, DialogOptions());
  EXPECT_EQ(d.suggestions, (std::vector<size_t>{0, 1}));
  input.candidates[2].confidence = 0.35;
  d = DecideReply({}, input, DialogOptions());
  EXPECT_EQ(d.suggestions, (std::vector<size_t>{0, 1, 2}));
  EXPECT_TRUE(d.failed);
}

TEST(Dialog, AnswerNamesTheEntryAndItsConfidence) {
  DialogInput input;
  input.message = "q";
  input.candidates = kConfident;
  const DialogDecision d = DecideReply({}, input, DialogOptions());
  EXPECT_EQ(d.entry_id, "a");
  EXPECT_DOUBLE_EQ(d.confidence, 0.9);
  EXPECT_FALSE(d.failed);
}

TEST(Dialog, DetectsRequestsForAPerson) {
  for (const char* yes : {"人工", "转人工", "轉人工", "真人客服", "找客服", "人工服務", "我要人工客服",
                          "agent", "Human please", "I want a REPRESENTATIVE", "talk to a person",
                          "can I speak to someone?"}) {
    EXPECT_TRUE(AsksForHuman(yes)) << yes;
  }
  for (const char* no : {"退货运费谁承担", "how do I return an item", "humanity", "reagent",
                         "客服几点上班"}) {
    EXPECT_FALSE(AsksForHuman(no)) << no;
  }
}

TEST(Dialog, EachDecisionSaysWhichRuleDecidedIt) {
  DialogInput input;
  input.message = "q";
  input.candidates = kConfident;
  EXPECT_EQ(DecideReply({}, input, DialogOptions()).rule, "confidence 0.90 >= answer threshold 0.70");
  input.candidates = kAmbiguous;
  EXPECT_EQ(DecideReply({}, input, DialogOptions()).rule,
            "confidence 0.50 between clarify threshold 0.30 and answer threshold 0.70");
  EXPECT_EQ(DecideReply({.failed_turns = 1}, input, DialogOptions()).rule,
            "confidence 0.50 between clarify threshold 0.30 and answer threshold 0.70; "
            "2 failed turn(s) in a row");
  input.candidates = {};
  EXPECT_EQ(DecideReply({}, input, DialogOptions()).rule, "nothing found");
  input.message = "转人工";
  EXPECT_EQ(DecideReply({}, input, DialogOptions()).rule, "the message asks for a person");
}

TEST(Dialog, RecognisesSmallTalkOnlyWhenThatIsTheWholeMessage) {
  for (const char* greeting : {"你好", "您好！", "在吗？", "在嗎", "哈囉", "Hi", "hello!!", "Good morning"}) {
    EXPECT_EQ(SmallTalkOf(greeting), SmallTalk::kGreeting) << greeting;
  }
  for (const char* thanks : {"谢谢", "謝謝！", "好的，谢谢", "Thanks!", "thank you", "OK thanks"}) {
    EXPECT_EQ(SmallTalkOf(thanks), SmallTalk::kThanks) << thanks;
  }
  for (const char* no : {"你好，退货运费谁承担", "hello, where is my order", "thanks but it did not work",
                         "", "？？", "history"}) {
    EXPECT_EQ(SmallTalkOf(no), SmallTalk::kNone) << no;
  }
}

TEST(Dialog, DetectsComplaintsAndAnger) {
  for (const char* yes : {"我要投诉", "我要投訴", "给差评", "I want to file a complaint",
                          "I am FURIOUS", "this is unacceptable"}) {
    EXPECT_TRUE(SignalsComplaint(yes)) << yes;
  }
  for (const char* no : {"退货运费谁承担", "where is my order", "angrybirds"}) {
    EXPECT_FALSE(SignalsComplaint(no)) << no;
  }
}

TEST(Dialog, ParsesTheTeamMap) {
  auto teams = ParseTeamMap(" account=security, payment = billing ,");
  ASSERT_TRUE(teams.ok()) << teams.status().ToString();
  EXPECT_EQ(teams->size(), 2u);
  EXPECT_EQ(TeamFor("account", *teams, "general"), "security");
  EXPECT_EQ(TeamFor("payment", *teams, "general"), "billing");
  EXPECT_EQ(TeamFor("orders", *teams, "general"), "general");
  EXPECT_EQ(TeamFor("", *teams, "general"), "general");
  EXPECT_TRUE(ParseTeamMap("")->empty());
  EXPECT_FALSE(ParseTeamMap("account").ok());
  EXPECT_FALSE(ParseTeamMap("account=").ok());
}

}  // namespace
}  // namespace kefu
