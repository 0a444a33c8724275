// Store: a real SQLite file in a temporary directory — schema, exchanges, the hand-off life cycle,
// the webhook outbox, feedback, suggestions, and reopening the file.
#include "kb/store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Store>> store = Store::Open(StoreOptions{.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

Exchange NewExchange(int64_t now, std::optional<Handoff> handoff = std::nullopt) {
  Exchange e;
  e.conversation.locale = "zh-Hans";
  e.conversation.updated_ms = now;
  e.customer = {.role = TurnRole::kCustomer, .text = "转人工", .reply_type = "message",
                .created_ms = now};
  e.bot = {.role = TurnRole::kBot, .text = "已为您转接", .reply_type = "handoff",
           .reason = "asked_for_human", .created_ms = now};
  e.handoff = std::move(handoff);
  return e;
}

Handoff NewHandoff(int priority, int64_t now, const std::string& team = "general") {
  Handoff h;
  h.question = "账号被盗了";
  h.reason = "entry_escalates";
  h.priority = priority;
  h.team = team;
  h.created_ms = now;
  return h;
}

TEST(Store, CreatesItsDirectoryAndRecordsAConversation) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("nested/var/kefu.db"));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.Path("nested/var/kefu.db")));
  auto r = store->RecordExchange(NewExchange(1000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->conversation_id.size(), 32u);
  EXPECT_EQ(r->conversation_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(r->handoff_id, 0);
  auto c = store->GetConversation(r->conversation_id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, ConversationStatus::kOpen);
  auto turns = store->ListTurns(r->conversation_id);
  ASSERT_TRUE(turns.ok());
  ASSERT_EQ(turns->size(), 2u);
  EXPECT_EQ((*turns)[0].seq, 1);
  EXPECT_EQ((*turns)[0].role, TurnRole::kCustomer);
  EXPECT_EQ((*turns)[1].seq, 2);
  EXPECT_EQ((*turns)[1].reason, "asked_for_human");
  EXPECT_EQ(store->GetConversation("0123").status().code(), StatusCode::kNotFound);
}

TEST(Store, ConversationIdsAreRandom) {
  EXPECT_NE(NewConversationId(), NewConversationId());
}

TEST(Store, QueuesHandOffsByPriorityThenAge) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  auto a = store->RecordExchange(NewExchange(1000, NewHandoff(0, 1000)));
  auto b = store->RecordExchange(NewExchange(2000, NewHandoff(2, 2000)));
  auto c = store->RecordExchange(NewExchange(3000, NewHandoff(0, 3000)));
  auto d = store->RecordExchange(NewExchange(4000, NewHandoff(5, 4000, "security")));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(store->GetConversation(a->conversation_id)->status, ConversationStatus::kHandedOff);
  auto list = store->ListHandoffs(HandoffStatus::kOpen, "general");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, b->handoff_id);
  EXPECT_EQ((*list)[1].id, a->handoff_id);
  EXPECT_EQ((*list)[2].id, c->handoff_id);
  EXPECT_EQ(store->ListHandoffs(HandoffStatus::kOpen, "")->size(), 4u);
  EXPECT_EQ(store->PositionOf(*store->GetHandoff(c->handoff_id))->ahead, 2);
  EXPECT_EQ(store->PositionOf(*store->GetHandoff(b->handoff_id))->ahead, 0);
  EXPECT_EQ(store->PositionOf(*store->GetHandoff(d->handoff_id))->ahead, 0);
}

// A backlog longer than the bound is counted up to it and marked as a lower bound; the front of
// the queue and a queue just under the bound are exact.
TEST(Store, QueuePositionsAreCountedUpToABound) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> ids;
  for (int i = 0; i <= Store::kMaxCountedAhead + 1; ++i) {
    auto r = store->RecordExchange(NewExchange(1000 + i, NewHandoff(0, 1000 + i)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ids.push_back(r->handoff_id);
  }
  auto first = store->PositionOf(*store->GetHandoff(ids.front()));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->ahead, 0);
  EXPECT_FALSE(first->at_least);
  auto under = store->PositionOf(*store->GetHandoff(ids[Store::kMaxCountedAhead - 1]));
  EXPECT_EQ(under->ahead, Store::kMaxCountedAhead - 1);
  EXPECT_FALSE(under->at_least);
  auto last = store->PositionOf(*store->GetHandoff(ids.back()));  // 1,001 ahead
  EXPECT_EQ(last->ahead, Store::kMaxCountedAhead);
  EXPECT_TRUE(last->at_least);
}

