// kefu-indexer: `check` validates content/, `build` indexes it as a new generation.
// Exit codes: 0 ok, 1 content or build failure, 2 usage.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "kb/content/golden.h"
#include "kb/content/loader.h"
#include "kb/golden_guard.h"
#include "kb/log.h"
#include "kb/search/index_writer.h"

namespace {

constexpr char kUsage[] =
    "usage: kefu-indexer check --content DIR [--json]\n"
    "       kefu-indexer build --content DIR --index DIR [--json] [--full] [--force]\n"
    "\n"
    "check  validates every content file and prints PATH:LINE: error|warning: MESSAGE per problem\n"
    "build  validates, then indexes into INDEX/gen-N and switches INDEX/current to it;\n"
    "       nothing is indexed when any file has an error\n"
    "--full  re-analyses every entry instead of reusing unchanged ones\n"
    "--force publishes even when golden questions (content/golden.jsonl) that are answered right\n"
    "        now would turn wrong; without it such a build is refused and the index kept\n";

struct Args {
  std::string command;
  std::string content;
  std::string index;
  bool json = false;
  bool full = false;
  bool force = false;
};

int Usage(const std::string& problem) {
  std::cerr << "kefu-indexer: " << problem << "\n" << kUsage;
  return 2;
}

void PrintDiagnostics(const kefu::LoadResult& loaded, bool json) {
  if (json) return;
  for (const auto& d : loaded.diagnostics) std::cout << d.ToString() << "\n";
}

nlohmann::json DiagnosticsJson(const kefu::LoadResult& loaded) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : loaded.diagnostics) {
    out.push_back({{"path", d.path},
                   {"line", d.line},
                   {"severity", d.severity == kefu::Severity::kError ? "error" : "warning"},
                   {"message", d.message}});
  }
  return out;
}

int Check(const Args& args) {
  kefu::LoadResult loaded = kefu::LoadContentDir(args.content);
  PrintDiagnostics(loaded, args.json);
  if (args.json) {
    std::cout << nlohmann::json{{"entries", loaded.entries.size()},
                                {"errors", loaded.error_count()},
                                {"warnings", loaded.warning_count()},
                                {"diagnostics", DiagnosticsJson(loaded)}}
                     .dump(2)
              << "\n";
  } else {
    std::cerr << loaded.entries.size() << " entries, " << loaded.error_count() << " errors, "
              << loaded.warning_count() << " warnings\n";
  }
  return loaded.error_count() > 0 ? 1 : 0;
}

int Build(const Args& args) {
  kefu::LoadResult loaded = kefu::LoadContentDir(args.content);
  PrintDiagnostics(loaded, args.json);
  if (loaded.error_count() > 0) {
    if (args.json) {
      std::cout << nlohmann::json{{"ok", false}, {"errors", loaded.error_count()},
                                  {"diagnostics", DiagnosticsJson(loaded)}}
                       .dump(2)
                << "\n";
    }
    std::cerr << "kefu-indexer: " << loaded.error_count()
              << " errors in content; nothing was indexed and the current index is unchanged\n";
    return 1;
  }
  kefu::IndexBuildOptions options;
  options.index_dir = args.index;
  options.incremental = !args.full;
  options.analysis = loaded.config;
  if (!args.force) {
    std::vector<kefu::Diagnostic> ignored;  // LoadContentDir() already reported them
    options.verify = kefu::GoldenGuard(args.index, kefu::ParseGolden(loaded.config.golden, "", &ignored));
  }
  bool tty = isatty(STDERR_FILENO) != 0;
  if (tty && !args.json) {
    options.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\rindexing %zu/%zu entries", done, total);
      if (done == total) std::fputc('\n', stderr);
    };
  }
  auto stats = kefu::BuildIndex(loaded.entries, options);
  if (!stats.ok()) {
    std::cerr << "kefu-indexer: " << stats.status().ToString() << "\n";
    return 1;
  }
  if (args.json) {
    std::cout << nlohmann::json{{"ok", true},
                                {"generation", stats->generation},
                                {"unchanged", stats->unchanged},
                                {"entries", stats->entries},
                                {"analysed", stats->analysed},
                                {"reused", stats->reused},
                                {"skipped_drafts", stats->skipped_drafts},
                                {"by_locale", stats->by_locale},
                                {"by_type", stats->by_type},
                                {"warnings", loaded.warning_count()},
                                {"seconds", stats->seconds},
                                {"diagnostics", DiagnosticsJson(loaded)}}
                     .dump(2)
              << "\n";
    return 0;
  }
  if (stats->unchanged) {
    std::cout << "unchanged: " << stats->generation << " in " << args.index << " already has these " << stats->entries
              << " entries and settings; no new generation\n";
    return 0;
  }
  std::cout << "built " << stats->generation << " in " << args.index << ": " << stats->entries
            << " entries (" << stats->analysed << " analysed, " << stats->reused << " unchanged, "
            << stats->skipped_drafts << " drafts skipped) in " << stats->seconds << " s\n";
  for (const auto& [locale, n] : stats->by_locale) std::cout << "  " << locale << ": " << n << "\n";
  for (const auto& [type, n] : stats->by_type) std::cout << "  " << type << ": " << n << "\n";
  std::cout << "  warnings: " << loaded.warning_count() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  Args args;
  std::vector<std::string> problems;
  for (size_t i = 0; i < argv_list.size(); ++i) {
    const std::string& a = argv_list[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argv_list.size()) {
        problems.push_back(a + " needs a value");
      } else {
        *out = argv_list[++i];
      }
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--content") {
      value(&args.content);
    } else if (a == "--index") {
      value(&args.index);
    } else if (a == "--json") {
      args.json = true;
    } else if (a == "--full") {
      args.full = true;
    } else if (a == "--force") {
      args.force = true;
    } else if (a == "--verbose") {
      kefu::SetLogLevel(kefu::LogLevel::kDebug);
    } else if (args.command.empty() && !a.empty() && a[0] != '-') {
      args.command = a;
    } else {
      problems.push_back("unknown argument '" + a + "'");
    }
  }
  if (args.command != "check" && args.command != "build") problems.push_back("give a command: check or build");
  if (args.content.empty()) problems.push_back("--content DIR is required");
  if (args.command == "build" && args.index.empty()) problems.push_back("--index DIR is required for build");
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return Usage(all);
  }
  return args.command == "check" ? Check(args) : Build(args);
}
