// The real kefu-server binary: it prints where it listens, serves, and exits 0 on SIGTERM; usage
// errors are all reported at once with exit status 2.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using std::chrono::seconds;

TEST(ServerBinary, ListensOnAFreePortServesAndStopsCleanlyOnSigterm) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  TempDir var("kefu-server-binary");
  ChildProcess server({ServerPath(), "--index", index.dir, "--db", var.path() + "/kefu.db",
                       "--listen", "127.0.0.1:0", "--content", ContentDir()});
  ASSERT_TRUE(server.started()) << ServerPath();

  std::optional<std::string> line = server.ReadLine(std::chrono::seconds(60));
  ASSERT_TRUE(line.has_value()) << "no 'listening on' line from " << ServerPath();
  std::smatch m;
  ASSERT_TRUE(std::regex_match(*line, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))")))
      << *line;
  const int port = std::stoi(m[1].str());
  ASSERT_GT(port, 0);
  ASSERT_LT(port, 65536);

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  JsonResponse health = GetJson(client, "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.json, nlohmann::json({{"status", "ok"}})) << health.body;
  JsonResponse search = GetJson(client, WithQuery("/api/v1/search", {{"q", "退货运费谁承担"}}));
  EXPECT_EQ(search.status, 200) << search.body;

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(std::chrono::seconds(30)), 0);
}

TEST(ServerBinary, StopsCleanlyOnSigint) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  ChildProcess server({ServerPath(), "--index", index.dir, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.ReadLine(std::chrono::seconds(60)).has_value());
  server.Signal(SIGINT);
  EXPECT_EQ(server.Wait(std::chrono::seconds(30)), 0);
}

TEST(ServerBinary, ReportsEveryUsageErrorAtOnceWithExitStatus2) {
  CommandResult r = RunCommand({ServerPath(), "--listen", "nowhere", "--threads", "0",
                                "--log-level", "loud", "--bogus", "extra"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  for (const char* expected : {"--listen", "--threads", "--log-level", "--bogus", "extra"}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << " not reported in:\n"
                                                          << r.output;
  }
}

TEST(ServerBinary, HelpPrintsUsageAndExits0) {
  CommandResult r = RunCommand({ServerPath(), "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("usage: kefu-server"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--listen"), std::string::npos) << r.output;
}

TEST(ServerBinary, MissingIndexExits1) {
  TempDir empty("kefu-server-noindex");
  CommandResult r =
      RunCommand({ServerPath(), "--index", empty.path() + "/none", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.find("listening on"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kefu::server::testing