// Urgent hand-offs count only what is ahead of them however long the queue behind is, and a
// normal one counts the urgent ones and the older normal ones, equal times by id.
TEST(Store, QueuePositionsCountHigherPrioritiesThenOlderHandOffs) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> normal, urgent;
  for (int i = 0; i < Store::kMaxCountedAhead + 200; ++i) {
    bool is_urgent = i % 100 == 50;
    // Pairs share a time: the lower id goes first.
    auto r = store->RecordExchange(NewExchange(1000 + i / 2, NewHandoff(is_urgent ? 3 : 0, 1000 + i / 2)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    (is_urgent ? urgent : normal).push_back(r->handoff_id);
  }
  for (size_t k = 0; k < urgent.size(); ++k) {
    auto p = store->PositionOf(*store->GetHandoff(urgent[k]));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->ahead, static_cast<int>(k));
    EXPECT_FALSE(p->at_least);
  }
  // The 11th normal hand-off has the 12 urgent ones and 10 older normal ones ahead.
  auto eleventh = store->PositionOf(*store->GetHandoff(normal[10]));
  EXPECT_EQ(eleventh->ahead, static_cast<int>(urgent.size()) + 10);
  EXPECT_FALSE(eleventh->at_least);
  auto exact = store->PositionOf(*store->GetHandoff(normal[Store::kMaxCountedAhead - urgent.size() - 1]));
  EXPECT_EQ(exact->ahead, Store::kMaxCountedAhead - 1);
  EXPECT_FALSE(exact->at_least);
  auto last = store->PositionOf(*store->GetHandoff(normal.back()));
  EXPECT_EQ(last->ahead, Store::kMaxCountedAhead);
  EXPECT_TRUE(last->at_least);
}

TEST(Store, HandOffLifeCycle) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  auto r = store->RecordExchange(NewExchange(1000, NewHandoff(0, 1000)));
  ASSERT_TRUE(r.ok());
  auto claimed = store->ClaimHandoff(r->handoff_id, "li", 2000);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(claimed->agent, "li");
  EXPECT_EQ(store->ClaimHandoff(r->handoff_id, "wang", 2100).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->ClaimHandoff(999, "wang", 2100).status().code(), StatusCode::kNotFound);
  auto turn = store->AddAgentMessage(r->handoff_id, "li", "您好，我来帮您处理", 2500);
  ASSERT_TRUE(turn.ok());
  EXPECT_EQ(turn->seq, 3);
  auto resolved = store->ResolveHandoff(r->handoff_id, "li", "已冻结账号", "account-hacked", 3000);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->status, HandoffStatus::kResolved);
  EXPECT_EQ(store->GetConversation(r->conversation_id)->status, ConversationStatus::kClosed);
  EXPECT_EQ(store->ResolveHandoff(r->handoff_id, "li", "", "", 3100).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->AddAgentMessage(r->handoff_id, "li", "x", 3200).status().code(),
            StatusCode::kFailedPrecondition);
  auto suggestions = store->ListSuggestions(10);
  ASSERT_TRUE(suggestions.ok());
  ASSERT_EQ(suggestions->size(), 1u);
  EXPECT_EQ((*suggestions)[0].entry_id, "account-hacked");
  EXPECT_EQ((*suggestions)[0].question, "账号被盗了");
  EXPECT_EQ((*suggestions)[0].handoff_id, r->handoff_id);
}

