// Store: the bot's durable state in one SQLite file — conversations with their turns, hand-offs to
// agents, the outbox of hand-off webhooks, feedback and editors' suggestions. WAL with synchronous=NORMAL: a transaction that has
// returned survives a crash of the process (SIGKILL); the last ones may be lost on power loss. The
// schema is versioned in `schema_version` and migrated forward on Open(). Every statement is a
// prepared statement with bound values. Also here: erasing a conversation or a customer's data
// (privacy requests, retention) and BackupDatabase(), a consistent copy of a file in use.
// Thread-safe: one connection behind a mutex; every method is one transaction, except that
// RecordExchange() calls arriving together share one (group commit; each returns after it commits).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/status.h"

namespace kefu {

struct StoreOptions {
  // The SQLite file; its directory is created when missing. Required.
  std::string path;
  // How long a statement waits for a lock held by another connection (another process on the same
  // file), in milliseconds. Default: 5000.
  int busy_timeout_ms = 5000;
};

enum class ConversationStatus { kOpen, kHandedOff, kClosed };
enum class TurnRole { kCustomer, kBot, kAgent };
enum class HandoffStatus { kOpen, kClaimed, kResolved };

std::string_view ConversationStatusName(ConversationStatus status);  // "open", "handed_off", "closed"
std::string_view TurnRoleName(TurnRole role);                        // "customer", "bot", "agent"
std::string_view HandoffStatusName(HandoffStatus status);            // "open", "claimed", "resolved"
std::optional<HandoffStatus> ParseHandoffStatus(std::string_view name);

struct Conversation {
  std::string id;  // 32 hex digits (128 random bits)
  std::string locale;
  std::string customer_id;     // "" unknown; set only from a trusted integration
  std::string customer_email;  // "" unknown
  std::string customer_tier;   // "" unknown; set only from a trusted integration
  ConversationStatus status = ConversationStatus::kOpen;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct Turn {
  std::string conversation_id;
  int seq = 0;  // 1, 2, ... within the conversation; assigned by the store
  TurnRole role = TurnRole::kCustomer;
  std::string text;
  // Bot turns: "answer" | "clarify" | "handoff"; customer turns: "message" | "choice"; agents: "".
  std::string reply_type;
  std::string entry_id;  // the entry answered with (bot) or chosen (customer)
  double confidence = 0;
  std::string reason;  // bot turns: the dialog reason; agent turns: the agent's name
  int64_t created_ms = 0;
};

struct Handoff {
  int64_t id = 0;  // assigned by the store
  std::string conversation_id;
  std::string question;
  std::string candidates_json;  // [{"entry_id", "title", "confidence"}] as JSON text
  std::string reason;
  int priority = 0;  // higher first
  std::string locale;
  std::string customer_id;
  std::string customer_tier;
  std::string team;
  HandoffStatus status = HandoffStatus::kOpen;
  std::string agent;  // who claimed it
  std::string note;   // the resolution note
  int64_t created_ms = 0;
  int64_t claimed_ms = 0;   // 0 until claimed
  int64_t resolved_ms = 0;  // 0 until resolved
};

struct Feedback {
  std::string conversation_id;  // exactly one of conversation_id and search_id
  std::string search_id;
  std::string entry_id;
  std::optional<bool> helpful;
  std::optional<int> rating;  // 1..5
  std::string comment;
  int64_t created_ms = 0;
};

struct Suggestion {
  int64_t id = 0;
  std::string entry_id;
  std::string question;  // what the customer asked, a candidate alternative question
  int64_t handoff_id = 0;
  int64_t created_ms = 0;
};

// Where an open hand-off stands in its team's queue.
struct QueuePosition {
  // Open hand-offs of the same team served before it, counted up to Store::kMaxCountedAhead (the
  // count takes time in proportion to it); a longer queue reports the bound with `at_least` set.
  int ahead = 0;
  bool at_least = false;
};

// What a deletion removed (Store::DeleteConversation() and friends).
struct DeletedCounts {
  int64_t conversations = 0;
  int64_t turns = 0;
  int64_t handoffs = 0;
  int64_t feedback = 0;     // feedback given in the conversations
  int64_t suggestions = 0;  // suggestions agents made from their hand-offs
};

// What one customer message produced, written in one transaction.
struct Exchange {
  // With an empty id a new conversation is created (its id is returned); otherwise the stored one
  // gets `status`, `locale`, the customer fields and `updated_ms`.
  Conversation conversation;
  Turn customer;
  Turn bot;
  std::optional<Handoff> handoff;  // a new hand-off; the conversation becomes kHandedOff
  // With `handoff`: also queue its webhook delivery, due at the hand-off's created_ms, in the same
  // transaction, so that no accepted hand-off can miss its notification.
  bool queue_webhook = false;
};

// What GET /api/v1/admin/stats is computed from, over one period (docs/BOT.md defines each).
struct StoreStats {
  // Conversations started in the period with at least one customer message.
  int64_t conversations = 0;
  int64_t deflected = 0;   // an answer, no hand-off, no unhappy feedback (helpful false, rating <= 2)
  int64_t handed_off = 0;  // at least one hand-off
  int64_t abandoned = 0;   // neither answered nor handed off
  std::map<std::string, int64_t> handoffs_by_reason;  // hand-offs created in the period
  std::map<std::string, int64_t> replies_by_type;     // bot turns in the period
  struct Votes {
    std::string entry_id;
    int64_t helpful = 0;
    int64_t not_helpful = 0;
  };
  std::vector<Votes> votes;  // by entry id
  int64_t ratings = 0;
  double average_rating = 0;  // 0 without ratings
  std::vector<int64_t> claim_delays_ms;  // hand-offs of the period that were claimed, ascending
  // Customers' messages the bot could not answer (clarify or low-confidence hand-off), newest first.
  struct Unanswered {
    std::string text;
    std::string reply_type;
    std::string reason;
    double confidence = 0;
    int64_t created_ms = 0;
  };
  std::vector<Unanswered> unanswered;
};

// How RecordExchange() calls were committed since Open() (the server's /metrics).
struct ExchangeCounts {
  int64_t exchanges = 0;  // exchanges committed
  int64_t commits = 0;    // the transactions that committed them; exchanges / commits = mean group
};

struct ExchangeResult {
  std::string conversation_id;
  int64_t handoff_id = 0;  // 0 without a new hand-off
};

// A hand-off's webhook notification in the outbox (table webhook_outbox). Pending until a receiver
// accepted it (delivered_ms) or the sender gave up (gave_up_ms).
struct WebhookDelivery {
  int64_t handoff_id = 0;
  int transcript_seq = 0;  // the transcript as the hand-off saw it: turns up to this seq
  int attempts = 0;        // attempts recorded so far
  int64_t next_attempt_ms = 0;
  std::string last_error;    // why the last attempt failed; "" when none did
  int64_t delivered_ms = 0;  // 0 until delivered
  int64_t gave_up_ms = 0;    // 0 unless the sender gave up
  int64_t created_ms = 0;
};

// The outcome of one delivery attempt.
struct WebhookAttempt {
  int64_t handoff_id = 0;
  int64_t at_ms = 0;       // when it ended
  bool delivered = false;  // the receiver accepted it
  std::string error;       // why not, e.g. "HTTP 500"; never customer text
  // When to try again; 0 gives up. Ignored when delivered.
  int64_t next_attempt_ms = 0;
};

class Store {
 public:
  // Opens (creating) the file and migrates its schema. kInvalidArgument for an empty path,
  // kUnavailable when the file cannot be opened, kDataLoss when it is not a usable database or its
  // schema is newer than this binary's.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The schema version this binary writes.
  static int SchemaVersion();

