// The SQLite store: schema migrations, a small prepared-statement wrapper, one transaction per call
// (concurrent exchanges grouped into one).
#include "kb/store/store.h"

#include <sqlite3.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kefu {
namespace {

// Migration i (0-based) takes the schema from version i to i+1. Append only; never edit one that
// has shipped.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  locale TEXT NOT NULL DEFAULT '',
  customer_id TEXT NOT NULL DEFAULT '',
  customer_email TEXT NOT NULL DEFAULT '',
  customer_tier TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('open', 'handed_off', 'closed')),
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE turns (
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('customer', 'bot', 'agent')),
  text TEXT NOT NULL,
  reply_type TEXT NOT NULL DEFAULT '',
  entry_id TEXT NOT NULL DEFAULT '',
  confidence REAL NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE TABLE handoffs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  question TEXT NOT NULL,
  candidates TEXT NOT NULL DEFAULT '[]',
  reason TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  locale TEXT NOT NULL DEFAULT '',
  customer_id TEXT NOT NULL DEFAULT '',
  customer_tier TEXT NOT NULL DEFAULT '',
  team TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'resolved')),
  agent TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  claimed_ms INTEGER NOT NULL DEFAULT 0,
  resolved_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_created ON conversations (created_ms);
CREATE INDEX conversations_idle ON conversations (status, updated_ms);
CREATE INDEX turns_created ON turns (created_ms);
CREATE INDEX handoffs_queue ON handoffs (status, team, priority DESC, created_ms, id);
CREATE INDEX handoffs_conversation ON handoffs (conversation_id, id);
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL DEFAULT '',
  search_id TEXT NOT NULL DEFAULT '',
  entry_id TEXT NOT NULL DEFAULT '',
  helpful INTEGER,
  rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
  comment TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL
);
CREATE INDEX feedback_conversation ON feedback (conversation_id);
CREATE TABLE suggestions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  entry_id TEXT NOT NULL,
  question TEXT NOT NULL,
  handoff_id INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
)sql",
    // The hand-off webhook's outbox, one row per hand-off written with it. A deleted hand-off takes
    // its notification with it.
    R"sql(
CREATE TABLE webhook_outbox (
  handoff_id INTEGER PRIMARY KEY REFERENCES handoffs(id) ON DELETE CASCADE,
  transcript_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_ms INTEGER NOT NULL DEFAULT 0,
  gave_up_ms INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_attempt_ms, handoff_id)
  WHERE delivered_ms = 0 AND gave_up_ms = 0;
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// A failed SQLite call as a Status: lock contention is retryable, a damaged file is data loss.
Status SqliteError(int rc, std::string message) {
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(std::move(message));
  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) return Status::DataLoss(std::move(message));
  return Status::Internal(std::move(message));
}

// Runs SQL text without bound values (pragmas, schema, transaction control).
Status Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::Ok();
  std::string message = std::string("sqlite: ") + (error != nullptr ? error : "error");
  sqlite3_free(error);
  return SqliteError(sqlite3_errcode(db), std::move(message));
}

