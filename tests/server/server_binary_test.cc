// The real kefu-server binary: it prints where it listens, serves, finishes the requests in flight
// and exits 0 on SIGTERM; its configuration comes from a file, the environment and flags, and
// usage errors are all reported at once with exit status 2. `kefu-server backup FILE` copies the
// database of a server that keeps serving and writing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "kb/store/store.h"
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

// A raw TCP connection to 127.0.0.1:port, to send a request in pieces.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
    if (fd_ >= 0) {
      timeval timeout{30, 0};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything the server sends until it closes the connection.
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd_, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_;
};

TEST(ServerBinary, SigtermFinishesTheRequestInFlightThenExits0) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  ChildProcess server({ServerPath(), "--index", index.dir, "--listen", "127.0.0.1:0"});
  const int port = ListeningPort(server);
  ASSERT_GT(port, 0);

  // Half a request: the server has accepted it and a worker is reading it when SIGTERM arrives.
  RawConnection connection(port);
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(
      connection.Send("GET /api/v1/search?q=refund&locale=en HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server.Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // No new connections once it drains.
  httplib::Client late("127.0.0.1", port);
  late.set_connection_timeout(2, 0);
  EXPECT_FALSE(late.Get("/healthz")) << "a new connection was served while draining";

  ASSERT_TRUE(connection.Send("Connection: close\r\n\r\n"));
  const std::string response = connection.ReadAll();
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  EXPECT_NE(response.find("\"results\""), std::string::npos) << response;
  EXPECT_EQ(server.Wait(std::chrono::seconds(30)), 0);
}

TEST(ServerBinary, LogsTheEffectiveConfigFromFileEnvironmentAndFlags) {
  TempDir dir("kefu-server-config");
  const std::string config = dir.path() + "/kefu.yaml";
  std::ofstream(config) << "index: " << dir.path() << "/none\nrate_limit: 3\nthreads: 2\n"
                        << "cors_origins:\n  - https://shop.example.com\n";
  // The environment overrides the file; the flag overrides both. The missing index then makes
  // it exit 1, after the config line.
  setenv("KEFU_RATE_BURST", "9", 1);
  setenv("KEFU_THREADS", "5", 1);
  CommandResult r =
      RunCommand({ServerPath(), "--config", config, "--threads", "6", "--listen", "127.0.0.1:0"});
  unsetenv("KEFU_RATE_BURST");
  unsetenv("KEFU_THREADS");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(info server config [^\n]*)")))
      << r.output;
  const std::string line = m[0].str();
  for (const std::string& expected : std::vector<std::string>{
           "file=" + config, "index=" + dir.path() + "/none", " rate_limit=3", " rate_burst=9",
           " threads=6", " listen=127.0.0.1:0", " cors_origins=https://shop.example.com"}) {
    EXPECT_NE(line.find(expected), std::string::npos) << expected << " not in " << line;
  }
}

TEST(ServerBinary, ReportsEveryConfigFileProblemAtOnceWithExitStatus2) {
  TempDir dir("kefu-server-config");
  const std::string config = dir.path() + "/kefu.yaml";
  std::ofstream(config) << "threads: many\nrate_limit: -1\nbogus_key: 1\n";
  CommandResult r = RunCommand({ServerPath(), "--config", config, "--rate-burst", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  for (const char* expected : {"threads", "bogus_key", "--rate-burst", "--rate-limit"}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << " not reported in:\n"
                                                          << r.output;
  }
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
  for (const char* setting : {"--listen", "--config FILE", "--rate-limit", "--rate-burst",
                              "--trusted-proxies", "--cors-origins", "--listen-backlog"}) {
    EXPECT_NE(r.output.find(setting), std::string::npos) << setting << " not in:\n" << r.output;
  }
}

TEST(ServerBinary, BackupCopiesTheDatabaseWhileAnotherServerServesAndWrites) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  TempDir var("kefu-server-backup");
  const std::string db = var.path() + "/kefu.db";
  const std::string copy = var.path() + "/backups/kefu-copy.db";
  std::filesystem::create_directories(var.path() + "/backups");
  ChildProcess server({ServerPath(), "--index", index.dir, "--db", db, "--listen", "127.0.0.1:0",
                       "--rate-limit", "0"});
  const int port = ListeningPort(server);
  ASSERT_GT(port, 0);
  auto hand_off = [](httplib::Client& client) {
    return ToJsonResponse(client.Post(
        "/api/v1/chat", nlohmann::json{{"message", "转人工"}}.dump(), "application/json"));
  };
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  std::vector<std::pair<int64_t, std::string>> handoffs;  // id, conversation
  for (int i = 0; i < 3; ++i) {
    JsonResponse r = hand_off(client);
    ASSERT_EQ(r.status, 200) << r.body;
    handoffs.emplace_back(r.json["handoff"]["id"].get<int64_t>(),
                          r.json["conversation_id"].get<std::string>());
  }

  // Another client keeps writing hand-offs while the backup runs (bounded: at most 500).
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<int> failed{0};
  std::thread writer([&] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    for (int i = 0; i < 500 && !stop; ++i) {
      (hand_off(c).status == 200 ? written : failed)++;
    }
  });
  while (written == 0 && failed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CommandResult backup = RunCommand({ServerPath(), "backup", copy, "--db", db});
  stop = true;
  writer.join();
  EXPECT_EQ(backup.exit_code, 0) << backup.output;
  EXPECT_NE(backup.output.find("backed up " + db + " to " + copy), std::string::npos)
      << backup.output;
  EXPECT_EQ(failed.load(), 0) << "the server refused writes during the backup";

  Result<std::unique_ptr<Store>> store = Store::Open(StoreOptions{.path = copy});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const auto& [id, conversation] : handoffs) {
    Result<Handoff> h = (*store)->GetHandoff(id);
    ASSERT_TRUE(h.ok()) << id << ": " << h.status().ToString();
    EXPECT_EQ(h->conversation_id, conversation);
    EXPECT_EQ(h->reason, "asked_for_human");
    EXPECT_EQ((*store)->ListTurns(conversation)->size(), 2u);
  }
  // Every hand-off in the copy is whole: its conversation and both turns came with it.
  Result<std::vector<Handoff>> open = (*store)->ListHandoffs(HandoffStatus::kOpen, "");
  ASSERT_TRUE(open.ok());
  EXPECT_GE(open->size(), handoffs.size());
  for (const Handoff& h : *open) {
    EXPECT_TRUE((*store)->GetConversation(h.conversation_id).ok()) << h.id;
    EXPECT_EQ((*store)->ListTurns(h.conversation_id)->size(), 2u) << h.id;
  }

  // The server goes on serving and writing.
  EXPECT_EQ(hand_off(client).status, 200);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(std::chrono::seconds(30)), 0);
}

TEST(ServerBinary, BackupWithoutAFileIsAUsageErrorAndWithoutADatabaseAFailure) {
  TempDir var("kefu-server-backup");
  CommandResult no_file = RunCommand({ServerPath(), "backup", "--db", var.path() + "/kefu.db"});
  EXPECT_EQ(no_file.exit_code, 2) << no_file.output;
  EXPECT_NE(no_file.output.find("backup needs the FILE"), std::string::npos) << no_file.output;
  CommandResult no_db =
      RunCommand({ServerPath(), "backup", var.path() + "/copy.db", "--db", var.path() + "/none.db"});
  EXPECT_EQ(no_db.exit_code, 1) << no_db.output;
  EXPECT_FALSE(std::filesystem::exists(var.path() + "/none.db")) << "no empty database created";
  EXPECT_FALSE(std::filesystem::exists(var.path() + "/copy.db"));
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