  Result<ExchangeResult> RecordExchange(const Exchange& exchange);
  ExchangeCounts exchange_counts() const;
  // kNotFound for an unknown id.
  Result<Conversation> GetConversation(std::string_view id);
  // The conversation's turns in order; empty for an unknown id.
  Result<std::vector<Turn>> ListTurns(std::string_view conversation_id);

  Result<Handoff> GetHandoff(int64_t id);
  // The newest hand-off of a conversation; kNotFound when it has none.
  Result<Handoff> LatestHandoff(std::string_view conversation_id);
  // Hand-offs with `status` (and `team` unless empty), by priority (highest first), then age
  // (oldest first), then id.
  Result<std::vector<Handoff>> ListHandoffs(HandoffStatus status, std::string_view team);
  static constexpr int kMaxCountedAhead = 1000;
  Result<QueuePosition> PositionOf(const Handoff& handoff);
  // How many hand-offs have `status`, in every team.
  Result<int64_t> CountHandoffs(HandoffStatus status);
  // open -> claimed by `agent`. kNotFound; kFailedPrecondition when it is not open.
  Result<Handoff> ClaimHandoff(int64_t id, std::string_view agent, int64_t now_ms);
  // open|claimed -> resolved, and the conversation closed; with `suggest_entry_id` the hand-off's
  // question is recorded as a suggestion for that entry. kNotFound; kFailedPrecondition when
  // already resolved.
  Result<Handoff> ResolveHandoff(int64_t id, std::string_view agent, std::string_view note,
                                 std::string_view suggest_entry_id, int64_t now_ms);
  // Adds an agent turn to the hand-off's conversation. kNotFound; kFailedPrecondition when the
  // hand-off is resolved.
  Result<Turn> AddAgentMessage(int64_t handoff_id, std::string_view agent, std::string_view text,
                               int64_t now_ms);

