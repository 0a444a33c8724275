// Reading the configuration: defaults < YAML file < KEFU_* environment < flags, through one table
// of settings; every problem is collected, none stops the parse.
#include "server/config.h"

#include "server/auth.h"
#include "server/webhook.h"
#include "kb/answer/dialog.h"
#include "server/business_hours.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <utility>

namespace kefu::server {
namespace {

constexpr int kMaxThreads = 1024;
constexpr int kMaxBacklog = 65535;
constexpr int kMaxWebhookAttempts = 100;
constexpr int kMaxWebhookBackoffMs = 24 * 60 * 60 * 1000;
constexpr int kMinWebhookTimeoutMs = 100;
constexpr int kMaxWebhookTimeoutMs = 600000;
constexpr int kMaxRetentionDays = 36500;  // a hundred years: beyond, say 0 (forever)
constexpr char kMask[] = "***";

// Joins message parts. (Also sidesteps g++ 12's false -Wrestrict on `"literal" +
// std::string(...)`.)
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

bool ParseInt(std::string_view text, int* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

bool ParseDouble(std::string_view text, double* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && std::isfinite(*value);
}

std::string_view Trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// "a, b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Adds "FLAG must be in MIN..MAX" to `problems` unless `value` is.
void CheckRange(std::string_view flag, int value, int min, int max,
                std::vector<std::string>* problems) {
  if (value >= min && value <= max) return;
  problems->push_back(
      Cat({flag, " must be in ", std::to_string(min), "..", std::to_string(max)}));
}

// "https://desk.example.com/***" for "https://desk.example.com/hooks/T0/XyZ?key=1"; "" for "".
std::string LoggableUrl(const std::string& url) {
  if (url.empty()) return url;
  Result<WebhookUrl> parsed = ParseWebhookUrl(url);
  if (!parsed.ok()) return kMask;
  return parsed->scheme_host_port + (parsed->path == "/" ? "" : "/***");
}

// One setting: its snake_case name (the file key; the flag and variable derive from it), how to
// apply a text value (returning a problem or ""), and how to show the current value.
struct Setting {
  std::string_view name;
  std::string_view value_name;  // in --help: DIR, N, ...
  std::string_view help;
  std::function<std::string(std::string_view value, ServerConfig& config)> apply;
  std::function<std::string(const ServerConfig& config)> show;
};

std::function<std::string(std::string_view, ServerConfig&)> IntSetting(int ServerConfig::*field) {
  return [field](std::string_view v, ServerConfig& c) {
    if (!ParseInt(v, &(c.*field))) return Cat({"'", v, "' is not an integer"});
    return std::string();
  };
}

// The table, in --help order.
const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"index", "DIR", "index directory built by kefu-indexer",
       [](std::string_view v, ServerConfig& c) {
         c.index_dir = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.index_dir; }},
      {"db", "FILE", "SQLite database for conversations",
       [](std::string_view v, ServerConfig& c) {
         c.db_path = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.db_path; }},
      {"listen", "HOST:PORT", "address to listen on; port 0 picks a free port",
       [](std::string_view v, ServerConfig& c) {
         std::string error;
         ParseListenAddress(v, &c.host, &c.port, &error);
         return error;
       },
       [](const ServerConfig& c) { return FormatHostPort(c.host, c.port); }},
      {"content", "DIR", "content directory, for reindexing",
       [](std::string_view v, ServerConfig& c) {
         c.content_dir = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.content_dir; }},
      {"log_level", "LEVEL", "debug, info, warn or error",
       [](std::string_view v, ServerConfig& c) {
         if (!ParseLogLevel(v, &c.log_level)) {
           return Cat({"'", v, "' is not one of debug, info, warn, error"});
         }
         return std::string();
       },
       [](const ServerConfig& c) { return std::string(LogLevelName(c.log_level)); }},
      {"threads", "N", "worker threads; each open keep-alive connection holds one",
       IntSetting(&ServerConfig::threads),
       [](const ServerConfig& c) { return std::to_string(c.threads); }},
      {"rate_limit", "PER_SECOND",
       "requests per second per client on public routes; 0 turns rate limiting off",
       [](std::string_view v, ServerConfig& c) {
         if (!ParseDouble(v, &c.rate_limit)) return Cat({"'", v, "' is not a number"});
         return std::string();
       },
       [](const ServerConfig& c) { return FormatNumber(c.rate_limit); }},
      {"rate_burst", "N", "requests a client may make at once before the rate applies",
       IntSetting(&ServerConfig::rate_burst),
       [](const ServerConfig& c) { return std::to_string(c.rate_burst); }},
      {"trusted_proxies", "IP,IP",
       "reverse proxies whose X-Forwarded-For (first address) names the client",
       [](std::string_view v, ServerConfig& c) {
         c.trusted_proxies = SplitList(v);
         return std::string();
       },
       [](const ServerConfig& c) { return JoinList(c.trusted_proxies); }},
      {"agent_tokens", "NAME:TOKEN,...", "agents' bearer tokens (secret)",
       [](std::string_view v, ServerConfig& c) {
         c.agent_tokens = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.agent_tokens; }},
      {"admin_token", "TOKEN", "the admin bearer token (secret)",
       [](std::string_view v, ServerConfig& c) {
         c.admin_token = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.admin_token; }},
      {"integration_token", "TOKEN",
       "lets a site backend set customer.id and customer.tier on chat (secret)",
       [](std::string_view v, ServerConfig& c) {
         c.integration_token = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.integration_token; }},
      {"teams", "CATEGORY=TEAM,...", "hand-off queue per entry category (others: general)",
       [](std::string_view v, ServerConfig& c) {
         c.teams = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.teams; }},
      {"business_hours", "DAYS HH:MM-HH:MM [+HH:MM]",
       "agents' hours, e.g. 'Mon-Fri 09:00-18:00 +08:00', or always",
       [](std::string_view v, ServerConfig& c) {
         c.business_hours = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.business_hours; }},
      {"email_reply_hours", "N", "out of hours: the e-mail reply promised within N hours",
       IntSetting(&ServerConfig::email_reply_hours),
       [](const ServerConfig& c) { return std::to_string(c.email_reply_hours); }},
      {"idle_close_minutes", "N",
       "close a conversation idle this long and ask for a rating; 0 never",
       IntSetting(&ServerConfig::idle_close_minutes),
       [](const ServerConfig& c) { return std::to_string(c.idle_close_minutes); }},
      {"cors_origins", "ORIGIN,ORIGIN",
       "browser origins allowed to call the API, e.g. https://shop.example.com",
       [](std::string_view v, ServerConfig& c) {
         c.cors_origins = SplitList(v);
         return std::string();
       },
       [](const ServerConfig& c) { return JoinList(c.cors_origins); }},
      {"listen_backlog", "N", "pending-connection queue of the listening socket",
       IntSetting(&ServerConfig::listen_backlog),
       [](const ServerConfig& c) { return std::to_string(c.listen_backlog); }},
      {"handoff_webhook_url", "URL",
       "POST each new hand-off with its transcript to http(s)://HOST[:PORT]/PATH",
       [](std::string_view v, ServerConfig& c) {
         c.handoff_webhook_url = v;
         return std::string();
       },
       // Only the origin: help desks often put a key in the path or query.
       [](const ServerConfig& c) { return LoggableUrl(c.handoff_webhook_url); }},
      {"handoff_webhook_secret", "KEY",
       "signs the webhook body: X-Kefu-Signature: sha256=HMAC-SHA256 (secret)",
       [](std::string_view v, ServerConfig& c) {
         c.handoff_webhook_secret = v;
         return std::string();
       },
       [](const ServerConfig& c) { return c.handoff_webhook_secret; }},
      {"handoff_webhook_attempts", "N", "webhook attempts per hand-off before giving up",
       IntSetting(&ServerConfig::handoff_webhook_attempts),
       [](const ServerConfig& c) { return std::to_string(c.handoff_webhook_attempts); }},
      {"handoff_webhook_backoff_ms", "MS", "wait after the first failed attempt; doubles each time",
       IntSetting(&ServerConfig::handoff_webhook_backoff_ms),
       [](const ServerConfig& c) { return std::to_string(c.handoff_webhook_backoff_ms); }},
      {"handoff_webhook_backoff_max_ms", "MS", "longest wait between webhook attempts",
       IntSetting(&ServerConfig::handoff_webhook_backoff_max_ms),
       [](const ServerConfig& c) { return std::to_string(c.handoff_webhook_backoff_max_ms); }},
      {"handoff_webhook_timeout_ms", "MS", "limit on connecting, sending and receiving per attempt",
       IntSetting(&ServerConfig::handoff_webhook_timeout_ms),
       [](const ServerConfig& c) { return std::to_string(c.handoff_webhook_timeout_ms); }},
      {"retention_days", "DAYS",
       "delete conversations not updated for this many days (hourly); 0 keeps them forever",
       IntSetting(&ServerConfig::retention_days),
       [](const ServerConfig& c) { return std::to_string(c.retention_days); }},
  };
  return settings;
}

