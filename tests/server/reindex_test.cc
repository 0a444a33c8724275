// Reindexing from the server: the Reindexer job, POST /api/v1/admin/reindex and its status route
// over real HTTP, and the zero-downtime case: 20 clients searching continuously while 10 reindexes
// each add an entry with a unique word; no request may fail and every new entry must be found.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kb/content/loader.h"
#include "kb/knowledge_base.h"
#include "kb/search/index_writer.h"
#include "server/reindex.h"
#include "server/server.h"
#include "tests/server/test_support.h"
#include "tests/testing/temp_dir.h"

namespace kefu::server::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr char kAdminToken[] = "admin-test-token";

// A public English FAQ whose title and question carry `word`.
std::string ProbeEntry(const std::string& id, const std::string& word) {
  return "---\nid: " + id +
         "\ntype: faq\nlocale: en\ntitle: What is the " + word +
         " programme?\nquestions:\n  - tell me about " + word +
         "\ntags: [probe]\ncategory: support\naudience: public\nstatus: published\n"
         "updated: 2026-11-01\n---\nThe " +
         word + " programme is an entry added while the server was serving.\n";
}

// Letters only, so that every analyser keeps it as one term: "qxazzvorp", "qxbzzvorp", ...
std::string UniqueWord(int n) {
  return std::string("qx") + static_cast<char>('a' + n) + "zzvorp";
}

// A copy of the repository's content/ and an index built from it, in a temporary directory.
class ReindexFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    content_dir_ = dir_.Path("content");
    index_dir_ = dir_.Path("index");
    PrepareContent();
    LoadResult loaded = LoadContentDir(content_dir_);
    ASSERT_EQ(loaded.error_count(), 0) << loaded.diagnostics.front().ToString();
    IndexBuildOptions build;
    build.index_dir = index_dir_;
    build.analysis = loaded.config;
    Result<IndexBuildStats> stats = BuildIndex(loaded.entries, build);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    initial_generation_ = stats->generation;
    KnowledgeBaseOptions kb_options;
    kb_options.index_dir = index_dir_;
    auto kb = KnowledgeBase::Open(kb_options);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(kb).value();
  }

  // Fills content_dir_: by default a copy of the repository's content/.
  virtual void PrepareContent() {
    fs::copy(ContentDir(), content_dir_, fs::copy_options::recursive);
  }

  // Starts a server on 127.0.0.1 port 0 that may reindex (admin token kAdminToken).
  void StartServer(int threads = 4) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = threads;
    options.rate_limit_per_second = 0;
    options.auth.admin_token = kAdminToken;
    options.content_dir = content_dir_;
    options.index_dir = index_dir_;
    server_ = std::make_unique<Server>(*kb_, options);
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client->set_connection_timeout(5, 0);
    client->set_read_timeout(30, 0);
    return client;
  }

  static httplib::Headers Admin() { return {{"Authorization", std::string("Bearer ") + kAdminToken}}; }

  JsonResponse PostReindex(httplib::Client& client, const std::string& body = "",
                           const std::string& type = "application/json") {
    return ToJsonResponse(client.Post("/api/v1/admin/reindex", Admin(), body, type.c_str()));
  }

  // Polls the status route until the job is no longer running (at most `limit`).
  JsonResponse WaitForJob(httplib::Client& client, seconds limit = seconds(60)) {
    const auto deadline = steady_clock::now() + limit;
    JsonResponse status;
    do {
      status = ToJsonResponse(client.Get("/api/v1/admin/reindex/status", Admin()));
      if (status.status != 200 || status.json.value("state", "") != "running") return status;
      std::this_thread::sleep_for(milliseconds(20));
    } while (steady_clock::now() < deadline);
    return status;
  }

  // The ids the public search returns for `query`.
  static std::vector<std::string> SearchIds(httplib::Client& client, const std::string& query) {
    JsonResponse res = GetJson(client, WithQuery("/api/v1/search", {{"q", query}, {"locale", "en"}}));
    std::vector<std::string> ids;
    if (res.status != 200 || !res.json.contains("results")) return ids;
    for (const json& hit : res.json["results"]) ids.push_back(hit.value("id", ""));
    return ids;
  }

  static bool Contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  kefu::testing::TempDir dir_;
  std::string content_dir_;
  std::string index_dir_;
  std::string initial_generation_;
  std::unique_ptr<KnowledgeBase> kb_;
  std::unique_ptr<Server> server_;
};

