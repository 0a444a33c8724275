// ServerConfig: everything kefu-server can be told, with its default, and the parsing of argv into
// it. Today: defaults < flags. The production issue adds a YAML file and KEFU_* variables between
// the two; they fill the same struct and go through the same Validate().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kb/log.h"

namespace kefu::server {

struct ServerConfig {
  // Directory holding `current` -> gen-N/, built by kefu-indexer. Flag --index. Default:
  // "var/index".
  std::string index_dir = "var/index";
  // SQLite file for conversations and hand-offs (used from the bot issue on; accepted and kept
  // now). Flag --db. Default: "var/kefu.db".
  std::string db_path = "var/kefu.db";
  // Address to listen on; port 0 picks a free port. Flag --listen HOST:PORT ([V6]:PORT for IPv6).
  // Default: "127.0.0.1", 8080.
  std::string host = "127.0.0.1";
  int port = 8080;
  // Content directory for reindexing from the server (admin route, production issue). Flag
  // --content. Default: "content".
  std::string content_dir = "content";
  // Threshold of the stderr log. Flag --log-level debug|info|warn|error. Default: info.
  LogLevel log_level = LogLevel::kInfo;
  // Worker threads serving requests; each keep-alive connection holds one while it is open.
  // Flag --threads. Default: 32 (cpp-httplib's own default of 8 queues clients behind idle
  // connections).
  int threads = 32;
};

// The outcome of reading argv: the config, whether --help was asked, and every problem found.
struct CommandLine {
  ServerConfig config;
  bool help = false;
  std::vector<std::string> errors;  // one plain message per problem, all of them
};

// Parses `args` (argv without the program name) over the defaults and validates the result.
// Accepts `--flag VALUE` and `--flag=VALUE`.
CommandLine ParseCommandLine(const std::vector<std::string>& args);

// Every problem with `config`, empty when it is usable.
std::vector<std::string> Validate(const ServerConfig& config);

// Parses "HOST:PORT" or "[V6]:PORT"; false (and `error` set) when malformed or the port is not
// 0..65535.
bool ParseListenAddress(std::string_view text, std::string* host, int* port, std::string* error);

// "127.0.0.1:8080", "[::1]:8080": the authority part of a URL for `host` and `port`.
std::string FormatHostPort(std::string_view host, int port);

// The --help text.
std::string Usage();

}  // namespace kefu::server
