// Server lifecycle, limits and safety nets around the routes.
#include "server/server.h"

#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <random>
#include <utility>
#include <vector>

#include "kb/log.h"
#include "server/access_log.h"
#include "server/http_errors.h"

namespace kefu::server {
namespace {

using httplib::Request;
using httplib::Response;
using HandlerResponse = httplib::Server::HandlerResponse;

constexpr auto kStartTimeout = std::chrono::seconds(10);
// Free memory goes back to the system at most this often (the reload loop does it).
constexpr auto kMemoryTrimInterval = std::chrono::seconds(10);

void EnsureRequestId(Response& res) {
  if (!res.has_header(kRequestIdHeader)) res.set_header(kRequestIdHeader, NewRequestId());
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// JSON body for a status the library set itself (no handler ran, or none matched).
void SetLibraryError(const Request& req, Response& res, const RouteTable& routes,
                     size_t payload_max_bytes) {
  // A known path with a method it does not serve: the library says 404 (or 400 for a method it does
  // not know, or a POST without a length); 405 with Allow says what is wrong.
  if (res.status == 404 || res.status == 400) {
    const std::vector<std::string> allowed = routes.MethodsFor(req.path);
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), req.method) == allowed.end()) {
      const std::string allow = Join(allowed, ", ");
      res.set_header("Allow", allow);
      return SetError(res, 405, "method_not_allowed",
                      req.method + " is not allowed on " + req.path + "; allowed: " + allow);
    }
  }
  switch (res.status) {
    case 404:
      return SetError(res, 404, StatusCodeName(StatusCode::kNotFound), "no route " + req.path);
    case 413: {
      std::string message = "request body larger than ";
      message += std::to_string(payload_max_bytes);
      message += " bytes";
      return SetError(res, 413, StatusCodeName(StatusCode::kResourceExhausted), message);
    }
    case 414:
      return SetError(res, 414, StatusCodeName(StatusCode::kResourceExhausted),
                      "request URI too long");
    default:
      if (res.status >= 500) return SetInternalError(res, res.status);
      return SetError(res, res.status, StatusCodeName(StatusCode::kInvalidArgument),
                      "malformed request");
  }
}

constexpr char kCorsAllowHeaders[] = "Content-Type, Authorization";
constexpr char kCorsExposeHeaders[] = "X-Request-Id, Retry-After";
constexpr char kCorsMaxAgeSeconds[] = "600";

bool IsAllowedOrigin(const std::vector<std::string>& allowed, const std::string& origin) {
  return !origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
}

// Access-Control-Allow-Origin for an allowed Origin. Vary: Origin whenever the answer depends on
// it, so that a shared cache never serves one origin's permission to another.
void SetCorsHeaders(const std::vector<std::string>& allowed, const Request& req, Response& res) {
  if (allowed.empty()) return;
  if (!res.has_header("Vary")) res.set_header("Vary", "Origin");
  const std::string origin = req.get_header_value("Origin");
  if (!IsAllowedOrigin(allowed, origin) || res.has_header("Access-Control-Allow-Origin")) return;
  res.set_header("Access-Control-Allow-Origin", origin);
  res.set_header("Access-Control-Expose-Headers", kCorsExposeHeaders);
}

}  // namespace

bool BacklogServer::SetListenBacklog(int backlog) {
  const socket_t sock = svr_sock_;
  if (sock == INVALID_SOCKET) {
    errno = EBADF;
    return false;
  }
  return ::listen(sock, backlog) == 0;
}

int BacklogServer::ListenBacklog() const {
  const socket_t sock = svr_sock_;
  if (sock == INVALID_SOCKET) return -1;
  // For a listening socket Linux reports the accept queue's limit in tcpi_sacked.
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -1;
  return static_cast<int>(info.tcpi_sacked);
}

std::string NewRequestId() {
  static const uint32_t prefix = [] {
    std::random_device rd;
    return static_cast<uint32_t>(rd());
  }();
  static std::atomic<uint64_t> counter{0};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08" PRIx32 "-%08" PRIx64, prefix, ++counter);
  return buf;
}