std::string FlagName(std::string_view name) {
  std::string flag = "--";
  for (char c : name) flag += c == '_' ? '-' : c;
  return flag;
}

std::string EnvName(std::string_view name) {
  std::string env = "KEFU_";
  for (char c : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

const Setting* FindSetting(std::string_view name) {
  for (const Setting& s : Settings()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Setting* FindFlag(std::string_view flag) {
  for (const Setting& s : Settings()) {
    if (FlagName(s.name) == flag) return &s;
  }
  return nullptr;
}

void Apply(const Setting& setting, std::string_view value, std::string_view source,
           CommandLine* out) {
  if (std::string error = setting.apply(value, out->config); !error.empty()) {
    out->errors.push_back(Cat({source, ": ", error}));
  }
}

// The YAML file: a map of setting names to scalars (or, for lists, sequences of scalars).
void ApplyFile(const std::string& path, CommandLine* out) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    out->errors.push_back(Cat({path, ": cannot read: ", e.what()}));
    return;
  }
  if (root.IsNull()) return;  // an empty file
  if (!root.IsMap()) {
    out->errors.push_back(Cat({path, ": not a map of setting: value"}));
    return;
  }
  for (const auto& item : root) {
    const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
    const std::string source = Cat({path, ": ", key});
    const Setting* setting = FindSetting(key);
    if (setting == nullptr) {
      out->errors.push_back(Cat({source, ": unknown setting (see kefu-server --help)"}));
      continue;
    }
    const YAML::Node& value = item.second;
    if (value.IsScalar() || value.IsNull()) {
      Apply(*setting, value.IsNull() ? "" : value.Scalar(), source, out);
    } else if (value.IsSequence()) {
      std::vector<std::string> items;
      bool scalars = true;
      for (const YAML::Node& v : value) {
        scalars = scalars && v.IsScalar();
        if (v.IsScalar()) items.push_back(v.Scalar());
      }
      if (!scalars) {
        out->errors.push_back(Cat({source, ": a list may only hold plain values"}));
        continue;
      }
      Apply(*setting, JoinList(items), source, out);
    } else {
      out->errors.push_back(Cat({source, ": expected a value or a list"}));
    }
  }
}

}  // namespace

CommandLine ParseCommandLine(const std::vector<std::string>& args, const Environment& env) {
  CommandLine out;
  // The flags are read first, in order, and applied last: the file they may name and the
  // environment come before them. A flag either carries a value or a problem.
  struct Flag {
    const Setting* setting = nullptr;
    std::string name;
    std::string value;
    std::string error;
  };
  std::vector<Flag> flags;
  if (auto it = env.find("KEFU_CONFIG"); it != env.end()) out.config_file = it->second;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      if (out.command.empty() && arg == "backup") {
        out.command = arg;
      } else if (out.command == "backup" && out.backup_file.empty()) {
        out.backup_file = arg;
      } else {
        flags.push_back({.error = Cat({"unexpected argument '", arg, "'"})});
      }
      continue;
    }
    std::string_view name = arg;
    std::string_view value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Setting* setting = FindFlag(name);
    if (setting == nullptr && name != "--config") {
      flags.push_back({.error = Cat({"unknown flag '", name, "'"})});
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        flags.push_back({.error = Cat({name, " needs a value"})});
        continue;
      }
      value = args[++i];
    }
    if (setting == nullptr) {
      out.config_file = value;
    } else {
      flags.push_back({.setting = setting, .name = std::string(name), .value = std::string(value)});
    }
  }

  if (out.command == "backup" && out.backup_file.empty()) {
    out.errors.push_back("backup needs the FILE to write the copy to");
  }
  if (!out.config_file.empty()) ApplyFile(out.config_file, &out);
  for (const Setting& setting : Settings()) {
    const std::string name = EnvName(setting.name);
    if (auto it = env.find(name); it != env.end()) Apply(setting, it->second, name, &out);
  }
  for (const Flag& flag : flags) {
    if (flag.setting == nullptr) {
      out.errors.push_back(flag.error);
    } else {
      Apply(*flag.setting, flag.value, flag.name, &out);
    }
  }
  for (std::string& problem : Validate(out.config)) out.errors.push_back(std::move(problem));
  return out;
}