// A connection's prepared statements by SQL text, kept for its lifetime: preparing the statements
// of a chat reply again for every reply was a fifth of the server's work on repeated questions
// (perf: SQLite's parser). Used under the store's mutex, like the connection.
class StatementCache {
 public:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() {
    for (auto& [sql, cached] : statements_) sqlite3_finalize(cached.stmt);
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3* db() const { return db_; }
  // The statement for `sql`, prepared on first use and marked in use; nullptr when it is in use
  // already (run again while its rows are read: the caller prepares one of its own) or cannot be
  // prepared (*rc says why).
  Cached* Borrow(const char* sql, int* rc) {
    *rc = SQLITE_OK;
    auto [it, fresh] = statements_.try_emplace(sql);
    if (fresh) {
      *rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second.stmt, nullptr);
      if (*rc != SQLITE_OK) {
        sqlite3_finalize(it->second.stmt);
        statements_.erase(it);
        return nullptr;
      }
    }
    if (it->second.in_use) return nullptr;
    it->second.in_use = true;
    return &it->second;
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, Cached> statements_;  // nodes stay put: Stmt keeps a Cached*
};

// One prepared statement, finalized on destruction, or one borrowed from a StatementCache and
// reset for its next use. Bind() is 1-based like SQLite's.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  Stmt(StatementCache* cache, const char* sql) : db_(cache->db()) {
    borrowed_ = cache->Borrow(sql, &rc_);
    if (borrowed_ != nullptr) {
      stmt_ = borrowed_->stmt;
    } else if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr);
    }
  }
  ~Stmt() {
    if (borrowed_ == nullptr) {
      sqlite3_finalize(stmt_);
      return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    borrowed_->in_use = false;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK || rc_ == SQLITE_ROW || rc_ == SQLITE_DONE; }
  Stmt& Bind(int i, std::string_view v) {
    Check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, int64_t v) {
    Check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, double v) {
    Check(sqlite3_bind_double(stmt_, i, v));
    return *this;
  }
  Stmt& BindNull(int i) {
    Check(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // True while there is a row; false at the end or on an error (see status()).
  bool Step() {
    if (!ok()) return false;
    rc_ = sqlite3_step(stmt_);
    return rc_ == SQLITE_ROW;
  }
  // Runs a statement that returns no rows.
  Status Run() {
    Step();
    return status();
  }
  Status status() const {
    if (ok()) return Status::Ok();
    return SqliteError(rc_, std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && ok()) rc_ = rc;
  }
  sqlite3* db_;
  StatementCache::Cached* borrowed_ = nullptr;  // stmt_'s entry in a StatementCache, when borrowed
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

ConversationStatus ParseConversationStatus(std::string_view s) {
  if (s == "handed_off") return ConversationStatus::kHandedOff;
  if (s == "closed") return ConversationStatus::kClosed;
  return ConversationStatus::kOpen;
}

TurnRole ParseTurnRole(std::string_view s) {
  if (s == "bot") return TurnRole::kBot;
  if (s == "agent") return TurnRole::kAgent;
  return TurnRole::kCustomer;
}

constexpr char kConversationColumns[] =
    "id, locale, customer_id, customer_email, customer_tier, status, created_ms, updated_ms";

Conversation ReadConversation(const Stmt& s) {
  Conversation c;
  c.id = s.Text(0);
  c.locale = s.Text(1);
  c.customer_id = s.Text(2);
  c.customer_email = s.Text(3);
  c.customer_tier = s.Text(4);
  c.status = ParseConversationStatus(s.Text(5));
  c.created_ms = s.Int(6);
  c.updated_ms = s.Int(7);
  return c;
}

constexpr char kHandoffColumns[] =
    "id, conversation_id, question, candidates, reason, priority, locale, customer_id, "
    "customer_tier, team, status, agent, note, created_ms, claimed_ms, resolved_ms";

Handoff ReadHandoff(const Stmt& s) {
  Handoff h;
  h.id = s.Int(0);
  h.conversation_id = s.Text(1);
  h.question = s.Text(2);
  h.candidates_json = s.Text(3);
  h.reason = s.Text(4);
  h.priority = static_cast<int>(s.Int(5));
  h.locale = s.Text(6);
  h.customer_id = s.Text(7);
  h.customer_tier = s.Text(8);
  h.team = s.Text(9);
  h.status = ParseHandoffStatus(s.Text(10)).value_or(HandoffStatus::kOpen);
  h.agent = s.Text(11);
  h.note = s.Text(12);
  h.created_ms = s.Int(13);
  h.claimed_ms = s.Int(14);
  h.resolved_ms = s.Int(15);
  return h;
}

constexpr char kWebhookColumns[] =
    "handoff_id, transcript_seq, attempts, next_attempt_ms, last_error, delivered_ms, gave_up_ms, "
    "created_ms";

WebhookDelivery ReadWebhookDelivery(const Stmt& s) {
  WebhookDelivery d;
  d.handoff_id = s.Int(0);
  d.transcript_seq = static_cast<int>(s.Int(1));
  d.attempts = static_cast<int>(s.Int(2));
  d.next_attempt_ms = s.Int(3);
  d.last_error = s.Text(4);
  d.delivered_ms = s.Int(5);
  d.gave_up_ms = s.Int(6);
  d.created_ms = s.Int(7);
  return d;
}

}  // namespace

std::string_view ConversationStatusName(ConversationStatus status) {
  switch (status) {
    case ConversationStatus::kOpen: return "open";
    case ConversationStatus::kHandedOff: return "handed_off";
    case ConversationStatus::kClosed: return "closed";
  }
  return "open";
}

std::string_view TurnRoleName(TurnRole role) {
  switch (role) {
    case TurnRole::kCustomer: return "customer";
    case TurnRole::kBot: return "bot";
    case TurnRole::kAgent: return "agent";
  }
  return "customer";
}

std::string_view HandoffStatusName(HandoffStatus status) {
  switch (status) {
    case HandoffStatus::kOpen: return "open";
    case HandoffStatus::kClaimed: return "claimed";
    case HandoffStatus::kResolved: return "resolved";
  }
  return "open";
}

std::optional<HandoffStatus> ParseHandoffStatus(std::string_view name) {
  if (name == "open") return HandoffStatus::kOpen;
  if (name == "claimed") return HandoffStatus::kClaimed;
  if (name == "resolved") return HandoffStatus::kResolved;
  return std::nullopt;
}

// The most exchanges one transaction writes (a bound on a group's latency and memory).
constexpr size_t kMaxGroupedExchanges = 64;

std::string NewConversationId() {
  // One getrandom(2) call: std::random_device opens and reads the device per object.
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(2 * sizeof bytes);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xF];
  }
  return id;
}

struct Store::Impl {
  std::mutex mu;
  sqlite3* db = nullptr;
  std::unique_ptr<StatementCache> statements;  // of db; guarded by mu

  ~Impl() {
    statements.reset();  // its statements before the connection
    if (db != nullptr) sqlite3_close_v2(db);
  }

  // A RecordExchange() call waiting for its group's commit (writers_mu guards the queue and these).
  struct Writer {
    const Exchange* exchange;
    Result<ExchangeResult> result = Status::Internal("not written");
    bool done = false;
    std::condition_variable cv;
  };
  std::mutex writers_mu;        // never held together with mu
  std::deque<Writer*> writers;  // the front one writes the group
  std::atomic<int64_t> committed_exchanges{0};
  std::atomic<int64_t> exchange_commits{0};

  Status Exec(const char* sql) { return kefu::Exec(db, sql); }
  // One statement without bound values, prepared once (transaction control on every write).
  Status Run(const char* sql) { return Stmt(statements.get(), sql).Run(); }

  // Runs `body` in a write transaction (BEGIN IMMEDIATE: takes the write lock up front, so
  // busy_timeout applies instead of a deadlock on upgrade); commits when it returns OK.
  template <typename F>
  Status InTransaction(F&& body) {
    KEFU_RETURN_IF_ERROR(Run("BEGIN IMMEDIATE"));
    Status status = body();
    if (status.ok()) status = Run("COMMIT");
    if (!status.ok()) (void)Run("ROLLBACK");
    return status;
  }