void InstallCommonHandlers(httplib::Server& http, const RouteTable& routes,
                           size_t payload_max_bytes, const std::vector<std::string>& cors_origins) {
  // Runs before routing (and before a body is read), so every routed request has its id and its
  // access record from the start.
  http.set_pre_routing_handler([&routes, cors_origins](const Request& req, Response& res) {
    BeginRequest(std::chrono::steady_clock::now());
    EnsureRequestId(res);
    if (req.method != "OPTIONS" || cors_origins.empty()) return HandlerResponse::Unhandled;
    // CORS preflight on a known path; unknown paths fall through to the 404.
    const std::vector<std::string> methods = routes.MethodsFor(req.path);
    if (methods.empty()) return HandlerResponse::Unhandled;
    NoteRoute(kPreflightRoute);
    const std::string allow = Join(methods, ", ") + ", OPTIONS";
    res.status = 204;
    res.set_header("Allow", allow);
    if (IsAllowedOrigin(cors_origins, req.get_header_value("Origin"))) {
      res.set_header("Access-Control-Allow-Methods", allow);
      res.set_header("Access-Control-Allow-Headers", kCorsAllowHeaders);
      res.set_header("Access-Control-Max-Age", kCorsMaxAgeSeconds);
    }
    return HandlerResponse::Handled;
  });

  // Runs for every response before it is written, errors included.
  http.set_post_routing_handler([cors_origins](const Request& req, Response& res) {
    SetCorsHeaders(cors_origins, req, res);
  });

  // The last safety net: whatever a handler throws becomes a 500 JSON error. Without this handler
  // the library would put the exception text into a response header.
  http.set_exception_handler([](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    EnsureRequestId(res);
    const std::string request_id = RequestIdOf(res);
    KEFU_LOG(kError, "http") << "unhandled exception request_id=" << request_id
                             << " method=" << req.method << " what=" << what;
    res.headers.clear();
    res.body.clear();
    res.set_header(kRequestIdHeader, request_id);
    SetInternalError(res);
  });

  // Called for every response with status >= 400. Ours already carry a JSON body; the library's own
  // (unknown route, bad request line, body too large) get one here.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&routes, payload_max_bytes](const Request& req, Response& res) {
        EnsureRequestId(res);
        if (res.body.empty()) SetLibraryError(req, res, routes, payload_max_bytes);
        return HandlerResponse::Handled;
      }));
}

ServerOptions MakeServerOptions(const ServerConfig& config) {
  ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.threads = config.threads;
  options.rate_limit_per_second = config.rate_limit;
  options.rate_burst = config.rate_burst;
  options.trusted_proxies = config.trusted_proxies;
  options.cors_origins = config.cors_origins;
  options.listen_backlog = config.listen_backlog;
  options.auth.admin_token = config.admin_token;
  options.content_dir = config.content_dir;
  options.index_dir = config.index_dir;
  options.db_path = config.db_path;
  options.integration_token = config.integration_token;
  options.handoff_webhook.url = config.handoff_webhook_url;
  options.handoff_webhook.secret = config.handoff_webhook_secret;
  options.handoff_webhook.max_attempts = config.handoff_webhook_attempts;
  options.handoff_webhook.backoff_base_ms = config.handoff_webhook_backoff_ms;
  options.handoff_webhook.backoff_max_ms = config.handoff_webhook_backoff_max_ms;
  options.handoff_webhook.timeout_ms = config.handoff_webhook_timeout_ms;
  options.retention_days = config.retention_days;
  if (auto teams = ParseTeamMap(config.teams); teams.ok()) options.chat.teams = *teams;
  if (auto hours = ParseBusinessHours(config.business_hours); hours.ok()) {
    options.chat.hours = *hours;
  }
  options.chat.email_reply_hours = config.email_reply_hours;
  options.chat.idle_close_ms = int64_t{config.idle_close_minutes} * 60 * 1000;
  if (auto tokens = ParseAgentTokens(config.agent_tokens); tokens.ok()) options.auth.agent_tokens = *tokens;
  return options;
}