TEST_F(ReindexFixture, JobRunsInTheBackgroundOneAtATime) {
  // A clock that holds the job's finish until the test releases it, so "running" is observable.
  const auto t0 = std::chrono::system_clock::time_point(seconds(1'795'000'000));
  const auto t1 = t0 + seconds(3);
  const std::thread::id test_thread = std::this_thread::get_id();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ReindexOptions options{.content_dir = content_dir_, .index_dir = index_dir_};
  options.now = [&, released] {
    if (std::this_thread::get_id() == test_thread) return t0;
    released.wait();
    return t1;
  };
  Reindexer reindexer(kb_.get(), options);
  EXPECT_EQ(reindexer.Current().state, ReindexState::kIdle);
  EXPECT_EQ(reindexer.Current().job_id, 0);
  dir_.Write("content/en/probes/probe-job.md", ProbeEntry("probe-job", UniqueWord(21)));

  Result<ReindexJob> first = reindexer.Start(/*force=*/false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->state, ReindexState::kRunning);
  EXPECT_EQ(first->job_id, 1);
  Result<ReindexJob> second = reindexer.Start(/*force=*/true);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(reindexer.Current().state, ReindexState::kRunning);

  release.set_value();
  reindexer.WaitIdle();
  const ReindexJob done = reindexer.Current();
  EXPECT_EQ(done.state, ReindexState::kSucceeded) << done.message;
  EXPECT_EQ(done.job_id, 1);
  EXPECT_EQ(done.started, t0);
  EXPECT_EQ(done.finished, t1);
  EXPECT_NE(done.generation, initial_generation_);
  EXPECT_EQ(done.generation, kb_->generation()) << "the new generation is served at once";
  EXPECT_EQ(done.entries, kb_->entry_count());
  EXPECT_TRUE(done.errors.empty());

  Result<ReindexJob> next = reindexer.Start(false);  // a finished job does not block the next
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->job_id, 2);
  reindexer.WaitIdle();
  // Nothing changed since: the served generation stays, and the job says so.
  const ReindexJob again = reindexer.Current();
  EXPECT_EQ(again.state, ReindexState::kSucceeded) << again.message;
  EXPECT_EQ(again.generation, done.generation);
  EXPECT_EQ(kb_->generation(), done.generation);
  EXPECT_EQ(again.message.rfind("nothing changed: " + done.generation + " stays live", 0), 0u) << again.message;
}

TEST_F(ReindexFixture, NoContentDirectoryMeansOff) {
  Reindexer reindexer(kb_.get(), ReindexOptions{.content_dir = "", .index_dir = index_dir_});
  Result<ReindexJob> job = reindexer.Start(false);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ReindexFixture, AdminRoutesNeedTheAdminToken) {
  StartServer();
  auto client = Client();
  for (const std::string path : {"/api/v1/admin/reindex/status"}) {
    JsonResponse none = GetJson(*client, path);
    EXPECT_EQ(none.status, 401) << none.body;
    EXPECT_EQ(none.json["error"].value("code", ""), "unauthenticated") << none.body;
    JsonResponse wrong =
        ToJsonResponse(client->Get(path, {{"Authorization", "Bearer not-the-token"}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
  }
  JsonResponse post = ToJsonResponse(client->Post("/api/v1/admin/reindex", "", "application/json"));
  EXPECT_EQ(post.status, 401) << post.body;
  EXPECT_FALSE(post.json.value("request_id", "").empty()) << post.body;

  JsonResponse idle = ToJsonResponse(client->Get("/api/v1/admin/reindex/status", Admin()));
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_EQ(idle.json["state"], "idle");
  EXPECT_TRUE(idle.json["job_id"].is_null());
  EXPECT_TRUE(idle.json["generation"].is_null());
  EXPECT_EQ(Keys(idle.json), (std::vector<std::string>{"entries", "errors", "finished",
                                                       "generation", "golden_regressions",
                                                       "job_id", "message", "started", "state"}));
}

TEST_F(ReindexFixture, AdminRoutesAnswer503WithoutAnAdminToken) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.content_dir = content_dir_;
  options.index_dir = index_dir_;
  server_ = std::make_unique<Server>(*kb_, options);
  ASSERT_TRUE(server_->Start().ok());
  JsonResponse res = ToJsonResponse(
      Client()->Post("/api/v1/admin/reindex", {{"Authorization", "Bearer x"}}, "", "application/json"));
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_NE(res.body.find("KEFU_ADMIN_TOKEN"), std::string::npos) << res.body;
}

TEST_F(ReindexFixture, RejectsBadBodies) {
  StartServer();
  auto client = Client();
  JsonResponse malformed = PostReindex(*client, "{force: true");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_EQ(malformed.json["error"].value("code", ""), "invalid_argument");
  JsonResponse not_object = PostReindex(*client, "[true]");
  EXPECT_EQ(not_object.status, 400) << not_object.body;
  JsonResponse text = PostReindex(*client, "force=true", "application/x-www-form-urlencoded");
  EXPECT_EQ(text.status, 415) << text.body;
  JsonResponse not_bool = PostReindex(*client, R"({"force": 1})");
  EXPECT_EQ(not_bool.status, 422) << not_bool.body;
  JsonResponse unknown = PostReindex(*client, R"({"froce": true})");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_NE(unknown.body.find("froce"), std::string::npos) << unknown.body;
  JsonResponse get = ToJsonResponse(client->Get("/api/v1/admin/reindex", Admin()));
  EXPECT_EQ(get.status, 405) << get.body;
  EXPECT_EQ(get.header("Allow"), "POST");
  // None of them started a job.
  JsonResponse status = ToJsonResponse(client->Get("/api/v1/admin/reindex/status", Admin()));
  EXPECT_EQ(status.json["state"], "idle") << status.body;
}

TEST_F(ReindexFixture, BrokenContentFailsWithItsErrorsAndTheOldIndexKeepsServing) {
  StartServer();
  auto client = Client();
  const std::string broken = content_dir_ + "/en/support/broken-entry.md";
  std::ofstream(broken) << "---\nid: broken-entry\ntype: faq\nlocale: en\n---\nno title\n";
  JsonResponse started = PostReindex(*client);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(started.json["state"], "running");
  EXPECT_EQ(started.header("Location"), "/api/v1/admin/reindex/status");
  JsonResponse done = WaitForJob(*client);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["state"], "failed") << done.body;
  EXPECT_EQ(done.json["job_id"], started.json["job_id"]);
  EXPECT_TRUE(done.json["generation"].is_null()) << done.body;
  ASSERT_TRUE(done.json["errors"].is_array() && !done.json["errors"].empty()) << done.body;
  const json& error = done.json["errors"][0];
  EXPECT_NE(error.value("path", "").find("broken-entry.md"), std::string::npos) << done.body;
  EXPECT_TRUE(error["line"].is_number()) << done.body;
  EXPECT_FALSE(error.value("message", "").empty()) << done.body;
  EXPECT_FALSE(done.json["finished"].is_null()) << done.body;

  JsonResponse ready = GetJson(*client, "/readyz");
  EXPECT_EQ(ready.json["generation"], initial_generation_) << ready.body;
  EXPECT_FALSE(SearchIds(*client, "who pays for return shipping").empty());
}

TEST_F(ReindexFixture, AReindexServesTheNewEntryAndAnswersConflictWhileRunning) {
  StartServer();
  auto client = Client();
  const std::string word = UniqueWord(20);
  std::ofstream(content_dir_ + "/en/support/probe-new.md") << ProbeEntry("probe-new", word);
  EXPECT_FALSE(Contains(SearchIds(*client, word), "probe-new"));

  JsonResponse started = PostReindex(*client, R"({"force": false})");
  ASSERT_EQ(started.status, 202) << started.body;
  // Usually still running: then a second request is a conflict. (When the build was quicker than
  // this request, a second job starts instead; both are right.)
  JsonResponse again = PostReindex(*client);
  if (again.status == 409) {
    EXPECT_EQ(again.json["error"].value("code", ""), "conflict") << again.body;
  } else {
    EXPECT_EQ(again.status, 202) << again.body;
  }
  JsonResponse done = WaitForJob(*client);
  ASSERT_EQ(done.json["state"], "succeeded") << done.body;
  EXPECT_TRUE(done.json["errors"].empty());
  JsonResponse ready = GetJson(*client, "/readyz");
  EXPECT_EQ(ready.json["generation"], done.json["generation"]) << ready.body << done.body;
  EXPECT_EQ(ready.json["entries"], done.json["entries"]) << ready.body << done.body;
  EXPECT_TRUE(Contains(SearchIds(*client, word), "probe-new"));
}

// The golden question content/golden.jsonl asks first, and the entry that answers it.
constexpr char kGoldenQuery[] = "who pays for return shipping";
constexpr char kGoldenAnswer[] = "return-shipping-cost";

TEST_F(ReindexFixture, AChangeThatBreaksAGoldenQuestionIsRefusedUnlessForced) {
  StartServer();
  auto client = Client();
  ASSERT_FALSE(SearchIds(*client, kGoldenQuery).empty());
  ASSERT_EQ(SearchIds(*client, kGoldenQuery).front(), kGoldenAnswer);
  // An editor removes the English entry: the golden question would be answered by another one.
  ASSERT_TRUE(fs::remove(content_dir_ + "/en/returns/return-shipping-cost.md"));

  JsonResponse started = PostReindex(*client);
  ASSERT_EQ(started.status, 202) << started.body;
  JsonResponse refused = WaitForJob(*client);
  ASSERT_EQ(refused.json["state"], "failed") << refused.body;
  EXPECT_TRUE(refused.json["generation"].is_null()) << refused.body;
  EXPECT_TRUE(refused.json["errors"].empty()) << refused.body;
  EXPECT_NE(refused.json.value("message", "").find("force"), std::string::npos) << refused.body;
  const json& regressions = refused.json["golden_regressions"];
  ASSERT_TRUE(regressions.is_array() && !regressions.empty()) << refused.body;
  const auto it = std::find_if(regressions.begin(), regressions.end(), [](const json& r) {
    return r.value("query", "") == kGoldenQuery;
  });
  ASSERT_NE(it, regressions.end()) << refused.body;
  EXPECT_EQ(it->value("line", 0), 1) << *it;
  EXPECT_EQ(it->value("answer", ""), kGoldenAnswer) << *it;
  EXPECT_TRUE(it->contains("would_answer")) << *it;
  EXPECT_NE(it->value("would_answer", json()).dump(), json(kGoldenAnswer).dump()) << *it;
  // The old generation keeps serving the right answer.
  EXPECT_EQ(GetJson(*client, "/readyz").json["generation"], initial_generation_);
  ASSERT_FALSE(SearchIds(*client, kGoldenQuery).empty());
  EXPECT_EQ(SearchIds(*client, kGoldenQuery).front(), kGoldenAnswer);

  JsonResponse forced_start = PostReindex(*client, R"({"force": true})");
  ASSERT_EQ(forced_start.status, 202) << forced_start.body;
  JsonResponse forced = WaitForJob(*client);
  ASSERT_EQ(forced.json["state"], "succeeded") << forced.body;
  EXPECT_TRUE(forced.json["golden_regressions"].empty()) << forced.body;
  EXPECT_EQ(GetJson(*client, "/readyz").json["generation"], forced.json["generation"]);
  EXPECT_FALSE(Contains(SearchIds(*client, kGoldenQuery), kGoldenAnswer));

  // Both jobs are counted by outcome, and timed, by the time their status says they finished.
  const std::string metrics = GetJson(*client, "/metrics").body;
  EXPECT_EQ(Sample(metrics, R"(kefu_reindex_jobs_total{outcome="failed"})"), 1) << metrics;
  EXPECT_EQ(Sample(metrics, R"(kefu_reindex_jobs_total{outcome="succeeded"})"), 1) << metrics;
  EXPECT_EQ(Sample(metrics, "kefu_reindex_duration_seconds_count"), 2) << metrics;
  EXPECT_EQ(Sample(metrics, R"(kefu_reindex_duration_seconds_bucket{le="+Inf"})"), 2) << metrics;
  EXPECT_GE(Sample(metrics, "kefu_reindex_duration_seconds_sum"), 0) << metrics;
}

// Stops and joins the client threads however the test ends.
class ClientThreads {
 public:
  explicit ClientThreads(std::atomic<bool>* stop) : stop_(stop) {}
  ~ClientThreads() { Join(); }
  void Add(std::function<void()> f) { threads_.emplace_back(std::move(f)); }
  void Join() {
    *stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::atomic<bool>* stop_;
  std::vector<std::thread> threads_;
};

// A small content directory (a dozen FAQs), so that ten builds fit the time limit under the
// sanitizers on a small machine while twenty clients keep the server busy: what is under test is
// switching generations under load, not the cost of loading the whole store.
class ReindexUnderLoad : public ReindexFixture {
 protected:
  static const std::vector<std::string>& Questions() {
    static const std::vector<std::string> questions = {
        "who pays for return shipping", "how long does a refund take", "forgot my password",
        "where is my parcel", "can i change my delivery address", "how do i cancel an order",
        "do you ship abroad", "how do i get an invoice", "is my payment secure",
        "how do i delete my account", "can i pay in instalments", "how do i contact support"};
    return questions;
  }
  void PrepareContent() override {
    for (size_t i = 0; i < Questions().size(); ++i) {
      const std::string id = "base-" + std::to_string(i);
      dir_.Write("content/en/base/" + id + ".md",
                 "---\nid: " + id + "\ntype: faq\nlocale: en\ntitle: " + Questions()[i] +
                     "?\ncategory: support\nupdated: 2026-11-01\n---\nThe answer to: " +
                     Questions()[i] + ".\n");
    }
  }
};

// The issue's acceptance test: zero failed requests while the index changes under load, and every
// new entry findable. Each client pauses kPause between requests so that the builds get CPU too;
// the clients still overlap every switch of generation.
TEST_F(ReindexUnderLoad, TwentyClientsSearchWhileTenReindexesAddEntries) {
  constexpr int kClients = 20;
  constexpr int kReindexes = 10;
  constexpr auto kPause = milliseconds(20);
  const auto test_deadline = steady_clock::now() + seconds(120);
  const auto test_start = steady_clock::now();
  StartServer(/*threads=*/kClients + 8);

  const std::vector<std::string>& queries = Questions();
  std::atomic<bool> stop{false};
  std::atomic<int> added{0};  // new words the clients also ask for
  std::atomic<int64_t> requests{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;  // guarded by failures_mu
  ClientThreads clients(&stop);
  for (int c = 0; c < kClients; ++c) {
    clients.Add([&, c] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_keep_alive(true);
      client.set_connection_timeout(5, 0);
      client.set_read_timeout(30, 0);
      for (size_t i = c; !stop; ++i) {
        const int words = added.load();
        const std::string q = (words > 0 && i % 3 == 0) ? UniqueWord(static_cast<int>(i) % words)
                                                        : queries[i % queries.size()];
        httplib::Result res = client.Get(WithQuery("/api/v1/search", {{"q", q}}));
        ++requests;
        if (!res || res->status != 200) {
          std::lock_guard<std::mutex> lock(failures_mu);
          failures.push_back(res ? std::to_string(res->status) + " " + res->body
                                 : "no response: " + httplib::to_string(res.error()));
        }
        std::this_thread::sleep_for(kPause);
      }
    });
  }

  auto admin = Client();
  std::vector<std::string> generations;
  for (int n = 0; n < kReindexes && steady_clock::now() < test_deadline; ++n) {
    const std::string id = "load-probe-" + std::to_string(n);
    dir_.Write("content/en/probes/" + id + ".md", ProbeEntry(id, UniqueWord(n)));
    JsonResponse started = PostReindex(*admin);
    ASSERT_EQ(started.status, 202) << started.body;
    JsonResponse done = WaitForJob(*admin, seconds(60));
    ASSERT_EQ(done.json["state"], "succeeded") << "reindex " << n << ": " << done.body;
    generations.push_back(done.json.value("generation", ""));
    // "succeeded" means served: the entry is findable at once.
    EXPECT_TRUE(Contains(SearchIds(*admin, UniqueWord(n)), id)) << id;
    added = n + 1;
  }
  std::this_thread::sleep_for(milliseconds(200));  // clients also ask for the last word
  clients.Join();

  std::cout << "reindex under load: " << generations.size() << " reindexes, "
            << requests.load() << " searches in "
            << std::chrono::duration_cast<milliseconds>(steady_clock::now() - test_start).count()
            << " ms\n";
  EXPECT_LT(steady_clock::now(), test_deadline) << "the reindexes took too long";
  ASSERT_EQ(generations.size(), static_cast<size_t>(kReindexes));
  EXPECT_EQ(std::set<std::string>(generations.begin(), generations.end()).size(),
            generations.size())
      << "every reindex is a new generation";
  EXPECT_GT(requests.load(), kClients) << "the clients searched";
  {
    std::lock_guard<std::mutex> lock(failures_mu);
    EXPECT_TRUE(failures.empty()) << failures.size() << " of " << requests.load()
                                  << " requests failed; first: "
                                  << (failures.empty() ? "" : failures.front());
  }
  for (int n = 0; n < kReindexes; ++n) {
    EXPECT_TRUE(Contains(SearchIds(*admin, UniqueWord(n)), "load-probe-" + std::to_string(n)))
        << UniqueWord(n);
  }
}

}  // namespace
}  // namespace kefu::server::testing