  Status Migrate() {
    KEFU_RETURN_IF_ERROR(
        Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    int version = 0;
    {
      Stmt s(statements.get(), "SELECT MAX(version) FROM schema_version");
      if (s.Step() && !s.IsNull(0)) version = static_cast<int>(s.Int(0));
      KEFU_RETURN_IF_ERROR(s.status());
    }
    if (version > kSchemaVersion) {
      return Status::DataLoss("database schema version " + std::to_string(version) +
                              " is newer than this binary's " + std::to_string(kSchemaVersion));
    }
    for (int v = version; v < kSchemaVersion; ++v) {
      KEFU_RETURN_IF_ERROR(InTransaction([&]() -> Status {
        KEFU_RETURN_IF_ERROR(Exec(kMigrations[v]));
        Stmt s(statements.get(), "INSERT INTO schema_version (version) VALUES (?)");
        s.Bind(1, v + 1);
        return s.Run();
      }));
    }
    return Status::Ok();
  }

  // Writes one exchange inside the caller's transaction.
  Status WriteExchange(const Exchange& exchange, ExchangeResult* result);

  Result<Handoff> HandoffById(int64_t id) {
    const std::string sql = std::string("SELECT ") + kHandoffColumns + " FROM handoffs WHERE id = ?";
    Stmt s(statements.get(), sql.c_str());
    s.Bind(1, id);
    if (s.Step()) return ReadHandoff(s);
    KEFU_RETURN_IF_ERROR(s.status());
    return Status::NotFound("no hand-off " + std::to_string(id));
  }

  Status InsertTurn(const Turn& t, int seq) {
    Stmt s(statements.get(),
           "INSERT INTO turns (conversation_id, seq, role, text, reply_type, entry_id, confidence, "
           "reason, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, t.conversation_id)
        .Bind(2, seq)
        .Bind(3, TurnRoleName(t.role))
        .Bind(4, t.text)
        .Bind(5, t.reply_type)
        .Bind(6, t.entry_id)
        .Bind(7, t.confidence)
        .Bind(8, t.reason)
        .Bind(9, t.created_ms);
    return s.Run();
  }

  Result<int> NextSeq(std::string_view conversation_id) {
    Stmt s(statements.get(), "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation_id = ?");
    s.Bind(1, conversation_id);
    if (s.Step()) return static_cast<int>(s.Int(0));
    KEFU_RETURN_IF_ERROR(s.status());
    return Status::Internal("no next turn number");
  }

  // Deletes the conversations `select_ids` (a SELECT of conversation ids with ?1 bound to `key`)
  // and everything recorded from them; the caller holds the transaction. The ids are collected
  // first so that every table is cleared for the same conversations, whatever the condition reads.
  template <typename Key>
  Status DeleteConversations(const char* select_ids, const Key& key, DeletedCounts* counts) {
    KEFU_RETURN_IF_ERROR(Exec("CREATE TEMP TABLE IF NOT EXISTS doomed (id TEXT PRIMARY KEY)"));
    KEFU_RETURN_IF_ERROR(Exec("DELETE FROM temp.doomed"));
    {
      const std::string sql = std::string("INSERT OR IGNORE INTO temp.doomed ") + select_ids;
      Stmt s(statements.get(), sql.c_str());
      s.Bind(1, key);
      KEFU_RETURN_IF_ERROR(s.Run());
    }
    // Suggestions before hand-offs: they are found through them.
    const std::pair<const char*, int64_t*> deletes[] = {
        {"DELETE FROM suggestions WHERE handoff_id IN (SELECT id FROM handoffs WHERE "
         "conversation_id IN (SELECT id FROM temp.doomed))",
         &counts->suggestions},
        {"DELETE FROM feedback WHERE conversation_id IN (SELECT id FROM temp.doomed)",
         &counts->feedback},
        {"DELETE FROM handoffs WHERE conversation_id IN (SELECT id FROM temp.doomed)",
         &counts->handoffs},
        {"DELETE FROM turns WHERE conversation_id IN (SELECT id FROM temp.doomed)",
         &counts->turns},
        {"DELETE FROM conversations WHERE id IN (SELECT id FROM temp.doomed)",
         &counts->conversations},
    };
    for (const auto& [sql, count] : deletes) {
      Stmt s(statements.get(), sql);
      KEFU_RETURN_IF_ERROR(s.Run());
      *count = sqlite3_changes(db);
    }
    return Exec("DELETE FROM temp.doomed");
  }

  template <typename Key>
  Result<DeletedCounts> DeleteInTransaction(const char* select_ids, const Key& key) {
    std::lock_guard<std::mutex> lock(mu);
    DeletedCounts counts;
    Status status =
        InTransaction([&]() -> Status { return DeleteConversations(select_ids, key, &counts); });
    if (!status.ok()) return status;
    return counts;
  }

  Status SetConversationStatus(std::string_view id, ConversationStatus status, int64_t now_ms) {
    Stmt s(statements.get(), "UPDATE conversations SET status = ?, updated_ms = ? WHERE id = ?");
    s.Bind(1, ConversationStatusName(status)).Bind(2, now_ms).Bind(3, id);
    return s.Run();
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

int Store::SchemaVersion() { return kSchemaVersion; }

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("the database path is empty");
  const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status::Unavailable("cannot create " + parent.string() + ": " + ec.message());
    }
  }
  auto impl = std::make_unique<Impl>();
  // Our own mutex serialises use of the one connection, so SQLite's can be off.
  const int rc = sqlite3_open_v2(options.path.c_str(), &impl->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open " + options.path + ": " +
                          (impl->db != nullptr ? sqlite3_errmsg(impl->db) : "out of memory");
    return Status::Unavailable(std::move(message));
  }
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);
  impl->statements = std::make_unique<StatementCache>(impl->db);
  // WAL lets readers run beside the writer; with synchronous=NORMAL a commit survives a process
  // crash (the WAL is written before COMMIT returns), only power loss may drop the last ones.
  KEFU_RETURN_IF_ERROR(impl->Exec("PRAGMA journal_mode = WAL"));
  KEFU_RETURN_IF_ERROR(impl->Exec("PRAGMA synchronous = NORMAL"));
  KEFU_RETURN_IF_ERROR(impl->Exec("PRAGMA foreign_keys = ON"));
  // Deleted customer data is overwritten, not left readable in free pages of the file.
  KEFU_RETURN_IF_ERROR(impl->Exec("PRAGMA secure_delete = ON"));
  if (Status s = impl->Migrate(); !s.ok()) {
    if (s.code() == StatusCode::kInternal) {
      return Status::DataLoss(options.path + " is not a usable Kefu database: " + s.message());
    }
    return s;
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Status Store::Impl::WriteExchange(const Exchange& exchange, ExchangeResult* result) {
  const Conversation& c = exchange.conversation;
  const ConversationStatus status =
      exchange.handoff ? ConversationStatus::kHandedOff : c.status;
  if (c.id.empty()) {
    result->conversation_id = NewConversationId();
    Stmt s(statements.get(),
           "INSERT INTO conversations (id, locale, customer_id, customer_email, customer_tier, "
           "status, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, result->conversation_id)
        .Bind(2, c.locale)
        .Bind(3, c.customer_id)
        .Bind(4, c.customer_email)
        .Bind(5, c.customer_tier)
        .Bind(6, ConversationStatusName(status))
        .Bind(7, c.updated_ms)
        .Bind(8, c.updated_ms);
    KEFU_RETURN_IF_ERROR(s.Run());
  } else {
    result->conversation_id = c.id;
    Stmt s(statements.get(),
           "UPDATE conversations SET locale = ?, customer_id = ?, customer_email = ?, "
           "customer_tier = ?, status = ?, updated_ms = ? WHERE id = ?");
    s.Bind(1, c.locale)
        .Bind(2, c.customer_id)
        .Bind(3, c.customer_email)
        .Bind(4, c.customer_tier)
        .Bind(5, ConversationStatusName(status))
        .Bind(6, c.updated_ms)
        .Bind(7, c.id);
    KEFU_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db) == 0) return Status::NotFound("no conversation " + c.id);
  }
  Result<int> seq = NextSeq(result->conversation_id);
  if (!seq.ok()) return seq.status();
  Turn customer = exchange.customer;
  customer.conversation_id = result->conversation_id;
  KEFU_RETURN_IF_ERROR(InsertTurn(customer, *seq));
  Turn bot = exchange.bot;
  bot.conversation_id = result->conversation_id;
  KEFU_RETURN_IF_ERROR(InsertTurn(bot, *seq + 1));
  if (exchange.handoff) {
    const Handoff& h = *exchange.handoff;
    Stmt s(statements.get(),
           "INSERT INTO handoffs (conversation_id, question, candidates, reason, priority, "
           "locale, customer_id, customer_tier, team, status, created_ms) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)");
    s.Bind(1, result->conversation_id)
        .Bind(2, h.question)
        .Bind(3, h.candidates_json.empty() ? std::string("[]") : h.candidates_json)
        .Bind(4, h.reason)
        .Bind(5, h.priority)
        .Bind(6, h.locale)
        .Bind(7, h.customer_id)
        .Bind(8, h.customer_tier)
        .Bind(9, h.team)
        .Bind(10, h.created_ms);
    KEFU_RETURN_IF_ERROR(s.Run());
    result->handoff_id = sqlite3_last_insert_rowid(db);
    if (exchange.queue_webhook) {
      Stmt queue(statements.get(),
                 "INSERT INTO webhook_outbox (handoff_id, transcript_seq, next_attempt_ms, "
                 "created_ms) VALUES (?, ?, ?, ?)");
      queue.Bind(1, result->handoff_id)
          .Bind(2, *seq + 1)  // the bot's hand-off reply: the transcript the webhook sends
          .Bind(3, h.created_ms)
          .Bind(4, h.created_ms);
      KEFU_RETURN_IF_ERROR(queue.Run());
    }
  }
  return Status::Ok();
}

// Group commit (LevelDB's DBImpl::Write): exchanges that arrive while one is being written queue up,
// and the writer at the front writes them all in one transaction, each in its own savepoint so that
// one failing (an unknown conversation) does not fail the others. SQLite then writes the pages they
// share to the WAL once per group instead of once per exchange. Every caller returns only after the
// commit that holds its exchange, so an answered reply is as durable as before.
Result<ExchangeResult> Store::RecordExchange(const Exchange& exchange) {
  Impl::Writer me{&exchange};
  std::unique_lock<std::mutex> queue_lock(impl_->writers_mu);
  impl_->writers.push_back(&me);
  while (!me.done && &me != impl_->writers.front()) me.cv.wait(queue_lock);
  if (me.done) return std::move(me.result);

  const size_t n = std::min(impl_->writers.size(), kMaxGroupedExchanges);
  std::vector<Impl::Writer*> group(impl_->writers.begin(), impl_->writers.begin() + n);
  queue_lock.unlock();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Status txn = impl_->InTransaction([&]() -> Status {
      for (Impl::Writer* w : group) {
        KEFU_RETURN_IF_ERROR(impl_->Run("SAVEPOINT exchange"));
        ExchangeResult written;
        Status s = impl_->WriteExchange(*w->exchange, &written);
        if (!s.ok()) KEFU_RETURN_IF_ERROR(impl_->Run("ROLLBACK TO exchange"));
        KEFU_RETURN_IF_ERROR(impl_->Run("RELEASE exchange"));
        if (s.ok()) {
          w->result = std::move(written);
        } else {
          w->result = s;
        }
      }
      return Status::Ok();
    });
    // Nothing of the group is stored unless the commit is.
    if (!txn.ok()) {
      for (Impl::Writer* w : group) w->result = txn;
    } else {
      int64_t written = 0;
      for (Impl::Writer* w : group) written += w->result.ok() ? 1 : 0;
      impl_->committed_exchanges.fetch_add(written, std::memory_order_relaxed);
      if (written > 0) impl_->exchange_commits.fetch_add(1, std::memory_order_relaxed);
    }
  }
  queue_lock.lock();
  for (size_t i = 0; i < n; ++i) {
    Impl::Writer* w = impl_->writers.front();
    impl_->writers.pop_front();
    if (w == &me) continue;
    w->done = true;
    w->cv.notify_one();
  }
  if (!impl_->writers.empty()) impl_->writers.front()->cv.notify_one();
  return std::move(me.result);
}

