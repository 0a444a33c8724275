// The real kefu-indexer and kefu-eval binaries on good and broken content: output, exit codes, and an
// index that a failed build leaves as it was.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "kb/search/generation.h"
#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

using testing::TempDir;

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

CommandResult RunCommand(const std::string& command) {
  CommandResult run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Set by ctest; the build tree's binaries when the test runs by hand.
std::string Binary(const char* env, const char* fallback) {
  const char* path = std::getenv(env);
  return path != nullptr ? path : std::string(KEFU_BINARY_DIR) + fallback;
}
std::string Indexer() { return Binary("KEFU_INDEXER", "/indexer/kefu-indexer"); }
std::string Eval() { return Binary("KEFU_EVAL", "/tools/kefu-eval"); }

void WriteValidEntry(const TempDir& dir) {
  dir.Write("en/orders/cancel.md", "---\nid: cancel\ntitle: How do I cancel an order?\n---\nOpen Orders.\n");
}

// Five files, five different problems.
void WriteBrokenEntries(const TempDir& dir) {
  dir.Write("en/broken/no-front-matter.md", "Just text.\n");
  dir.Write("en/broken/bad-yaml.md", "---\nid: x1\ntitle: a: b\n---\nbody\n");
  dir.Write("en/broken/unknown-field.md", "---\nid: x2\ntitle: T\nauthor: me\n---\nbody\n");
  dir.Write("en/broken/missing-title.md", "---\nid: x3\n---\nbody\n");
  dir.Write("en/broken/bad-locale.md", "---\nid: x4\ntitle: T\nlocale: de\n---\nbody\n");
}

TEST(IndexerCli, CheckListsEveryBrokenFileWithItsLineAndExitsOne) {
  TempDir dir;
  WriteValidEntry(dir);
  WriteBrokenEntries(dir);
  CommandResult run = RunCommand(Indexer() + " check --content " + dir.path());
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const std::string root = dir.path() + "/en/broken/";
  for (const std::string& line :
       {root + "no-front-matter.md:1: error: missing front matter", root + "bad-yaml.md:3: error: invalid YAML",
        root + "unknown-field.md:4: error: unknown field 'author'", root + "missing-title.md:1: error: missing title",
        root + "bad-locale.md:4: error: unknown locale 'de'"}) {
    EXPECT_NE(run.out.find(line), std::string::npos) << "missing: " << line << "\n" << run.out;
  }
}

TEST(IndexerCli, CheckPassesTheShippedContent) {
  CommandResult run = RunCommand(Indexer() + " check --content " + std::string(KEFU_SOURCE_DIR) + "/content");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out.find("error:"), std::string::npos) << run.out;
}

TEST(IndexerCli, BuildIndexesAndABrokenBuildKeepsTheCurrentGeneration) {
  TempDir content, index;
  WriteValidEntry(content);
  CommandResult ok = RunCommand(Indexer() + " build --content " + content.path() + " --index " + index.path() + " --json");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("\"generation\": \"gen-1\""), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\"entries\": 1"), std::string::npos) << ok.out;

  CommandResult same = RunCommand(Indexer() + " build --content " + content.path() + " --index " + index.path());
  ASSERT_EQ(same.exit_code, 0) << same.out;
  EXPECT_EQ(same.out.rfind("unchanged: gen-1 in " + index.path(), 0), 0u) << same.out;
  EXPECT_FALSE(std::filesystem::exists(index.Path("gen-2")));

  WriteBrokenEntries(content);
  CommandResult broken = RunCommand(Indexer() + " build --content " + content.path() + " --index " + index.path());
  EXPECT_EQ(broken.exit_code, 1) << broken.out;
  EXPECT_NE(broken.out.find("nothing was indexed"), std::string::npos) << broken.out;
  EXPECT_EQ(*ReadCurrentGeneration(index.path()), "gen-1");
  EXPECT_FALSE(std::filesystem::exists(index.Path("gen-2")));
}

// Every document's data and terms: enough to tell whether a generation changed.
std::string DumpDatabase(const std::string& db_path) {
  std::ostringstream out;
  Xapian::Database db(db_path);
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    Xapian::Document doc = db.get_document(*d);
    out << *d << " " << doc.get_data() << "\n";
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) out << " " << *t << ":" << t.get_wdf();
    out << "\n";
  }
  return out.str();
}

void WriteBulkEntries(const TempDir& dir, const std::string& wording) {
  std::ostringstream jsonl;
  for (int i = 0; i < 1500; ++i) {
    jsonl << "{\"id\": \"bulk-" << i << "\", \"lang\": \"en\", \"question\": \"bulk question " << i
          << "\", \"answer\": \"" << wording << " wording of answer " << i << "\"}\n";
  }
  dir.Write("en/bulk.jsonl", jsonl.str());
}