TEST(Store, FeedbackAndReopeningKeepEverything) {
  testing::TempDir dir;
  std::string id;
  int64_t handoff = 0;
  {
    auto store = OpenOrDie(dir.Path("kefu.db"));
    ASSERT_NE(store, nullptr);
    auto r = store->RecordExchange(NewExchange(1000, NewHandoff(1, 1000)));
    ASSERT_TRUE(r.ok());
    id = r->conversation_id;
    handoff = r->handoff_id;
    ASSERT_TRUE(store->AddFeedback({.conversation_id = id, .entry_id = "x", .helpful = false,
                                    .rating = 2, .created_ms = 1500})
                    .ok());
  }
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ListTurns(id)->size(), 2u);
  EXPECT_EQ(store->GetHandoff(handoff)->priority, 1);
  auto feedback = store->ListFeedback(id);
  ASSERT_TRUE(feedback.ok());
  ASSERT_EQ(feedback->size(), 1u);
  EXPECT_EQ((*feedback)[0].helpful, false);
  EXPECT_EQ((*feedback)[0].rating, 2);
}

Exchange HandoffExchange(int64_t now, bool queue_webhook) {
  Exchange e = NewExchange(now, NewHandoff(0, now));
  e.queue_webhook = queue_webhook;
  return e;
}

// A fresh database file in a temporary directory.
class StoreWebhookOutbox : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(store_, nullptr); }

  testing::TempDir dir_;
  const std::string path_ = dir_.Path("kefu.db");
  std::unique_ptr<Store> store_ = OpenOrDie(path_);
};

TEST_F(StoreWebhookOutbox, AHandOffQueuesItsDeliveryDueAtOnceOnlyWhenAsked) {
  auto queued = store_->RecordExchange(HandoffExchange(1000, true));
  auto unqueued = store_->RecordExchange(HandoffExchange(2000, false));
  Exchange no_handoff = NewExchange(3000);
  no_handoff.queue_webhook = true;  // nothing to notify about
  auto answered = store_->RecordExchange(no_handoff);
  ASSERT_TRUE(queued.ok() && unqueued.ok() && answered.ok());

  auto pending = store_->PendingWebhookDeliveries(10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 1u);
  const WebhookDelivery& d = (*pending)[0];
  EXPECT_EQ(d.handoff_id, queued->handoff_id);
  EXPECT_EQ(d.transcript_seq, 2) << "the customer's turn and the bot's hand-off reply";
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.next_attempt_ms, 1000);
  EXPECT_EQ(d.created_ms, 1000);
  EXPECT_EQ(store_->GetWebhookDelivery(unqueued->handoff_id).status().code(),
            StatusCode::kNotFound);
}

TEST_F(StoreWebhookOutbox, TheTranscriptSeqIsTheHandOffsTurnInALongerConversation) {
  auto first = store_->RecordExchange(NewExchange(1000));
  ASSERT_TRUE(first.ok());
  Exchange second = HandoffExchange(2000, true);
  second.conversation.id = first->conversation_id;
  auto r = store_->RecordExchange(second);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto d = store_->GetWebhookDelivery(r->handoff_id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->transcript_seq, 4);
}

TEST_F(StoreWebhookOutbox, FailedAttemptsAreRescheduledAndPendingRowsComeSoonestFirst) {
  auto a = store_->RecordExchange(HandoffExchange(1000, true));
  auto b = store_->RecordExchange(HandoffExchange(2000, true));
  ASSERT_TRUE(a.ok() && b.ok());
  // a fails and backs off past b.
  ASSERT_TRUE(store_->RecordWebhookAttempt({.handoff_id = a->handoff_id, .at_ms = 1100,
                                            .error = "HTTP 500", .next_attempt_ms = 5000})
                  .ok());
  auto pending = store_->PendingWebhookDeliveries(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].handoff_id, b->handoff_id);
  EXPECT_EQ((*pending)[1].handoff_id, a->handoff_id);
  EXPECT_EQ((*pending)[1].attempts, 1);
  EXPECT_EQ((*pending)[1].next_attempt_ms, 5000);
  EXPECT_EQ((*pending)[1].last_error, "HTTP 500");
  EXPECT_EQ(store_->PendingWebhookDeliveries(1)->size(), 1u) << "the limit holds";

  // Delivered: it leaves the outbox, with its attempts counted, and cannot be recorded again.
  ASSERT_TRUE(
      store_->RecordWebhookAttempt({.handoff_id = a->handoff_id, .at_ms = 5100, .delivered = true})
          .ok());
  auto delivered = store_->GetWebhookDelivery(a->handoff_id);
  ASSERT_TRUE(delivered.ok());
  EXPECT_EQ(delivered->attempts, 2);
  EXPECT_EQ(delivered->delivered_ms, 5100);
  EXPECT_EQ(delivered->last_error, "");
  EXPECT_EQ(delivered->gave_up_ms, 0);
  EXPECT_EQ(store_->RecordWebhookAttempt({.handoff_id = a->handoff_id, .at_ms = 5200,
                                          .delivered = true})
                .code(),
            StatusCode::kNotFound);
  ASSERT_EQ(store_->PendingWebhookDeliveries(10)->size(), 1u);
  EXPECT_EQ(store_->RecordWebhookAttempt({.handoff_id = 999, .at_ms = 1, .delivered = true}).code(),
            StatusCode::kNotFound);
}