std::vector<std::string> Validate(const ServerConfig& config) {
  std::vector<std::string> problems;
  if (config.index_dir.empty()) problems.push_back("--index must not be empty");
  if (config.db_path.empty()) problems.push_back("--db must not be empty");
  if (config.content_dir.empty()) problems.push_back("--content must not be empty");
  if (auto tokens = ParseAgentTokens(config.agent_tokens); !tokens.ok()) {
    problems.push_back("--agent-tokens: " + tokens.status().message());
  }
  if (auto teams = ParseTeamMap(config.teams); !teams.ok()) {
    problems.push_back("--teams: " + teams.status().message());
  }
  if (auto hours = ParseBusinessHours(config.business_hours); !hours.ok()) {
    problems.push_back("--business-hours: " + hours.status().message());
  }
  if (config.email_reply_hours < 1) problems.push_back("--email-reply-hours must be at least 1");
  if (config.idle_close_minutes < 0) {
    problems.push_back("--idle-close-minutes must not be negative");
  }
  if (config.host.empty()) problems.push_back("--listen: the host must not be empty");
  if (config.port < 0 || config.port > 65535) {
    problems.push_back("--listen: the port must be in 0..65535");
  }
  if (config.threads < 1 || config.threads > kMaxThreads) {
    problems.push_back(Cat({"--threads must be in 1..", std::to_string(kMaxThreads)}));
  }
  if (config.rate_limit < 0) problems.push_back("--rate-limit must not be negative");
  if (config.rate_limit > 0 && config.rate_burst < 1) {
    problems.push_back("--rate-burst must be at least 1 when rate limiting is on");
  }
  if (config.listen_backlog < 1 || config.listen_backlog > kMaxBacklog) {
    problems.push_back(Cat({"--listen-backlog must be in 1..", std::to_string(kMaxBacklog)}));
  }
  if (!config.handoff_webhook_url.empty()) {
    if (auto url = ParseWebhookUrl(config.handoff_webhook_url); !url.ok()) {
      problems.push_back("--handoff-webhook-url: " + url.status().message());
    }
  } else if (!config.handoff_webhook_secret.empty()) {
    problems.push_back("--handoff-webhook-secret is set but --handoff-webhook-url is not");
  }
  CheckRange("--handoff-webhook-attempts", config.handoff_webhook_attempts, 1,
             kMaxWebhookAttempts, &problems);
  CheckRange("--handoff-webhook-backoff-ms", config.handoff_webhook_backoff_ms, 1,
             kMaxWebhookBackoffMs, &problems);
  CheckRange("--handoff-webhook-backoff-max-ms", config.handoff_webhook_backoff_max_ms,
             std::max(config.handoff_webhook_backoff_ms, 1), kMaxWebhookBackoffMs, &problems);
  CheckRange("--handoff-webhook-timeout-ms", config.handoff_webhook_timeout_ms,
             kMinWebhookTimeoutMs, kMaxWebhookTimeoutMs, &problems);
  if (config.retention_days < 0 || config.retention_days > kMaxRetentionDays) {
    problems.push_back(Cat({"--retention-days must be in 0..", std::to_string(kMaxRetentionDays),
                            " (0 keeps conversations forever)"}));
  }
  for (const std::string& origin : config.cors_origins) {
    // An origin is what browsers send: scheme://host[:port], no path. "*" would defeat the list.
    const bool has_scheme = origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
    const size_t host_at = origin.find("://") + 3;
    if (!has_scheme || origin.size() <= host_at || origin.find('/', host_at) != std::string::npos) {
      problems.push_back(
          Cat({"--cors-origins: '", origin, "' is not an origin like https://shop.example.com"}));
    }
  }
  return problems;
}