ExchangeCounts Store::exchange_counts() const {
  return {impl_->committed_exchanges.load(std::memory_order_relaxed),
          impl_->exchange_commits.load(std::memory_order_relaxed)};
}

Result<Conversation> Store::GetConversation(std::string_view id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql =
      std::string("SELECT ") + kConversationColumns + " FROM conversations WHERE id = ?";
  Stmt s(impl_->statements.get(), sql.c_str());
  s.Bind(1, id);
  if (s.Step()) return ReadConversation(s);
  KEFU_RETURN_IF_ERROR(s.status());
  return Status::NotFound("no such conversation");
}

Result<std::vector<Turn>> Store::ListTurns(std::string_view conversation_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt s(impl_->statements.get(),
         "SELECT conversation_id, seq, role, text, reply_type, entry_id, confidence, reason, "
         "created_ms FROM turns WHERE conversation_id = ? ORDER BY seq");
  s.Bind(1, conversation_id);
  std::vector<Turn> turns;
  while (s.Step()) {
    Turn t;
    t.conversation_id = s.Text(0);
    t.seq = static_cast<int>(s.Int(1));
    t.role = ParseTurnRole(s.Text(2));
    t.text = s.Text(3);
    t.reply_type = s.Text(4);
    t.entry_id = s.Text(5);
    t.confidence = s.Double(6);
    t.reason = s.Text(7);
    t.created_ms = s.Int(8);
    turns.push_back(std::move(t));
  }
  KEFU_RETURN_IF_ERROR(s.status());
  return turns;
}