// An update shares the served generation's files (index_writer.h) and writes into them: killed while
// it writes, it must leave the served generation exactly as it was, and the next build must succeed.
TEST(IndexerCli, AnUpdateKilledWhileItWritesLeavesTheServedGenerationWhole) {
  TempDir content, index;
  WriteBulkEntries(content, "first");
  CommandResult first = RunCommand(Indexer() + " build --content " + content.path() + " --index " + index.path());
  ASSERT_EQ(first.exit_code, 0) << first.out;
  const std::string served = index.Path("gen-1/xapian");
  const std::string before = DumpDatabase(served);
  const auto size_before = std::filesystem::file_size(served + "/postlist.glass");

  WriteBulkEntries(content, "second");
  // Small flushes spread the update's writes into the shared tables over the whole build.
  ASSERT_EQ(setenv("XAPIAN_FLUSH_THRESHOLD", "200", 1), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    std::string indexer = Indexer();
    execl(indexer.c_str(), indexer.c_str(), "build", "--content", content.path().c_str(), "--index",
          index.path().c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  unsetenv("XAPIAN_FLUSH_THRESHOLD");
  // Kill it once it has written a good part of its changes into the tables it shares with gen-1:
  // they grow by about 70% over the whole update.
  bool wrote = false;
  for (int i = 0; i < 6000 && !wrote; ++i) {
    std::error_code ec;
    wrote = std::filesystem::file_size(served + "/postlist.glass", ec) > size_before * 13 / 10 && !ec;
    if (!wrote) usleep(5'000);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  try {
    EXPECT_TRUE(DumpDatabase(served) == before) << "the update changed the served generation";
  } catch (const Xapian::Error& e) {
    ADD_FAILURE() << "the update overwrote the served generation: " << e.get_description();
  }
  ASSERT_TRUE(wrote) << "the update did not grow the shared tables (did it reuse the served generation's blocks?)";
  ASSERT_TRUE(WIFSIGNALED(status)) << "the update finished before it was killed";
  EXPECT_EQ(*ReadCurrentGeneration(index.path()), "gen-1");
  EXPECT_TRUE(std::filesystem::exists(index.Path("gen-2.tmp")));

  CommandResult next = RunCommand(Indexer() + " build --content " + content.path() + " --index " + index.path());
  ASSERT_EQ(next.exit_code, 0) << next.out;
  EXPECT_EQ(*ReadCurrentGeneration(index.path()), "gen-2");
  EXPECT_FALSE(std::filesystem::exists(index.Path("gen-2.tmp")));
  EXPECT_TRUE(DumpDatabase(served) == before) << "the next update changed the generation before it";
  EXPECT_NE(DumpDatabase(index.Path("gen-2/xapian")).find("second"), std::string::npos);
}

TEST(IndexerCli, ABuildThatTurnsAGoldenAnswerWrongIsRefusedUnlessForced) {
  TempDir content, index;
  WriteValidEntry(content);
  content.Write("en/orders/refund.md", "---\nid: refund\ntitle: When do I get my refund?\n---\n3-7 days.\n");
  content.Write("golden.jsonl", "{\"query\": \"refund timing\", \"lang\": \"en\", \"relevant\": [\"refund\"]}\n");
  std::string build = Indexer() + " build --content " + content.path() + " --index " + index.path();
  ASSERT_EQ(RunCommand(build).exit_code, 0);
  // An edit that loses the word the golden question relies on.
  content.Write("en/orders/refund.md", "---\nid: refund\ntitle: When is my money back?\n---\n3-7 days.\n");
  CommandResult refused = RunCommand(build);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("golden.jsonl:1 'refund timing' would answer nothing instead of refund"),
            std::string::npos)
      << refused.out;
  EXPECT_EQ(*ReadCurrentGeneration(index.path()), "gen-1");
  EXPECT_FALSE(std::filesystem::exists(index.Path("gen-2")));
  CommandResult forced = RunCommand(build + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.out;
  EXPECT_EQ(*ReadCurrentGeneration(index.path()), "gen-2");
}

TEST(IndexerCli, CheckReportsBadGoldenQuestions) {
  TempDir content;
  WriteValidEntry(content);
  content.Write("golden.jsonl",
                "{\"query\": \"cancel it\", \"lang\": \"en\", \"relevant\": [\"cancel\"]}\n"
                "{\"query\": \"x\", \"lang\": \"en\", \"relevant\": [\"gone\"]}\n"
                "{\"query\": \"y\", \"lang\": \"en\", \"relevant\": []}\n");
  CommandResult run = RunCommand(Indexer() + " check --content " + content.path());
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find(content.Path("golden.jsonl") + ":2: error: relevant entry 'gone'"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(content.Path("golden.jsonl") + ":3: error: a golden question needs"), std::string::npos)
      << run.out;
}

TEST(IndexerCli, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCommand(Indexer()).exit_code, 2);
  EXPECT_EQ(RunCommand(Indexer() + " build --content x").exit_code, 2);
  EXPECT_EQ(RunCommand(Indexer() + " frobnicate --content x").exit_code, 2);
}

TEST(EvalCli, ReportsEveryMetricAsJson) {
  TempDir dir;
  dir.Write("corpus.jsonl",
            "{\"id\": \"t:refund\", \"lang\": \"en\", \"question\": \"refund status\", "
            "\"paraphrases\": [\"where is my refund\", \"refund not received\"], \"answer\": \"\"}\n"
            "{\"id\": \"t:card\", \"lang\": \"en\", \"question\": \"card arrival\", "
            "\"paraphrases\": [\"when does my card arrive\", \"card has not come\"], \"answer\": \"\"}\n");
  dir.Write("queries.jsonl",
            "{\"query\": \"what is my refund status\", \"lang\": \"en\", \"relevant\": [\"t:refund\"]}\n"
            "{\"query\": \"when will the card arrive\", \"lang\": \"en\", \"relevant\": [\"t:card\"]}\n"
            "{\"query\": \"what is the weather\", \"lang\": \"en\", \"relevant\": []}\n");
  CommandResult run = RunCommand(Eval() + " --corpus " + dir.Path("corpus.jsonl") + " --queries " + dir.Path("queries.jsonl") +
                       " --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  for (const char* key : {"recall_at_1", "recall_at_5", "mrr_at_10", "auroc", "ece", "answered_precision",
                          "answer_rate", "oos_escalation_recall", "queries", "in_scope", "out_of_scope",
                          "p50_query_us", "p99_query_us"}) {
    EXPECT_NE(run.out.find(std::string("\"") + key + "\""), std::string::npos) << key << "\n" << run.out;
  }
  EXPECT_NE(run.out.find("\"recall_at_1\": 1.0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"out_of_scope\": 1"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace kefu