TEST_F(StoreWebhookOutbox, GivingUpIsRecordedAndLeavesTheOutbox) {
  auto r = store_->RecordExchange(HandoffExchange(1000, true));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt(
                       {.handoff_id = r->handoff_id, .at_ms = 1200, .error = "HTTP 503"})
                  .ok());
  auto d = store_->GetWebhookDelivery(r->handoff_id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->attempts, 1);
  EXPECT_EQ(d->gave_up_ms, 1200);
  EXPECT_EQ(d->delivered_ms, 0);
  EXPECT_EQ(d->last_error, "HTTP 503");
  EXPECT_TRUE(store_->PendingWebhookDeliveries(10)->empty());
}

TEST_F(StoreWebhookOutbox, PendingDeliveriesSurviveReopening) {
  auto r = store_->RecordExchange(HandoffExchange(1000, true));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt({.handoff_id = r->handoff_id, .at_ms = 1100,
                                            .error = "request failed", .next_attempt_ms = 3000})
                  .ok());
  store_ = OpenOrDie(path_);
  ASSERT_NE(store_, nullptr);
  auto pending = store_->PendingWebhookDeliveries(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].handoff_id, r->handoff_id);
  EXPECT_EQ((*pending)[0].attempts, 1);
  EXPECT_EQ((*pending)[0].next_attempt_ms, 3000);
}

TEST_F(StoreWebhookOutbox, ADatabaseOfTheFirstSchemaIsMigratedAndKeepsItsHandOffs) {
  auto old = store_->RecordExchange(HandoffExchange(1000, false));
  ASSERT_TRUE(old.ok());
  store_.reset();
  // Back to schema 1, as a server of the previous release left it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE webhook_outbox; DELETE FROM schema_version WHERE version > 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  store_ = OpenOrDie(path_);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(Store::SchemaVersion(), 2);
  EXPECT_EQ(store_->GetHandoff(old->handoff_id)->question, "账号被盗了");
  EXPECT_TRUE(store_->PendingWebhookDeliveries(10)->empty()) << "old hand-offs are not sent";
  auto r = store_->RecordExchange(HandoffExchange(2000, true));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(store_->PendingWebhookDeliveries(10)->size(), 1u);
}

// A conversation with a resolved hand-off that became a suggestion, an agent's reply and feedback,
// as `customer_id` (may be "") on the conversation, stamped `now`.
ExchangeResult FullConversation(Store& store, int64_t now, const std::string& customer_id = "") {
  Exchange e = NewExchange(now, NewHandoff(0, now));
  e.conversation.customer_id = customer_id;
  auto r = store.RecordExchange(e);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  EXPECT_TRUE(store.AddAgentMessage(r->handoff_id, "li", "您好", now).ok());
  EXPECT_TRUE(store.ResolveHandoff(r->handoff_id, "li", "ok", "account-hacked", now).ok());
  EXPECT_TRUE(store.AddFeedback({.conversation_id = r->conversation_id, .helpful = true,
                                 .created_ms = now})
                  .ok());
  return *r;
}