Result<Handoff> Store::GetHandoff(int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->HandoffById(id);
}

Result<Handoff> Store::LatestHandoff(std::string_view conversation_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql = std::string("SELECT ") + kHandoffColumns +
                          " FROM handoffs WHERE conversation_id = ? ORDER BY id DESC LIMIT 1";
  Stmt s(impl_->statements.get(), sql.c_str());
  s.Bind(1, conversation_id);
  if (s.Step()) return ReadHandoff(s);
  KEFU_RETURN_IF_ERROR(s.status());
  return Status::NotFound("the conversation has no hand-off");
}

Result<std::vector<Handoff>> Store::ListHandoffs(HandoffStatus status, std::string_view team) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql = std::string("SELECT ") + kHandoffColumns +
                          " FROM handoffs WHERE status = ? AND (? = '' OR team = ?)"
                          " ORDER BY priority DESC, created_ms, id";
  Stmt s(impl_->statements.get(), sql.c_str());
  s.Bind(1, HandoffStatusName(status)).Bind(2, team).Bind(3, team);
  std::vector<Handoff> out;
  while (s.Step()) out.push_back(ReadHandoff(s));
  KEFU_RETURN_IF_ERROR(s.status());
  return out;
}

Result<QueuePosition> Store::PositionOf(const Handoff& h) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  // The same order as ListHandoffs: higher priority, then older, then lower id go first. Each part
  // is one range of the queue index, so counting visits only the rows counted, and it stops at the
  // bound: a backlog of thousands would otherwise cost each new hand-off a scan of it (and, as one
  // query with an OR, an urgent one a scan of every open hand-off behind it too).
  QueuePosition position;
  Stmt higher(impl_->statements.get(),
              "SELECT COUNT(*) FROM (SELECT 1 FROM handoffs WHERE status = 'open' AND team = ? AND priority > ? "
              "LIMIT ?)");
  higher.Bind(1, h.team).Bind(2, h.priority).Bind(3, kMaxCountedAhead);
  if (higher.Step()) position.ahead = static_cast<int>(higher.Int(0));
  KEFU_RETURN_IF_ERROR(higher.status());
  if (position.ahead < kMaxCountedAhead) {
    Stmt older(impl_->statements.get(),
               "SELECT COUNT(*) FROM (SELECT 1 FROM handoffs WHERE status = 'open' AND team = ? AND priority = ? "
               "AND (created_ms, id) < (?, ?) LIMIT ?)");
    older.Bind(1, h.team).Bind(2, h.priority).Bind(3, h.created_ms).Bind(4, h.id).Bind(5, kMaxCountedAhead - position.ahead);
    if (older.Step()) position.ahead += static_cast<int>(older.Int(0));
    KEFU_RETURN_IF_ERROR(older.status());
  }
  position.at_least = position.ahead >= kMaxCountedAhead;
  return position;
}

Result<int64_t> Store::CountHandoffs(HandoffStatus status) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt s(impl_->statements.get(), "SELECT COUNT(*) FROM handoffs WHERE status = ?");
  s.Bind(1, HandoffStatusName(status));
  int64_t count = 0;
  if (s.Step()) count = s.Int(0);
  KEFU_RETURN_IF_ERROR(s.status());
  return count;
}

