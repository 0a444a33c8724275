// Server: owns the httplib::Server with its routes, worker pool, limits, rate limiter, CORS policy,
// access log, metrics and safety nets, and the hand-off webhook's sender; starts them and stops
// them gracefully. Follows new index generations by calling KnowledgeBase::Reload() in the
// background, closes idle conversations and purges those past their retention. Used by main.cc
// and, in-process on port 0, by the tests.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/status.h"
#include "kb/store/store.h"
#include "server/auth.h"
#include "server/chat_service.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/reindex.h"
#include "server/routes.h"
#include "server/webhook.h"

namespace kefu::server {

struct ServerOptions {
  // Address to listen on. Default: "127.0.0.1".
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see Server::port()). Default: 8080.
  int port = 8080;
  // Worker threads; each open keep-alive connection holds one. Default: 32.
  int threads = 32;
  // Largest request body accepted; larger ones get 413. Default: 64 KiB (the API has only GET
  // routes yet).
  size_t payload_max_bytes = 64 * 1024;
  // Requests served on one connection before it is closed. Default: 100.
  size_t keep_alive_max_count = 100;
  // Seconds an idle keep-alive connection is kept (and holds its worker). Default: 5.
  int keep_alive_timeout_sec = 5;
  // Seconds to wait for a request to arrive / a response to be written. Default: 5, 5.
  int read_timeout_sec = 5;
  int write_timeout_sec = 5;
  // How often to look for a new index generation, in milliseconds; 0 never. Default: 100 (a look
  // is one readlink; a one-entry update at 100k entries is live 0.1 s after its build ends).
  int reload_interval_ms = 100;
  // Per-client token bucket on the public routes: requests per second and burst; 0 per second
  // turns it off (tests that send many requests do). Default: 20 and 40.
  double rate_limit_per_second = 20;
  double rate_burst = 40;
  // Most clients the rate limiter tracks (idle ones are forgotten first). Default: 65536.
  size_t rate_limit_max_clients = 65536;
  // Peers whose X-Forwarded-For names the client (exact addresses). Default: none.
  std::vector<std::string> trusted_proxies;
  // Origins that get Access-Control-Allow-Origin; empty: no CORS headers. Default: none.
  std::vector<std::string> cors_origins;
  // Pending-connection queue of the listening socket. Default: 1024 (cpp-httplib's own is 5).
  int listen_backlog = 1024;
  // Bearer tokens of agent and admin routes. Default: none (those routes answer 503).
  AuthConfig auth;
  // POST /api/v1/admin/reindex builds `content_dir` into `index_dir` (the directory the
  // KnowledgeBase serves). Default: "" and "" (that route answers 503).
  std::string content_dir;
  std::string index_dir;
  // SQLite file of the bot's conversations and hand-offs, opened by Start(). Default: "" (the bot
  // routes answer 503; kefu-server always sets it from --db).
  std::string db_path;
  // The bot: decision rules, team queues, wait estimates. Default: ChatOptions' defaults.
  ChatOptions chat;
  // Conversations not updated for this many days are deleted with their turns, hand-offs,
  // feedback and suggestions (Store::DeleteConversationsUpdatedBefore), by Start() and then every
  // `retention_interval_ms`, on the clock conversations are stamped with (chat.now_ms); 0 keeps
  // them forever. Defaults: 180 days (setting `retention_days`), every hour.
  int retention_days = 180;
  int retention_interval_ms = 60 * 60 * 1000;
  // X-Kefu-Integration-Token value that lets chat requests set customer.id/tier. Default: none.
  std::string integration_token;
  // How often idle conversations are closed (ChatOptions::idle_close_ms), in milliseconds; 0 only
  // when a conversation's next message comes. Default: 30000.
  int housekeeping_interval_ms = 30000;
  // The hand-off webhook, sent from a thread of its own; needs db_path. Default: url "" (off).
  HandoffWebhookOptions handoff_webhook;
};

