// The background reindex job.
#include "server/reindex.h"

#include <exception>
#include <utility>

#include "kb/content/golden.h"
#include "kb/log.h"
#include "kb/search/index_writer.h"

namespace kefu::server {

std::string_view ReindexStateName(ReindexState state) {
  switch (state) {
    case ReindexState::kIdle:
      return "idle";
    case ReindexState::kRunning:
      return "running";
    case ReindexState::kSucceeded:
      return "succeeded";
    case ReindexState::kFailed:
      return "failed";
  }
  return "idle";
}

Reindexer::Reindexer(KnowledgeBase* kb, ReindexOptions options)
    : kb_(kb), options_(std::move(options)) {
  job_.message = "no reindex since the server started";
}

Reindexer::~Reindexer() {
  if (thread_.joinable()) thread_.join();
}

Result<ReindexJob> Reindexer::Start(bool force) {
  if (options_.content_dir.empty()) {
    return Status::FailedPrecondition(
        "reindexing from the server is off: set the content directory (--content DIR)");
  }
  const auto started = options_.now();  // outside mu_: the clock is the caller's
  std::lock_guard<std::mutex> lock(mu_);
  if (job_.state == ReindexState::kRunning) {
    return Status::AlreadyExists("reindex job " + std::to_string(job_.job_id) +
                                 " is still running");
  }
  // The previous job has finished (its state says so) and its thread only returns now.
  if (thread_.joinable()) thread_.join();
  job_ = ReindexJob{};
  job_.state = ReindexState::kRunning;
  job_.job_id = ++last_id_;
  job_.force = force;
  job_.started = started;
  job_.message = "loading content from " + options_.content_dir;
  KEFU_LOG(kInfo, "reindex") << "started job=" << job_.job_id
                             << " content=" << options_.content_dir
                             << " index=" << options_.index_dir << " force=" << force;
  thread_ = std::thread([this, id = job_.job_id, force] { Run(id, force); });
  return job_;
}

ReindexJob Reindexer::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return job_;
}

void Reindexer::WaitIdle() const {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return job_.state != ReindexState::kRunning; });
}

void Reindexer::Run(int64_t job_id, bool force) {
  ReindexJob result;
  result.job_id = job_id;
  result.force = force;
  try {
    LoadResult loaded = LoadContentDir(options_.content_dir);
    if (loaded.error_count() > 0) {
      for (Diagnostic& d : loaded.diagnostics) {
        if (d.severity == Severity::kError) result.errors.push_back(std::move(d));
      }
      result.state = ReindexState::kFailed;
      result.message = "the content has " + std::to_string(result.errors.size()) +
                       " error(s); the index was not changed";
      return Finish(std::move(result));
    }

    IndexBuildOptions build;
    build.index_dir = options_.index_dir;
    build.analysis = loaded.config;
    build.progress = [this](size_t done, size_t total) {
      std::lock_guard<std::mutex> lock(mu_);
      job_.message = "indexing " + std::to_string(done) + " of " + std::to_string(total) +
                     " entries";
    };
    if (!force) {
      std::vector<Diagnostic> ignored;  // LoadContentDir() has reported them (as warnings or errors)
      build.verify = GoldenGuard(
          options_.index_dir,
          ParseGolden(loaded.config.golden, options_.content_dir + "/" + kGoldenFile, &ignored),
          KnowledgeBaseOptions{}, &result.golden_regressions);
    }
    Result<IndexBuildStats> stats = BuildIndex(loaded.entries, build);
    if (!stats.ok()) {
      result.state = ReindexState::kFailed;
      if (!result.golden_regressions.empty()) {
        result.message = std::to_string(result.golden_regressions.size()) +
                         " golden question(s) answered right now would turn wrong; the index was "
                         "not changed (reindex with {\"force\": true} to publish anyway)";
      } else {
        result.message =
            "the build failed; the index was not changed: " + stats.status().ToString();
      }
      return Finish(std::move(result));
    }

    // Serve it now rather than at the next poll, so that "succeeded" means "live".
    if (kb_ != nullptr && !stats->unchanged) {
      if (Status s = kb_->Reload(); !s.ok()) {
        KEFU_LOG(kWarn, "reindex") << "built but not yet served generation=" << stats->generation
                                   << " error=" << s.ToString();
      }
    }
    result.state = ReindexState::kSucceeded;
    result.generation = stats->generation;
    result.entries = stats->entries;
    result.message = stats->unchanged
                         ? "nothing changed: " + stats->generation + " stays live with " +
                               std::to_string(stats->entries) + " entries"
                         : stats->generation + " is live with " + std::to_string(stats->entries) +
                               " entries (" + std::to_string(stats->reused) + " reused, " +
                               std::to_string(stats->analysed) + " analysed)";
    return Finish(std::move(result));
  } catch (const std::exception& e) {
    KEFU_LOG(kError, "reindex") << "job=" << job_id << " threw what=" << e.what();
  } catch (...) {
    KEFU_LOG(kError, "reindex") << "job=" << job_id << " threw";
  }
  result = ReindexJob{.job_id = job_id, .force = force};
  result.state = ReindexState::kFailed;
  result.message = "internal error; the index was not changed (see the server log)";
  Finish(std::move(result));
}

void Reindexer::Finish(ReindexJob result) {
  result.finished = options_.now();  // outside mu_: the clock is the caller's
  {
    std::lock_guard<std::mutex> lock(mu_);
    result.started = job_.started;
  }
  // Before the job is shown finished, so that whoever sees it finished sees it counted too.
  if (options_.on_finish) options_.on_finish(result);
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(result);
    if (job_.state == ReindexState::kSucceeded) {
      KEFU_LOG(kInfo, "reindex") << "succeeded job=" << job_.job_id
                                 << " generation=" << job_.generation
                                 << " entries=" << job_.entries.value_or(0);
    } else {
      KEFU_LOG(kWarn, "reindex") << "failed job=" << job_.job_id << " errors=" << job_.errors.size()
                                 << " golden_regressions=" << job_.golden_regressions.size()
                                 << " message=" << job_.message;
    }
  }
  idle_cv_.notify_all();
}

}  // namespace kefu::server