bool ParseListenAddress(std::string_view text, std::string* host, int* port, std::string* error) {
  std::string_view host_part;
  std::string_view port_part;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = Cat({"'", text, "' is not [V6]:PORT"});
      return false;
    }
    host_part = text.substr(1, close - 1);
    port_part = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      *error = Cat({"'", text, "' is not HOST:PORT"});
      return false;
    }
    host_part = text.substr(0, colon);
    port_part = text.substr(colon + 1);
    if (host_part.find(':') != std::string_view::npos) {
      *error = Cat({"'", text, "': write an IPv6 address as [V6]:PORT"});
      return false;
    }
  }
  int parsed = 0;
  if (host_part.empty()) {
    *error = Cat({"'", text, "' has no host"});
    return false;
  }
  if (!ParseInt(port_part, &parsed) || parsed < 0 || parsed > 65535) {
    *error = Cat({"'", port_part, "' is not a port in 0..65535"});
    return false;
  }
  *host = host_part;
  *port = parsed;
  return true;
}

std::string FormatHostPort(std::string_view host, int port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

bool IsSecretSetting(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view word : {"token", "secret", "password"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string FormatEffectiveConfig(const ServerConfig& config) {
  std::string out;
  for (const Setting& s : Settings()) {
    if (!out.empty()) out += ' ';
    out += s.name;
    out += '=';
    out += IsSecretSetting(s.name) ? std::string(kMask) : s.show(config);
  }
  return out;
}

std::string Usage() {
  const ServerConfig defaults;
  std::ostringstream out;
  out << "usage: kefu-server [--config FILE] [--SETTING VALUE ...] [--help]\n"
      << "       kefu-server backup FILE [--config FILE] [--SETTING VALUE ...]\n\n"
      << "Serves the Kefu knowledge base over HTTP. Prints 'listening on http://HOST:PORT' when\n"
      << "ready and stops gracefully on SIGTERM or SIGINT.\n\n"
      << "'backup FILE' copies the database (setting db) to FILE with SQLite's online backup,\n"
      << "while a server keeps using it, and exits; FILE is replaced only by a whole copy.\n\n"
      << "Each setting is read from, lowest precedence first: its default, the YAML file given by\n"
      << "--config FILE (or KEFU_CONFIG), the environment, the command line. One name each way:\n"
      << "flag --foo-bar VALUE (or --foo-bar=VALUE) = file key foo_bar = variable KEFU_FOO_BAR.\n"
      << "Lists are comma-separated (a YAML sequence in the file).\n\n"
      << "  --config FILE  YAML file of settings (variable KEFU_CONFIG)\n";
  for (const Setting& s : Settings()) {
    std::string show = s.show(defaults);
    if (show.empty()) show = "none";
    out << "  " << FlagName(s.name) << ' ' << s.value_name << "  (" << s.name << ", "
        << EnvName(s.name) << ")\n      " << s.help << " (default " << show << ")\n";
  }
  out << "  --help  print this text\n\n"
      << "Exit status: 0 stopped cleanly, 1 failure, 2 usage error.\n";
  return out.str();
}

}  // namespace kefu::server