Result<Handoff> Store::ClaimHandoff(int64_t id, std::string_view agent, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Handoff claimed;
  Status status = impl_->InTransaction([&]() -> Status {
    Result<Handoff> h = impl_->HandoffById(id);
    if (!h.ok()) return h.status();
    if (h->status != HandoffStatus::kOpen) {
      return Status::FailedPrecondition("hand-off " + std::to_string(id) + " is " +
                                        std::string(HandoffStatusName(h->status)) +
                                        (h->agent.empty() ? "" : " by " + h->agent));
    }
    Stmt s(impl_->statements.get(),
           "UPDATE handoffs SET status = 'claimed', agent = ?, claimed_ms = ? WHERE id = ?");
    s.Bind(1, agent).Bind(2, now_ms).Bind(3, id);
    KEFU_RETURN_IF_ERROR(s.Run());
    claimed = *h;
    claimed.status = HandoffStatus::kClaimed;
    claimed.agent = agent;
    claimed.claimed_ms = now_ms;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return claimed;
}

Result<Handoff> Store::ResolveHandoff(int64_t id, std::string_view agent, std::string_view note,
                                      std::string_view suggest_entry_id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Handoff resolved;
  Status status = impl_->InTransaction([&]() -> Status {
    Result<Handoff> h = impl_->HandoffById(id);
    if (!h.ok()) return h.status();
    if (h->status == HandoffStatus::kResolved) {
      return Status::FailedPrecondition("hand-off " + std::to_string(id) + " is resolved");
    }
    resolved = *h;
    // The agent who resolves it is the one recorded (usually the one who claimed it).
    resolved.agent = std::string(agent);
    resolved.note = std::string(note);
    resolved.status = HandoffStatus::kResolved;
    resolved.resolved_ms = now_ms;
    if (resolved.claimed_ms == 0) resolved.claimed_ms = now_ms;
    Stmt s(impl_->statements.get(),
           "UPDATE handoffs SET status = 'resolved', agent = ?, note = ?, claimed_ms = ?, "
           "resolved_ms = ? WHERE id = ?");
    s.Bind(1, resolved.agent)
        .Bind(2, resolved.note)
        .Bind(3, resolved.claimed_ms)
        .Bind(4, now_ms)
        .Bind(5, id);
    KEFU_RETURN_IF_ERROR(s.Run());
    KEFU_RETURN_IF_ERROR(
        impl_->SetConversationStatus(h->conversation_id, ConversationStatus::kClosed, now_ms));
    if (!suggest_entry_id.empty()) {
      Stmt add(impl_->statements.get(),
               "INSERT INTO suggestions (entry_id, question, handoff_id, created_ms) "
               "VALUES (?, ?, ?, ?)");
      add.Bind(1, suggest_entry_id).Bind(2, h->question).Bind(3, id).Bind(4, now_ms);
      KEFU_RETURN_IF_ERROR(add.Run());
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return resolved;
}

Result<Turn> Store::AddAgentMessage(int64_t handoff_id, std::string_view agent,
                                    std::string_view text, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Turn turn;
  Status status = impl_->InTransaction([&]() -> Status {
    Result<Handoff> h = impl_->HandoffById(handoff_id);
    if (!h.ok()) return h.status();
    if (h->status == HandoffStatus::kResolved) {
      return Status::FailedPrecondition("hand-off " + std::to_string(handoff_id) +
                                        " is resolved");
    }
    Result<int> seq = impl_->NextSeq(h->conversation_id);
    if (!seq.ok()) return seq.status();
    turn.conversation_id = h->conversation_id;
    turn.seq = *seq;
    turn.role = TurnRole::kAgent;
    turn.text = std::string(text);
    turn.reason = std::string(agent);
    turn.created_ms = now_ms;
    KEFU_RETURN_IF_ERROR(impl_->InsertTurn(turn, turn.seq));
    Stmt s(impl_->statements.get(), "UPDATE conversations SET updated_ms = ? WHERE id = ?");
    s.Bind(1, now_ms).Bind(2, h->conversation_id);
    return s.Run();
  });
  if (!status.ok()) return status;
  return turn;
}

Result<std::vector<WebhookDelivery>> Store::PendingWebhookDeliveries(int limit) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  // The WHERE clause is the partial index's, so that the index serves it.
  const std::string sql = std::string("SELECT ") + kWebhookColumns +
                          " FROM webhook_outbox WHERE delivered_ms = 0 AND gave_up_ms = 0"
                          " ORDER BY next_attempt_ms, handoff_id LIMIT ?";
  Stmt s(impl_->statements.get(), sql.c_str());
  s.Bind(1, limit);
  std::vector<WebhookDelivery> out;
  while (s.Step()) out.push_back(ReadWebhookDelivery(s));
  KEFU_RETURN_IF_ERROR(s.status());
  return out;
}

Result<WebhookDelivery> Store::GetWebhookDelivery(int64_t handoff_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql =
      std::string("SELECT ") + kWebhookColumns + " FROM webhook_outbox WHERE handoff_id = ?";
  Stmt s(impl_->statements.get(), sql.c_str());
  s.Bind(1, handoff_id);
  if (s.Step()) return ReadWebhookDelivery(s);
  KEFU_RETURN_IF_ERROR(s.status());
  return Status::NotFound("no webhook delivery for hand-off " + std::to_string(handoff_id));
}

Status Store::RecordWebhookAttempt(const WebhookAttempt& a) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const bool gave_up = !a.delivered && a.next_attempt_ms == 0;
  Stmt s(impl_->statements.get(),
         "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, delivered_ms = ?, "
         "gave_up_ms = ?, next_attempt_ms = ? "
         "WHERE handoff_id = ? AND delivered_ms = 0 AND gave_up_ms = 0");
  s.Bind(1, a.delivered ? std::string() : a.error)
      .Bind(2, a.delivered ? a.at_ms : int64_t{0})
      .Bind(3, gave_up ? a.at_ms : int64_t{0})
      .Bind(4, a.delivered || gave_up ? a.at_ms : a.next_attempt_ms)
      .Bind(5, a.handoff_id);
  KEFU_RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(impl_->db) == 0) {
    return Status::NotFound("no pending webhook delivery for hand-off " +
                            std::to_string(a.handoff_id));
  }
  return Status::Ok();
}

Status Store::AddFeedback(const Feedback& f) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->InTransaction([&]() -> Status {
    Stmt s(impl_->statements.get(),
           "INSERT INTO feedback (conversation_id, search_id, entry_id, helpful, rating, comment, "
           "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, f.conversation_id).Bind(2, f.search_id).Bind(3, f.entry_id);
    if (f.helpful) {
      s.Bind(4, *f.helpful ? 1 : 0);
    } else {
      s.BindNull(4);
    }
    if (f.rating) {
      s.Bind(5, *f.rating);
    } else {
      s.BindNull(5);
    }
    s.Bind(6, f.comment).Bind(7, f.created_ms);
    return s.Run();
  });
}

Result<std::vector<Feedback>> Store::ListFeedback(std::string_view conversation_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt s(impl_->statements.get(),
         "SELECT conversation_id, search_id, entry_id, helpful, rating, comment, created_ms "
         "FROM feedback WHERE conversation_id = ? ORDER BY id");
  s.Bind(1, conversation_id);
  std::vector<Feedback> out;
  while (s.Step()) {
    Feedback f;
    f.conversation_id = s.Text(0);
    f.search_id = s.Text(1);
    f.entry_id = s.Text(2);
    if (!s.IsNull(3)) f.helpful = s.Int(3) != 0;
    if (!s.IsNull(4)) f.rating = static_cast<int>(s.Int(4));
    f.comment = s.Text(5);
    f.created_ms = s.Int(6);
    out.push_back(std::move(f));
  }
  KEFU_RETURN_IF_ERROR(s.status());
  return out;
}

Result<std::vector<Suggestion>> Store::ListSuggestions(int limit) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt s(impl_->statements.get(),
         "SELECT id, entry_id, question, handoff_id, created_ms FROM suggestions "
         "ORDER BY id DESC LIMIT ?");
  s.Bind(1, limit);
  std::vector<Suggestion> out;
  while (s.Step()) {
    Suggestion g;
    g.id = s.Int(0);
    g.entry_id = s.Text(1);
    g.question = s.Text(2);
    g.handoff_id = s.Int(3);
    g.created_ms = s.Int(4);
    out.push_back(std::move(g));
  }
  KEFU_RETURN_IF_ERROR(s.status());
  return out;
}

Result<std::vector<Conversation>> Store::ListIdleConversations(int64_t updated_before_ms,
                                                                int limit) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const std::string sql = std::string("SELECT ") + kConversationColumns +
                          " FROM conversations WHERE status = 'open' AND updated_ms < ?"
                          " ORDER BY updated_ms, id LIMIT ?";
  Stmt s(impl_->statements.get(), sql.c_str());
  s.Bind(1, updated_before_ms).Bind(2, limit);
  std::vector<Conversation> out;
  while (s.Step()) out.push_back(ReadConversation(s));
  KEFU_RETURN_IF_ERROR(s.status());
  return out;
}

