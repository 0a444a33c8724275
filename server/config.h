// ServerConfig: everything kefu-server can be told, with its default, and how it is read:
// defaults < `--config FILE` (YAML) < KEFU_* environment < flags. Each setting has one name in
// every source: flag `--foo-bar` = file key `foo_bar` = variable `KEFU_FOO_BAR`. All sources fill
// the same struct and go through the same Validate(); every problem is reported, none stops the
// parse.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kb/log.h"

namespace kefu::server {

struct ServerConfig {
  // Directory holding `current` -> gen-N/, built by kefu-indexer. Setting `index`. Default:
  // "var/index".
  std::string index_dir = "var/index";
  // SQLite file for conversations, hand-offs and feedback; its directory is created when
  // missing. Setting `db`. Default: "var/kefu.db".
  std::string db_path = "var/kefu.db";
  // Address to listen on; port 0 picks a free port. Setting `listen` HOST:PORT ([V6]:PORT for
  // IPv6). Default: "127.0.0.1", 8080.
  std::string host = "127.0.0.1";
  int port = 8080;
  // Content directory for reindexing from the server (admin route, production issue). Setting
  // `content`. Default: "content".
  std::string content_dir = "content";
  // Threshold of the stderr log. Setting `log_level` debug|info|warn|error. Default: info.
  LogLevel log_level = LogLevel::kInfo;
  // Worker threads serving requests; each keep-alive connection holds one while it is open.
  // Setting `threads`. Default: 32 (cpp-httplib's own default of 8 queues clients behind idle
  // connections).
  int threads = 32;
  // Requests per second each client may make to the public routes, refilled continuously; 0 turns
  // rate limiting off (load tests, benchmarks). Setting `rate_limit`. Default: 20.
  double rate_limit = 20;
  // Requests a client may make at once before the per-second rate applies. Setting `rate_burst`.
  // Default: 40.
  int rate_burst = 40;
  // Peer addresses of reverse proxies whose X-Forwarded-For names the client (its first
  // address); exact IPs, comma-separated. Setting `trusted_proxies`. Default: none.
  std::vector<std::string> trusted_proxies;
  // Origins (scheme://host[:port]) allowed to call the API from a browser; comma-separated.
  // Setting `cors_origins`. Default: none (no CORS headers at all).
  std::vector<std::string> cors_origins;
  // Pending-connection queue of the listening socket (the kernel caps it at
  // net.core.somaxconn). Setting `listen_backlog`. Default: 1024 (cpp-httplib's 5 drops SYNs
  // under bursts).
  int listen_backlog = 1024;
  // Agents' bearer tokens, "name:token,name:token"; the name is recorded on what the agent does.
  // Setting `agent_tokens` (secret). Default: none (agent routes answer 503).
  std::string agent_tokens;
  // The admin bearer token (also accepted on agent routes). Setting `admin_token` (secret).
  // Default: none (admin routes answer 503).
  std::string admin_token;
  // The token a site's backend sends in X-Kefu-Integration-Token so that POST /api/v1/chat
  // trusts its customer.id and customer.tier. Setting `integration_token` (secret). Default: none
  // (those fields are always ignored).
  std::string integration_token;
  // Hand-off queues by entry category, "category=team,category=team"; unmapped categories go to
  // "general". Setting `teams`. Default: none.
  std::string teams;
  // When agents are at work: "always", or like "Mon-Fri 09:00-18:00 +08:00" (days, local hours,
  // UTC offset). Out of hours the hand-off message promises the next opening, or an e-mail reply.
  // Setting `business_hours`. Default: "always".
  std::string business_hours = "always";
  // Out of hours, with the customer's e-mail known: "we reply by e-mail within N hours". Setting
  // `email_reply_hours`. Default: 48.
  int email_reply_hours = 48;
  // Minutes without a message after which a conversation closes itself and asks for a rating
  // (not while it waits for an agent); 0 never. Setting `idle_close_minutes`. Default: 10.
  int idle_close_minutes = 10;
  // The hand-off webhook (docs/OPERATIONS.md): each new hand-off is POSTed to this
  // http(s)://HOST[:PORT]/PATH with its transcript. Setting `handoff_webhook_url`. Default: none
  // (off).
  std::string handoff_webhook_url;
  // Key of the body's HMAC-SHA256 in X-Kefu-Signature. Setting `handoff_webhook_secret` (secret).
  // Default: none (unsigned).
  std::string handoff_webhook_secret;
  // Attempts per hand-off before giving up, 1..100. Setting `handoff_webhook_attempts`. Default: 12.
  int handoff_webhook_attempts = 12;
  // Back-off after the first failed attempt, doubling up to the maximum, in milliseconds (at most
  // a day). Settings `handoff_webhook_backoff_ms`, `handoff_webhook_backoff_max_ms`. Default:
  // 1000 and 300000.
  int handoff_webhook_backoff_ms = 1000;
  int handoff_webhook_backoff_max_ms = 300000;
  // Limit on connecting, sending and receiving per attempt, 100..600000 ms. Setting
  // `handoff_webhook_timeout_ms`. Default: 10000.
  int handoff_webhook_timeout_ms = 10000;
  // Conversations not updated for this many days are deleted with everything recorded from them,
  // at start and then hourly; 0 keeps them forever. Setting `retention_days`. Default: 180.
  int retention_days = 180;
};

// Environment variables by name; main() passes the process environment, tests their own.
using Environment = std::map<std::string, std::string>;

// The outcome of reading the configuration: the config, the command, whether --help was asked,
// and every problem found.
struct CommandLine {
  ServerConfig config;
  // "" serves; "backup" copies the database `db` to `backup_file` (`kefu-server backup FILE`).
  std::string command;
  std::string backup_file;
  bool help = false;
  std::string config_file;          // --config / KEFU_CONFIG, "" when none
  std::vector<std::string> errors;  // one plain message per problem, all of them
};

// Reads `--config FILE` (or KEFU_CONFIG), then the KEFU_* variables of `env`, then `args` (argv
// without the program name) over the defaults, and validates the result. Flags are `--flag
// VALUE` or `--flag=VALUE`; the only words besides flags are `backup FILE`. KEFU_* variables that name no setting are ignored (other tools share
// the prefix); unknown file keys and flags are errors.
CommandLine ParseCommandLine(const std::vector<std::string>& args, const Environment& env = {});

// Every problem with `config`, empty when it is usable.
std::vector<std::string> Validate(const ServerConfig& config);

// Parses "HOST:PORT" or "[V6]:PORT"; false (and `error` set) when malformed or the port is not
// 0..65535.
bool ParseListenAddress(std::string_view text, std::string* host, int* port, std::string* error);

// "127.0.0.1:8080", "[::1]:8080": the authority part of a URL for `host` and `port`.
std::string FormatHostPort(std::string_view host, int port);

// True for settings whose value must never be logged: names containing token, secret or password.
bool IsSecretSetting(std::string_view name);

// The effective configuration as `name=value` pairs in setting order, secrets shown as "***":
// what the server logs once at start.
std::string FormatEffectiveConfig(const ServerConfig& config);

// The --help text: every setting with its flag, file key, variable and default.
std::string Usage();

}  // namespace kefu::server
