// Helpers for the server tests: child processes, a temporary index built by the real kefu-indexer,
// an independent reading of content/ (to know what must never be public), and HTTP calls.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/status.h"
#include "server/server.h"

namespace kefu::server::testing {

// KEFU_SOURCE_DIR/content.
std::string ContentDir();
// $KEFU_INDEXER / $KEFU_SERVER, or the build tree's binary when the variable is unset.
std::string IndexerPath();
std::string ServerPath();

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] with argv (no shell) and waits for it.
CommandResult RunCommand(const std::vector<std::string>& argv);

// A child process whose stdout is a pipe we read; stderr is inherited (it shows in the test log).
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // kills (SIGKILL) and reaps it if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // The next line of stdout without its newline; nullopt at EOF or after `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  void Signal(int signal_number);
  // The exit code, or -1 (killed by a signal, or still running after `timeout`).
  int Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
};

// Waits for a kefu-server child's "listening on http://127.0.0.1:PORT" line; PORT, or -1.
int ListeningPort(ChildProcess& server);

// The index every server test serves: built once per process from the repository's content/ by the
// real kefu-indexer, in a temporary directory removed at exit.
struct TestIndex {
  bool ok = false;
  std::string dir;    // --index DIR
  std::string error;  // why not ok: the indexer's output
};
const TestIndex& SharedIndex();
// Options of an in-process test server: 127.0.0.1 port 0, 4 threads, no index reloading, no rate
// limit.
ServerOptions LoopbackServerOptions();
// A KnowledgeBase serving SharedIndex() (options.index_dir is set here); kFailedPrecondition with
// the indexer's output when that index could not be built.
Result<std::unique_ptr<KnowledgeBase>> OpenSharedIndex(KnowledgeBaseOptions options = {});
// Runs `kefu-indexer build --full` into `index_dir`: a new generation even when the content is the
// one it has (an update would find nothing to publish). The indexer's output on failure.
std::optional<std::string> RebuildIndex(const std::string& index_dir);

// One Markdown entry of content/, read with yaml-cpp independently of kb's loader.
struct ScannedEntry {
  std::string path;
  std::string id;
  std::string locale;
  std::string title;
  std::vector<std::string> questions;
  std::string audience;  // "public" when absent
  std::string status;    // "published" when absent
  std::string internal_note;
};

struct ContentFacts {
  std::vector<ScannedEntry> entries;
  std::set<std::string>
      internal_ids;  // ids with no public published entry in any locale, but an internal one
  std::set<std::string> draft_ids;   // ids with no published entry in any locale, but a draft
  std::set<std::string> public_ids;  // ids with a public published entry
  std::vector<std::string>
      internal_notes;                 // every internal_note (trimmed, non-empty), of any entry
  std::vector<std::string> problems;  // files that could not be read
};
ContentFacts ScanContent(const std::string& content_dir);

// Percent-encodes a query string: path?k=v&k=v (every byte outside the unreserved set, UTF-8 or
// not).
std::string WithQuery(const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& params);

// A response parsed as JSON; `json` is discarded (is_discarded()) when the body is not JSON.
struct JsonResponse {
  int status = 0;  // 0: no response at all
  std::string body;
  httplib::Headers headers;
  nlohmann::json json;
  std::string header(const std::string& name) const;
};
JsonResponse GetJson(httplib::Client& client, const std::string& path_and_query);
JsonResponse ToJsonResponse(const httplib::Result& result);

// The value of the sample `series` (name{labels} as written) in a Prometheus text body, or -1.
double Sample(const std::string& text, const std::string& series);

// The sorted key names of a JSON object.
std::vector<std::string> Keys(const nlohmann::json& object);

// Number of Unicode code points in UTF-8 text.
size_t CodePoints(const std::string& utf8);

}  // namespace kefu::server::testing