void ExpectGone(Store& store, const ExchangeResult& r) {
  EXPECT_EQ(store.GetConversation(r.conversation_id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store.ListTurns(r.conversation_id)->empty());
  EXPECT_EQ(store.GetHandoff(r.handoff_id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store.ListFeedback(r.conversation_id)->empty());
  const Result<std::vector<Suggestion>> suggestions = store.ListSuggestions(100);
  ASSERT_TRUE(suggestions.ok());
  for (const Suggestion& g : *suggestions) EXPECT_NE(g.handoff_id, r.handoff_id);
}

void ExpectKept(Store& store, const ExchangeResult& r) {
  EXPECT_TRUE(store.GetConversation(r.conversation_id).ok());
  EXPECT_EQ(store.ListTurns(r.conversation_id)->size(), 3u);
  EXPECT_TRUE(store.GetHandoff(r.handoff_id).ok());
  EXPECT_EQ(store.ListFeedback(r.conversation_id)->size(), 1u);
}

TEST(Store, DeletesAConversationWithEverythingRecordedFromIt) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  const ExchangeResult doomed = FullConversation(*store, 1000);
  const ExchangeResult kept = FullConversation(*store, 1000);
  ASSERT_TRUE(store->AddFeedback({.search_id = "s-1", .helpful = false, .created_ms = 1000}).ok());

  auto deleted = store->DeleteConversation(doomed.conversation_id);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->conversations, 1);
  EXPECT_EQ(deleted->turns, 3);
  EXPECT_EQ(deleted->handoffs, 1);
  EXPECT_EQ(deleted->feedback, 1);
  EXPECT_EQ(deleted->suggestions, 1);
  ExpectGone(*store, doomed);
  ExpectKept(*store, kept);
  EXPECT_EQ(store->ListSuggestions(100)->size(), 1u);
  EXPECT_EQ(store->DeleteConversation(doomed.conversation_id).status().code(),
            StatusCode::kNotFound);
  // A deleted conversation cannot be continued; new ones work as before.
  Exchange next = NewExchange(2000);
  next.conversation.id = doomed.conversation_id;
  EXPECT_EQ(store->RecordExchange(next).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->RecordExchange(NewExchange(2000)).ok());
}

TEST(Store, DeletesEveryConversationOfACustomer) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  const ExchangeResult first = FullConversation(*store, 1000, "cust-42");
  const ExchangeResult second = FullConversation(*store, 2000, "cust-42");
  const ExchangeResult other = FullConversation(*store, 1000, "cust-7");
  const ExchangeResult anonymous = FullConversation(*store, 1000);
  // Named only on its hand-off (the conversation's customer was not known on a later message).
  Exchange e = NewExchange(3000, NewHandoff(0, 3000));
  e.handoff->customer_id = "cust-42";
  auto by_handoff = store->RecordExchange(e);
  ASSERT_TRUE(by_handoff.ok());

  auto deleted = store->DeleteCustomer("cust-42");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->conversations, 3);
  EXPECT_EQ(deleted->turns, 8);
  EXPECT_EQ(deleted->handoffs, 3);
  EXPECT_EQ(deleted->feedback, 2);
  EXPECT_EQ(deleted->suggestions, 2);
  ExpectGone(*store, first);
  ExpectGone(*store, second);
  ExpectGone(*store, *by_handoff);
  ExpectKept(*store, other);
  ExpectKept(*store, anonymous);
  auto none = store->DeleteCustomer("cust-42");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->conversations, 0);
  EXPECT_EQ(store->DeleteCustomer("").status().code(), StatusCode::kInvalidArgument);
  ExpectKept(*store, anonymous);
}

TEST(Store, DeletesConversationsNotUpdatedSinceACutoff) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  const ExchangeResult old_one = FullConversation(*store, 1000);
  const ExchangeResult edge = FullConversation(*store, 5000);
  const ExchangeResult recent = FullConversation(*store, 9000);

  auto deleted = store->DeleteConversationsUpdatedBefore(5000);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->conversations, 1);
  ExpectGone(*store, old_one);
  ExpectKept(*store, edge);
  ExpectKept(*store, recent);
  EXPECT_EQ(store->DeleteConversationsUpdatedBefore(5000)->conversations, 0);
  EXPECT_EQ(store->DeleteConversationsUpdatedBefore(10000)->conversations, 2);
  ExpectGone(*store, edge);
  ExpectGone(*store, recent);
}

