// Parsing argv into ServerConfig; every problem is collected, none stops the parse.
#include "server/config.h"

#include <charconv>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <utility>

namespace kefu::server {
namespace {

constexpr int kMaxThreads = 1024;

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

// A flag that takes a value: applies it to the config, returning an error message or "".
struct ValueFlag {
  std::string_view name;
  std::function<std::string(std::string_view value, ServerConfig& config)> apply;
};

const std::vector<ValueFlag>& ValueFlags() {
  static const std::vector<ValueFlag> flags = {
      {"--index",
       [](std::string_view v, ServerConfig& c) {
         c.index_dir = v;
         return std::string();
       }},
      {"--db",
       [](std::string_view v, ServerConfig& c) {
         c.db_path = v;
         return std::string();
       }},
      {"--content",
       [](std::string_view v, ServerConfig& c) {
         c.content_dir = v;
         return std::string();
       }},
      {"--listen",
       [](std::string_view v, ServerConfig& c) {
         std::string error;
         if (!ParseListenAddress(v, &c.host, &c.port, &error)) return Cat({"--listen: ", error});
         return std::string();
       }},
      {"--log-level",
       [](std::string_view v, ServerConfig& c) {
         if (!ParseLogLevel(v, &c.log_level)) {
           return Cat({"--log-level: '", v, "' is not one of debug, info, warn, error"});
         }
         return std::string();
       }},
      {"--threads",
       [](std::string_view v, ServerConfig& c) {
         if (!ParseInt(v, &c.threads)) {
           return Cat({"--threads: '", v, "' is not an integer"});
         }
         return std::string();
       }},
  };
  return flags;
}

const ValueFlag* FindValueFlag(std::string_view name) {
  for (const ValueFlag& flag : ValueFlags()) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

}  // namespace

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      out.errors.push_back(Cat({"unexpected argument '", arg, "'"}));
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
    const ValueFlag* flag = FindValueFlag(name);
    if (flag == nullptr) {
      out.errors.push_back(Cat({"unknown flag '", name, "'"}));
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        out.errors.push_back(std::string(name) + " needs a value");
        continue;
      }
      value = args[++i];
    }
    if (std::string error = flag->apply(value, out.config); !error.empty()) {
      out.errors.push_back(std::move(error));
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
  if (config.host.empty()) problems.push_back("--listen: the host must not be empty");
  if (config.port < 0 || config.port > 65535) {
    problems.push_back("--listen: the port must be in 0..65535");
  }
  if (config.threads < 1 || config.threads > kMaxThreads) {
    problems.push_back(Cat({"--threads must be in 1..", std::to_string(kMaxThreads)}));
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

std::string Usage() {
  const ServerConfig d;
  std::ostringstream out;
  out << "usage: kefu-server [--index DIR] [--db FILE] [--listen HOST:PORT] [--content DIR]\n"
      << "                   [--log-level LEVEL] [--threads N] [--help]\n\n"
      << "Serves the Kefu knowledge base over HTTP. Prints 'listening on http://HOST:PORT' when\n"
      << "ready and stops gracefully on SIGTERM or SIGINT.\n\n"
      << "  --index DIR         index directory built by kefu-indexer (default " << d.index_dir
      << ")\n"
      << "  --db FILE           SQLite database for conversations (default " << d.db_path << ")\n"
      << "  --listen HOST:PORT  address to listen on; port 0 picks a free port (default "
      << FormatHostPort(d.host, d.port) << ")\n"
      << "  --content DIR       content directory, for reindexing (default " << d.content_dir
      << ")\n"
      << "  --log-level LEVEL   debug, info, warn or error (default " << LogLevelName(d.log_level)
      << ")\n"
      << "  --threads N         worker threads (default " << d.threads << ")\n"
      << "  --help              print this text\n\n"
      << "Exit status: 0 stopped cleanly, 1 failure, 2 usage error.\n";
  return out.str();
}

}  // namespace kefu::server