Result<bool> Store::CloseIdleConversation(std::string_view id, int64_t updated_before_ms,
                                          const Turn& closing) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  bool closed = false;
  Status status = impl_->InTransaction([&]() -> Status {
    // Only if still open and idle: a message that came in meanwhile keeps it open.
    Stmt s(impl_->statements.get(),
           "UPDATE conversations SET status = 'closed', updated_ms = ? "
           "WHERE id = ? AND status = 'open' AND updated_ms < ?");
    s.Bind(1, closing.created_ms).Bind(2, id).Bind(3, updated_before_ms);
    KEFU_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(impl_->db) == 0) return Status::Ok();
    Result<int> seq = impl_->NextSeq(id);
    if (!seq.ok()) return seq.status();
    Turn turn = closing;
    turn.conversation_id = std::string(id);
    turn.role = TurnRole::kBot;
    KEFU_RETURN_IF_ERROR(impl_->InsertTurn(turn, *seq));
    closed = true;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return closed;
}

Result<StoreStats> Store::Stats(int64_t from_ms, int64_t to_ms, int max_unanswered) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  sqlite3* db = impl_->db;
  StoreStats out;
  // One read transaction: every figure comes from the same snapshot.
  KEFU_RETURN_IF_ERROR(impl_->Exec("BEGIN"));
  Status status = [&]() -> Status {
    {
      // Conversations started in the period in which the customer said something.
      Stmt s(db,
             "SELECT COUNT(*),"
             " COALESCE(SUM(answered AND NOT handed AND NOT unhappy), 0),"
             " COALESCE(SUM(handed), 0),"
             " COALESCE(SUM(NOT answered AND NOT handed), 0) FROM ("
             "  SELECT"
             "   EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id AND t.role = 'bot'"
             "           AND t.reply_type = 'answer') AS answered,"
             "   EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id) AS handed,"
             "   EXISTS (SELECT 1 FROM feedback f WHERE f.conversation_id = c.id"
             "           AND (f.helpful = 0 OR f.rating <= 2)) AS unhappy"
             "  FROM conversations c WHERE c.created_ms >= ? AND c.created_ms < ?"
             "  AND EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id"
             "              AND t.role = 'customer'))");
      s.Bind(1, from_ms).Bind(2, to_ms);
      if (s.Step()) {
        out.conversations = s.Int(0);
        out.deflected = s.Int(1);
        out.handed_off = s.Int(2);
        out.abandoned = s.Int(3);
      }
      KEFU_RETURN_IF_ERROR(s.status());
    }
    {
      Stmt s(db,
             "SELECT reason, COUNT(*) FROM handoffs WHERE created_ms >= ? AND created_ms < ? "
             "GROUP BY reason ORDER BY reason");
      s.Bind(1, from_ms).Bind(2, to_ms);
      while (s.Step()) out.handoffs_by_reason[s.Text(0)] = s.Int(1);
      KEFU_RETURN_IF_ERROR(s.status());
    }
    {
      Stmt s(db,
             "SELECT reply_type, COUNT(*) FROM turns WHERE role = 'bot' AND created_ms >= ? "
             "AND created_ms < ? GROUP BY reply_type ORDER BY reply_type");
      s.Bind(1, from_ms).Bind(2, to_ms);
      while (s.Step()) out.replies_by_type[s.Text(0)] = s.Int(1);
      KEFU_RETURN_IF_ERROR(s.status());
    }
    {
      // Votes without an entry count for the answer the conversation had last shown.
      Stmt s(db,
             "SELECT entry, SUM(helpful = 1), SUM(helpful = 0) FROM ("
             " SELECT f.helpful AS helpful, COALESCE(NULLIF(f.entry_id, ''),"
             "  (SELECT t.entry_id FROM turns t WHERE t.conversation_id = f.conversation_id"
             "   AND t.role = 'bot' AND t.reply_type = 'answer' AND t.created_ms <= f.created_ms"
             "   ORDER BY t.seq DESC LIMIT 1), '') AS entry"
             " FROM feedback f WHERE f.helpful IS NOT NULL AND f.created_ms >= ?"
             " AND f.created_ms < ?) WHERE entry != '' GROUP BY entry ORDER BY entry");
      s.Bind(1, from_ms).Bind(2, to_ms);
      while (s.Step()) out.votes.push_back({s.Text(0), s.Int(1), s.Int(2)});
      KEFU_RETURN_IF_ERROR(s.status());
    }
    {
      Stmt s(db,
             "SELECT COUNT(rating), AVG(rating) FROM feedback WHERE rating IS NOT NULL "
             "AND created_ms >= ? AND created_ms < ?");
      s.Bind(1, from_ms).Bind(2, to_ms);
      if (s.Step()) {
        out.ratings = s.Int(0);
        if (!s.IsNull(1)) out.average_rating = s.Double(1);
      }
      KEFU_RETURN_IF_ERROR(s.status());
    }
    {
      Stmt s(db,
             "SELECT claimed_ms - created_ms FROM handoffs WHERE claimed_ms > 0 "
             "AND created_ms >= ? AND created_ms < ? ORDER BY 1");
      s.Bind(1, from_ms).Bind(2, to_ms);
      while (s.Step()) out.claim_delays_ms.push_back(s.Int(0));
      KEFU_RETURN_IF_ERROR(s.status());
    }
    {
      // The bot turn right after a customer's message says how that message went.
      Stmt s(db,
             "SELECT c.text, b.reply_type, b.reason, b.confidence, c.created_ms FROM turns c "
             "JOIN turns b ON b.conversation_id = c.conversation_id AND b.seq = c.seq + 1 "
             "WHERE c.role = 'customer' AND c.reply_type = 'message' AND b.role = 'bot' "
             "AND b.reason IN ('ambiguous', 'low_confidence', 'repeated_failure') "
             "AND c.created_ms >= ? AND c.created_ms < ? ORDER BY c.created_ms DESC LIMIT ?");
      s.Bind(1, from_ms).Bind(2, to_ms).Bind(3, max_unanswered);
      while (s.Step()) {
        out.unanswered.push_back({s.Text(0), s.Text(1), s.Text(2), s.Double(3), s.Int(4)});
      }
      KEFU_RETURN_IF_ERROR(s.status());
    }
    return Status::Ok();
  }();
  (void)impl_->Exec(status.ok() ? "COMMIT" : "ROLLBACK");
  if (!status.ok()) return status;
  return out;
}