// Exchanges that arrive while another is being written are committed together, each still on its
// own: one that fails (an unknown conversation) leaves the rest of its group stored. Another
// connection holds the write lock meanwhile, so that the callers queue up behind the first.
TEST(Store, ExchangesArrivingTogetherShareACommitAndFailAlone) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir.Path("kefu.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  constexpr int kCallers = 8;
  std::vector<Result<ExchangeResult>> results(kCallers, Status::Internal("not run"));
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      Exchange e = NewExchange(1000 + i);
      if (i == 5) e.conversation.id = "00000000000000000000000000000000";  // not stored
      results[i] = store->RecordExchange(e);
    });
  }
  // Well inside the store's 5 s busy timeout: the first caller waits for the lock, the rest queue.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  for (std::thread& t : callers) t.join();
  sqlite3_close(other);

  std::set<std::string> ids;
  for (int i = 0; i < kCallers; ++i) {
    if (i == 5) {
      EXPECT_EQ(results[i].status().code(), StatusCode::kNotFound);
      continue;
    }
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status().ToString();
    ids.insert(results[i]->conversation_id);
    EXPECT_EQ(store->ListTurns(results[i]->conversation_id)->size(), 2u);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCallers - 1));
  ExchangeCounts counts = store->exchange_counts();
  EXPECT_EQ(counts.exchanges, kCallers - 1);
  // One commit per caller without grouping; the queued callers share the second.
  EXPECT_LT(counts.commits, kCallers - 2);
  EXPECT_GE(counts.commits, 1);

  // Alone, an exchange is its own commit.
  ASSERT_TRUE(store->RecordExchange(NewExchange(2000)).ok());
  EXPECT_EQ(store->exchange_counts().commits, counts.commits + 1);
}

TEST(Store, BackupCopiesWhatIsCommittedWhileTheStoreKeepsWriting) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.Path("kefu.db"));
  ASSERT_NE(store, nullptr);
  auto before = store->RecordExchange(NewExchange(1000, NewHandoff(3, 1000)));
  ASSERT_TRUE(before.ok());
  std::ofstream(dir.Path("copy.db")) << "an older backup";
  ASSERT_TRUE(BackupDatabase(StoreOptions{.path = dir.Path("kefu.db")}, dir.Path("copy.db")).ok());
  // The live store is untouched and goes on; the copy does not see what comes after.
  auto after = store->RecordExchange(NewExchange(2000, NewHandoff(0, 2000)));
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Path("copy.db.partial")));
  EXPECT_FALSE(std::filesystem::exists(dir.Path("copy.db-wal")));

  auto copy = OpenOrDie(dir.Path("copy.db"));
  ASSERT_NE(copy, nullptr);
  auto handoff = copy->GetHandoff(before->handoff_id);
  ASSERT_TRUE(handoff.ok()) << handoff.status().ToString();
  EXPECT_EQ(handoff->conversation_id, before->conversation_id);
  EXPECT_EQ(handoff->priority, 3);
  EXPECT_EQ(copy->ListTurns(before->conversation_id)->size(), 2u);
  EXPECT_EQ(copy->GetHandoff(after->handoff_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->GetHandoff(after->handoff_id)->priority, 0);
}

TEST(Store, BackupRefusesAMissingSourceAndItself) {
  testing::TempDir dir;
  EXPECT_EQ(BackupDatabase(StoreOptions{.path = dir.Path("none.db")}, dir.Path("copy.db")).code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("none.db")));
  EXPECT_FALSE(std::filesystem::exists(dir.Path("copy.db")));
  ASSERT_NE(OpenOrDie(dir.Path("kefu.db")), nullptr);
  EXPECT_EQ(BackupDatabase(StoreOptions{.path = dir.Path("kefu.db")}, dir.Path("kefu.db")).code(),
            StatusCode::kInvalidArgument);
  std::ofstream(dir.Path("junk.db")) << std::string(4096, 'x');
  EXPECT_EQ(BackupDatabase(StoreOptions{.path = dir.Path("junk.db")}, dir.Path("copy.db")).code(),
            StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("copy.db")));
}

TEST(Store, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  std::ofstream(dir.Path("junk.db")) << std::string(4096, 'x');
  auto store = Store::Open(StoreOptions{.path = dir.Path("junk.db")});
  EXPECT_FALSE(store.ok());
  EXPECT_EQ(Store::Open(StoreOptions{}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kefu