Server::Server(KnowledgeBase& kb, ServerOptions options)
    : kb_(kb),
      options_(std::move(options)),
      rate_limiter_(RateLimiterOptions{.per_second = options_.rate_limit_per_second,
                                       .burst = options_.rate_burst,
                                       .max_clients = options_.rate_limit_max_clients}),
      reindexer_(&kb_, ReindexOptions{.content_dir = options_.content_dir,
                                      .index_dir = options_.index_dir,
                                      .on_finish = [this](const ReindexJob& job) {
                                        RecordReindex(job);
                                      }}) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return Status::FailedPrecondition("server already started");
    started_ = true;
  }
  const size_t threads = static_cast<size_t>(options_.threads > 0 ? options_.threads : 1);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_.set_keep_alive_max_count(options_.keep_alive_max_count);
  http_.set_keep_alive_timeout(options_.keep_alive_timeout_sec);
  http_.set_read_timeout(options_.read_timeout_sec, 0);
  http_.set_write_timeout(options_.write_timeout_sec, 0);
  http_.set_payload_max_length(options_.payload_max_bytes);
  http_.set_tcp_nodelay(true);
  // The library's default also sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently share its traffic; a port in use must be an error instead.
  http_.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  if (!options_.db_path.empty()) {
    Result<std::unique_ptr<Store>> store = Store::Open(StoreOptions{.path = options_.db_path});
    if (!store.ok()) return store.status();
    store_ = std::move(store).value();
    ChatOptions chat = options_.chat;
    if (!options_.handoff_webhook.url.empty()) {
      webhook_ = std::make_unique<HandoffWebhook>(*store_, options_.handoff_webhook);
      // Delivers what an earlier run left pending, too.
      KEFU_RETURN_IF_ERROR(webhook_->Start());
      chat.queue_handoff_webhook = true;
      chat.on_handoff = [webhook = webhook_.get()] { webhook->Wake(); };
    }
    chat_ = std::make_unique<ChatService>(kb_, *store_, std::move(chat));
    // Before serving: data past its retention is never shown again once the server is up.
    if (options_.retention_days > 0) PurgeExpired();
  }
  routes_ = RegisterRoutes(http_, RouteContext{.kb = &kb_,
                                               .metrics = &metrics_,
                                               .rate_limiter = &rate_limiter_,
                                               .trusted_proxies = options_.trusted_proxies,
                                               .auth = &options_.auth,
                                               .reindexer = &reindexer_,
                                               .chat = chat_.get(),
                                               .store = store_.get(),
                                               .integration_token = options_.integration_token});
  InstallCommonHandlers(http_, routes_, options_.payload_max_bytes, options_.cors_origins);
  // Called after each response is written, on the worker that served it.
  http_.set_logger([this](const Request& req, const Response& res) {
    const AccessRecord record = EndRequest(req, res, std::chrono::steady_clock::now());
    metrics_.RecordRequest(record.route, record.status, record.latency_ms / 1000);
    if (!record.decision.empty()) metrics_.RecordChatReply(record.decision, record.reason);
    LogRaw(LogLevel::kInfo, FormatAccessRecord(record));
  });

  errno = 0;
  if (options_.port == 0) {
    port_ = http_.bind_to_any_port(options_.host);
  } else {
    port_ = http_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ < 0) {
    const int err = errno;
    return Status::Unavailable("cannot listen on " + FormatHostPort(options_.host, options_.port) +
                               (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
  if (!http_.SetListenBacklog(options_.listen_backlog)) {
    // Still serviceable with the library's backlog of 5; bursts may see dropped SYNs.
    KEFU_LOG(kWarn, "server") << "cannot raise the listen backlog backlog="
                              << options_.listen_backlog << " error=" << std::strerror(errno);
  }

  listen_thread_ = std::thread([this] {
    if (!http_.listen_after_bind()) {
      KEFU_LOG(kError, "server") << "listen loop failed";
    }
    listen_returned_ = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!http_.is_running()) {
    if (listen_returned_ || std::chrono::steady_clock::now() > deadline) {
      Stop();
      return Status::Unavailable("server on " + FormatHostPort(options_.host, port_) +
                                 " did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  if (options_.reload_interval_ms > 0) {
    reload_thread_ = std::thread([this] {
      std::string last_error;
      auto last_trim = std::chrono::steady_clock::now();
      RunEvery(options_.reload_interval_ms, [&] {
        ReloadIndex(&last_error);
        // What searches free stays in glibc's per-thread arenas, so with many workers the resident
        // size keeps the peak of every arena (measured: 364 MB after a 64-connection run at 10k
        // entries, of 40 MB at start); handing free pages back keeps it near what is in use.
        if (auto now = std::chrono::steady_clock::now(); now - last_trim >= kMemoryTrimInterval) {
          malloc_trim(0);
          last_trim = now;
        }
      });
    });
  }
  if (chat_ != nullptr && options_.housekeeping_interval_ms > 0) {
    housekeeping_thread_ = std::thread(
        [this] { RunEvery(options_.housekeeping_interval_ms, [this] { CloseIdleConversations(); }); });
  }
  if (chat_ != nullptr && options_.retention_days > 0 && options_.retention_interval_ms > 0) {
    retention_thread_ = std::thread(
        [this] { RunEvery(options_.retention_interval_ms, [this] { PurgeExpired(); }); });
  }
  KEFU_LOG(kInfo, "server") << "serving address=" << FormatHostPort(options_.host, port_)
                            << " threads=" << threads << " backlog=" << http_.ListenBacklog()
                            << " rate_limit=" << options_.rate_limit_per_second
                            << " generation=" << kb_.generation()
                            << " entries=" << kb_.entry_count();
  return Status::Ok();
}

void Server::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  KEFU_LOG(kInfo, "server") << "draining: no new connections, finishing requests in flight";
  // Closes the listening socket; the listen loop then shuts the pool down, which lets the workers
  // finish the requests in flight.
  http_.stop();
  const bool was_listening = listen_thread_.joinable();
  if (listen_thread_.joinable()) listen_thread_.join();
  if (reload_thread_.joinable()) reload_thread_.join();
  if (housekeeping_thread_.joinable()) housekeeping_thread_.join();
  // After the workers: a hand-off accepted while draining is in the outbox before the sender stops.
  if (webhook_) webhook_->Stop();
  if (retention_thread_.joinable()) retention_thread_.join();
  if (was_listening) {
    KEFU_LOG(kInfo, "server") << "stopped";
  }
}

void Server::RunEvery(int interval_ms, const std::function<void()>& work) {
  const auto interval = std::chrono::milliseconds(interval_ms);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    work();
    lock.lock();
  }
}

void Server::ReloadIndex(std::string* last_error) {
  Status status = kb_.Reload();
  if (!status.ok() && status.ToString() != *last_error) {
    // The old generation keeps serving; say so once per distinct problem, not every second.
    KEFU_LOG(kWarn, "server") << "index reload failed, still serving generation="
                              << kb_.generation() << " error=" << status.ToString();
  }
  *last_error = status.ok() ? std::string() : status.ToString();
}

void Server::CloseIdleConversations() {
  if (Result<int> closed = chat_->CloseIdleConversations(); !closed.ok()) {
    KEFU_LOG(kWarn, "server") << "closing idle conversations failed error="
                              << closed.status().ToString();
  } else if (*closed > 0) {
    KEFU_LOG(kDebug, "server") << "closed idle conversations count=" << *closed;
  }
}

void Server::RecordReindex(const ReindexJob& job) {
  const double seconds = job.started && job.finished
                             ? std::chrono::duration<double>(*job.finished - *job.started).count()
                             : 0;
  metrics_.RecordReindex(ReindexStateName(job.state), seconds);
}

void Server::PurgeExpired() {
  constexpr int64_t kMsPerDay = 24 * 60 * 60 * 1000;
  const int64_t cutoff_ms = chat_->NowMs() - options_.retention_days * kMsPerDay;
  Result<DeletedCounts> deleted = store_->DeleteConversationsUpdatedBefore(cutoff_ms);
  if (!deleted.ok()) {
    // Tried again at the next interval.
    KEFU_LOG(kWarn, "retention") << "purge failed error=" << deleted.status().ToString();
    return;
  }
  if (deleted->conversations == 0) return;
  KEFU_LOG(kInfo, "retention") << "purged older_than_days=" << options_.retention_days
                               << " conversations=" << deleted->conversations
                               << " turns=" << deleted->turns << " handoffs=" << deleted->handoffs
                               << " feedback=" << deleted->feedback
                               << " suggestions=" << deleted->suggestions;
}

}  // namespace kefu::server