Result<DeletedCounts> Store::DeleteConversation(std::string_view id) {
  Result<DeletedCounts> counts =
      impl_->DeleteInTransaction("SELECT id FROM conversations WHERE id = ?1", id);
  if (counts.ok() && counts->conversations == 0) return Status::NotFound("no such conversation");
  return counts;
}

Result<DeletedCounts> Store::DeleteCustomer(std::string_view customer_id) {
  if (customer_id.empty()) return Status::InvalidArgument("the customer id is empty");
  return impl_->DeleteInTransaction(
      "SELECT id FROM conversations WHERE customer_id = ?1 "
      "UNION SELECT conversation_id FROM handoffs WHERE customer_id = ?1",
      customer_id);
}

Result<DeletedCounts> Store::DeleteConversationsUpdatedBefore(int64_t cutoff_ms) {
  return impl_->DeleteInTransaction("SELECT id FROM conversations WHERE updated_ms < ?1",
                                    cutoff_ms);
}

namespace {

// A connection of BackupDatabase(), closed however it ends.
struct Connection {
  sqlite3* db = nullptr;
  ~Connection() {
    if (db != nullptr) sqlite3_close_v2(db);
  }
};

Status OpenConnection(const std::string& path, int flags, int busy_timeout_ms, Connection* out) {
  if (sqlite3_open_v2(path.c_str(), &out->db, flags, nullptr) != SQLITE_OK) {
    return Status::Unavailable("cannot open " + path + ": " +
                               (out->db != nullptr ? sqlite3_errmsg(out->db) : "out of memory"));
  }
  sqlite3_busy_timeout(out->db, busy_timeout_ms);
  return Status::Ok();
}

// Copies every page of `source` into `dest` in one step: one read transaction on the source, so the
// copy is one consistent snapshot, and in WAL mode the source's writers go on meanwhile. (Copying
// in slices would restart whenever another process commits, possibly forever under load.)
Status CopyPages(sqlite3* source, sqlite3* dest) {
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source, "main");
  if (backup == nullptr) {
    return SqliteError(sqlite3_errcode(dest), std::string("sqlite: ") + sqlite3_errmsg(dest));
  }
  const int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return SqliteError(rc, std::string("sqlite backup: ") + sqlite3_errstr(rc));
  }
  return Status::Ok();
}

// PRAGMA quick_check on the copy: the backup is only as good as what can be read back.
Status QuickCheck(sqlite3* db) {
  Stmt s(db, "PRAGMA quick_check");
  std::string verdict;
  if (s.Step()) verdict = s.Text(0);
  KEFU_RETURN_IF_ERROR(s.status());
  if (verdict != "ok") return Status::DataLoss("the copy fails PRAGMA quick_check: " + verdict);
  return Status::Ok();
}

}  // namespace

Status BackupDatabase(const StoreOptions& source, const std::string& dest_path) {
  if (source.path.empty() || dest_path.empty()) {
    return Status::InvalidArgument("the database and the backup path must not be empty");
  }
  std::error_code ec;
  if (!std::filesystem::exists(source.path, ec)) {
    return Status::NotFound("no database " + source.path);
  }
  if (std::filesystem::equivalent(source.path, dest_path, ec)) {
    return Status::InvalidArgument("the backup would overwrite the database " + source.path);
  }
  // Written beside the destination and renamed over it when complete, so that `dest_path` is
  // always either what it was or a whole, checked copy.
  const std::string partial = dest_path + ".partial";
  std::filesystem::remove(partial, ec);
  Status status = [&]() -> Status {
    Connection from;
    Connection to;
    // Read-write without CREATE: nothing is written to the source, and a missing file is an error
    // rather than a new empty database.
    KEFU_RETURN_IF_ERROR(OpenConnection(source.path, SQLITE_OPEN_READWRITE, source.busy_timeout_ms,
                                        &from));
    KEFU_RETURN_IF_ERROR(OpenConnection(
        partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, source.busy_timeout_ms, &to));
    KEFU_RETURN_IF_ERROR(CopyPages(from.db, to.db));
    // One self-contained file (no -wal beside it); Store::Open() turns WAL on again.
    KEFU_RETURN_IF_ERROR(Exec(to.db, "PRAGMA journal_mode = DELETE"));
    return QuickCheck(to.db);
  }();
  if (status.ok()) {
    std::filesystem::rename(partial, dest_path, ec);
    if (ec) status = Status::Unavailable("cannot rename " + partial + ": " + ec.message());
  }
  if (!status.ok()) std::filesystem::remove(partial, ec);
  return status;
}

}  // namespace kefu
