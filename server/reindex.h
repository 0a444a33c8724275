// Reindexer: the background job behind POST /api/v1/admin/reindex. Loads the content directory
// with kb's loader, builds a new index generation with kb's index writer (which switches `current`
// atomically) behind the golden-question guard (kb/golden_guard.h) unless forced, and tells the
// KnowledgeBase to switch to it at once. One job at a time; the state of the latest job is kept for
// GET /api/v1/admin/reindex/status. Knows nothing of HTTP.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kb/content/loader.h"
#include "kb/golden_guard.h"
#include "kb/knowledge_base.h"
#include "kb/status.h"

namespace kefu::server {

struct ReindexJob;

struct ReindexOptions {
  // Content directory to build from (setting `content`). "": reindexing from the server is off and
  // Start() answers kFailedPrecondition. Default: "".
  std::string content_dir;
  // Index directory holding `current` -> gen-N/ (setting `index`). Default: "".
  std::string index_dir;
  // The wall clock of the started/finished times. Default: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
  // Called with every finished job (state, started and finished set) on the job's thread, just
  // before Current() shows it: metrics. Default: none.
  std::function<void(const ReindexJob&)> on_finish;
};

enum class ReindexState { kIdle, kRunning, kSucceeded, kFailed };

// "idle", "running", "succeeded", "failed".
std::string_view ReindexStateName(ReindexState state);

// The latest job, as GET /api/v1/admin/reindex/status shows it.
struct ReindexJob {
  ReindexState state = ReindexState::kIdle;  // kIdle: no job since the server started
  int64_t job_id = 0;                        // 1, 2, ...; 0 while idle
  bool force = false;                        // as asked by the caller
  std::optional<std::chrono::system_clock::time_point> started;
  std::optional<std::chrono::system_clock::time_point> finished;
  std::string generation;             // the generation built, e.g. "gen-4" (succeeded only)
  std::optional<int64_t> entries;     // published entries indexed (succeeded only)
  std::vector<Diagnostic> errors;     // the content's errors (failed because content is invalid)
  // Golden questions the build would have turned wrong (failed because the guard refused it).
  std::vector<GoldenRegression> golden_regressions;
  std::string message;                // what is happening or what happened, for people
};

class Reindexer {
 public:
  // `kb` (may be null) is told to Reload() after a successful build and must outlive this object.
  Reindexer(KnowledgeBase* kb, ReindexOptions options);
  // Waits for a running job to finish (a build cannot be interrupted half-way).
  ~Reindexer();
  Reindexer(const Reindexer&) = delete;
  Reindexer& operator=(const Reindexer&) = delete;

  // Starts a job in the background and returns its state (kRunning). kAlreadyExists when a job is
  // running (the message names it); kFailedPrecondition when no content directory is configured.
  // Without `force` the job fails, and the index is kept, when the build would turn a golden
  // question (the content's golden.jsonl) that is answered right now wrong.
  Result<ReindexJob> Start(bool force);

  // The running job, or the latest finished one; kIdle before the first.
  ReindexJob Current() const;

  // Blocks until no job is running.
  void WaitIdle() const;

 private:
  void Run(int64_t job_id, bool force);
  // Publishes `result` as the latest job (with the running job's start time and the finish time)
  // and wakes WaitIdle().
  void Finish(ReindexJob result);

  KnowledgeBase* const kb_;
  const ReindexOptions options_;

  mutable std::mutex mu_;
  mutable std::condition_variable idle_cv_;
  ReindexJob job_;       // guarded by mu_
  int64_t last_id_ = 0;  // guarded by mu_
  std::thread thread_;   // the latest job's; joined before the next starts and on destruction
};

}  // namespace kefu::server