// The server options a ServerConfig asks for (the rest keep their defaults).
ServerOptions MakeServerOptions(const ServerConfig& config);

// httplib::Server whose listen backlog can be raised. cpp-httplib 0.11.4 hard-codes listen(sock, 5)
// and has no setting; its bound socket is a protected member, so a subclass can call listen() on it
// again with a larger queue (Linux accepts a second listen() on a listening socket and only updates
// the backlog). Must be called after bind_to_port()/bind_to_any_port(), before listen_after_bind().
class BacklogServer : public httplib::Server {
 public:
  // false (errno set) when there is no bound socket or listen() fails.
  bool SetListenBacklog(int backlog);
  // The backlog the kernel applies to the bound socket (after its net.core.somaxconn cap), read
  // with TCP_INFO; -1 when there is no bound socket.
  int ListenBacklog() const;
};

class Server {
 public:
  // `kb` must outlive the server.
  Server(KnowledgeBase& kb, ServerOptions options);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port and starts serving on a thread; returns once connections are accepted.
  // kUnavailable when the address cannot be bound; kFailedPrecondition when called twice.
  Status Start();

  // Stops accepting, lets the workers finish the requests in flight, joins every thread.
  // Idempotent.
  void Stop();

  // The bound port (the real one when options.port was 0); -1 before Start().
  int port() const { return port_; }
  const std::string& host() const { return options_.host; }
  // The listening socket's effective backlog (see BacklogServer::ListenBacklog()); -1 when not
  // listening.
  int listen_backlog() const { return http_.ListenBacklog(); }
  // The routes registered by Start() (empty before).
  const RouteTable& routes() const { return routes_; }

 private:
  // Runs `work` every `interval_ms` on the calling thread until Stop().
  void RunEvery(int interval_ms, const std::function<void()>& work);
  // Follows `current`; logs a failure once per distinct error (*last_error remembers it).
  void ReloadIndex(std::string* last_error);
  void CloseIdleConversations();
  // Counts a finished reindex job in metrics_ (the Reindexer's on_finish).
  void RecordReindex(const ReindexJob& job);
  // Deletes the conversations past options_.retention_days once, and logs what went.
  void PurgeExpired();

  KnowledgeBase& kb_;
  const ServerOptions options_;
  Metrics metrics_;  // before http_: its handlers refer to these
  RateLimiter rate_limiter_;
  Reindexer reindexer_;  // before http_: a running job is waited for after the server stops
  std::unique_ptr<Store> store_;             // before http_: its handlers use it
  std::unique_ptr<HandoffWebhook> webhook_;  // before chat_, which wakes it; nullptr when off
  std::unique_ptr<ChatService> chat_;        // nullptr without db_path
  RouteTable routes_;
  BacklogServer http_;
  int port_ = -1;

  std::thread listen_thread_;
  std::atomic<bool> listen_returned_{false};
  std::thread reload_thread_;
  std::thread housekeeping_thread_;
  std::thread retention_thread_;

  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool started_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
};

// Installs what every kefu HTTP server has around its routes: a request id per request
// (X-Request-Id response header, also in error bodies) and the start of its access record, an
// exception handler that answers 500 with a JSON error and never the exception text, JSON bodies
// for errors the library produces itself (404 unknown route, 405 known route with the wrong method,
// 413 body too large, 414, 400), and the CORS policy: Access-Control-Allow-Origin echoed for
// `cors_origins` only, OPTIONS preflight on known paths answered 204. Server calls it; tests call
// it on a bare httplib::Server to exercise it. `routes` must outlive `http`.
void InstallCommonHandlers(httplib::Server& http, const RouteTable& routes,
                           size_t payload_max_bytes,
                           const std::vector<std::string>& cors_origins = {});

// A new request id: a per-process random prefix and a counter, e.g. "3f9a1c07-0000002a".
std::string NewRequestId();

}  // namespace kefu::server