  // Webhook deliveries neither delivered nor given up, soonest next attempt first (then by hand-off
  // id), at most `limit`.
  Result<std::vector<WebhookDelivery>> PendingWebhookDeliveries(int limit);
  // kNotFound when the hand-off has no delivery.
  Result<WebhookDelivery> GetWebhookDelivery(int64_t handoff_id);
  // Counts the attempt and records its outcome. kNotFound unless the delivery is pending.
  Status RecordWebhookAttempt(const WebhookAttempt& attempt);

  Status AddFeedback(const Feedback& feedback);
  Result<std::vector<Feedback>> ListFeedback(std::string_view conversation_id);
  // Newest first, at most `limit`.
  Result<std::vector<Suggestion>> ListSuggestions(int limit);

  // Open conversations (not handed off, not closed) last updated before `updated_before_ms`, the
  // least recent first, at most `limit`.
  Result<std::vector<Conversation>> ListIdleConversations(int64_t updated_before_ms, int limit);
  // Closes the conversation with the bot turn `closing` (its created_ms becomes updated_ms), if it
  // is still open and idle; false when a message came in meanwhile or it was not open.
  Result<bool> CloseIdleConversation(std::string_view id, int64_t updated_before_ms,
                                     const Turn& closing);

  // Figures for [from_ms, to_ms), from one snapshot; `unanswered` holds at most `max_unanswered`.
  Result<StoreStats> Stats(int64_t from_ms, int64_t to_ms, int max_unanswered);
  // Erasing customer data. Each deletes the conversations it names together with everything
  // recorded from them — their turns, hand-offs, feedback and the suggestions made from those
  // hand-offs — in one transaction: all of it or, on an error, none. Deleted content is overwritten
  // in the file (secure_delete). Feedback on searches (search_id) names no conversation and stays.
  //
  // The conversation `id`. kNotFound for an unknown id.
  Result<DeletedCounts> DeleteConversation(std::string_view id);
  // Every conversation of the customer `customer_id` (as a trusted integration set it on the
  // conversation or one of its hand-offs); zero counts when there is none. kInvalidArgument for "".
  Result<DeletedCounts> DeleteCustomer(std::string_view customer_id);
  // Every conversation whose updated_ms is before `cutoff_ms` (the retention purge).
  Result<DeletedCounts> DeleteConversationsUpdatedBefore(int64_t cutoff_ms);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Copies the database `source.path` to `dest_path` with SQLite's online backup API while other
// connections, in this or another process (a serving kefu-server), keep reading and writing: the
// copy is the state after one committed transaction, never a half-written one. The copy is a
// self-contained file (rollback journal mode), checked with PRAGMA quick_check, and replaces
// `dest_path` only once complete. The source is not modified, its schema not migrated.
// kInvalidArgument for an empty path or when `dest_path` is the source; kNotFound when the source
// does not exist; kUnavailable when a file cannot be opened or written or the source stays locked
// longer than source.busy_timeout_ms; kDataLoss when the source is not a database.
Status BackupDatabase(const StoreOptions& source, const std::string& dest_path);

// 32 lowercase hex digits from 128 bits of std::random_device.
std::string NewConversationId();

}  // namespace kefu
