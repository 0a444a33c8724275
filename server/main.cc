// kefu-server: config file, environment and argv -> config -> open the knowledge base -> serve
// until SIGTERM/SIGINT, then drain; or `backup FILE`: copy the database and exit. Exit status: 0
// stopped cleanly (or backed up), 1 failure, 2 usage error.
#include <malloc.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "kb/store/store.h"
#include "server/config.h"
#include "server/server.h"

extern char** environ;

namespace kefu::server {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// glibc's malloc arenas (its default: 8 per core, 16 here). With dozens of worker threads each
// arena keeps the peak its threads reached, fragmented, and malloc_trim hands back only whole free
// pages: a 5-minute soak of search and chat at 100k entries over 40,000 distinct questions held
// 340-351 MB with the default, 298-304 MB with 4 and 284-288 MB with 2, for 10-20% fewer requests
// a second (docs/BENCHMARKS.md). MALLOC_ARENA_MAX in the environment still decides when set.
constexpr int kMallocArenas = 2;

// The process environment's KEFU_* variables.
Environment KefuEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("KEFU_", 0) != 0) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

// `kefu-server backup FILE`: the database of `config` copied to FILE.
int Backup(const ServerConfig& config, const std::string& file) {
  if (Status status = BackupDatabase(StoreOptions{.path = config.db_path}, file); !status.ok()) {
    std::cerr << "kefu-server: backup failed: " << status.ToString() << '\n';
    return kExitFailure;
  }
  std::cout << "backed up " << config.db_path << " to " << file << std::endl;
  return kExitOk;
}

int Run(int argc, char** argv) {
  const CommandLine cmd =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc), KefuEnvironment());
  if (cmd.help) {
    std::cout << Usage();
    return cmd.errors.empty() ? kExitOk : kExitUsage;
  }
  if (!cmd.errors.empty()) {
    for (const std::string& error : cmd.errors)
      std::cerr << "kefu-server: error: " << error << '\n';
    std::cerr << "run 'kefu-server --help' for usage\n";
    return kExitUsage;
  }
  const ServerConfig& config = cmd.config;
  SetLogLevel(config.log_level);
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, kMallocArenas);
  if (cmd.command == "backup") return Backup(config, cmd.backup_file);
  KEFU_LOG(kInfo, "server") << "config "
                            << (cmd.config_file.empty() ? std::string("file=none")
                                                        : "file=" + cmd.config_file)
                            << ' ' << FormatEffectiveConfig(config);

  // Block the stop signals before any thread starts, so every thread inherits the mask and the main
  // thread alone receives them, synchronously, in sigwait() below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  KnowledgeBaseOptions kb_options;
  kb_options.index_dir = config.index_dir;
  Result<std::unique_ptr<KnowledgeBase>> kb = KnowledgeBase::Open(kb_options);
  if (!kb.ok()) {
    KEFU_LOG(kError, "server") << "cannot open the index index_dir=" << config.index_dir
                               << " error=" << kb.status().ToString();
    return kExitFailure;
  }

  Server server(**kb, MakeServerOptions(config));
  if (Status status = server.Start(); !status.ok()) {
    KEFU_LOG(kError, "server") << "cannot start error=" << status.ToString();
    return kExitFailure;
  }
  std::cout << "listening on http://" << FormatHostPort(server.host(), server.port()) << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  KEFU_LOG(kInfo, "server") << "stopping signal="
                            << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  server.Stop();
  return kExitOk;
}

}  // namespace
}  // namespace kefu::server

int main(int argc, char** argv) { return kefu::server::Run(argc, argv); }
