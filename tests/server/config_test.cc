// Parsing kefu-server's command line: defaults, every flag, and every problem reported at once.
#include "server/config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kefu::server {
namespace {

TEST(ServerConfig, DefaultsMatchTheDocumentedOnes) {
  CommandLine cmd = ParseCommandLine({});
  EXPECT_TRUE(cmd.errors.empty());
  EXPECT_FALSE(cmd.help);
  EXPECT_EQ(cmd.config.index_dir, "var/index");
  EXPECT_EQ(cmd.config.db_path, "var/kefu.db");
  EXPECT_EQ(cmd.config.host, "127.0.0.1");
  EXPECT_EQ(cmd.config.port, 8080);
  EXPECT_EQ(cmd.config.content_dir, "content");
  EXPECT_EQ(cmd.config.log_level, LogLevel::kInfo);
  EXPECT_EQ(cmd.config.threads, 32);
}

TEST(ServerConfig, ParsesEveryFlagInBothSpellings) {
  CommandLine cmd =
      ParseCommandLine({"--index", "/srv/index", "--db=/srv/kefu.db", "--listen", "0.0.0.0:0",
                        "--content=/srv/content", "--log-level", "debug", "--threads=4"});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  EXPECT_EQ(cmd.config.index_dir, "/srv/index");
  EXPECT_EQ(cmd.config.db_path, "/srv/kefu.db");
  EXPECT_EQ(cmd.config.host, "0.0.0.0");
  EXPECT_EQ(cmd.config.port, 0);
  EXPECT_EQ(cmd.config.content_dir, "/srv/content");
  EXPECT_EQ(cmd.config.log_level, LogLevel::kDebug);
  EXPECT_EQ(cmd.config.threads, 4);
}

TEST(ServerConfig, HelpIsRecognised) {
  EXPECT_TRUE(ParseCommandLine({"--help"}).help);
  EXPECT_TRUE(ParseCommandLine({"-h"}).help);
  EXPECT_NE(Usage().find("--listen HOST:PORT"), std::string::npos);
}

TEST(ServerConfig, ReportsEveryProblemAtOnce) {
  CommandLine cmd = ParseCommandLine({"--listen", "localhost", "--threads", "zero", "--log-level",
                                      "loud", "--bogus", "stray", "--index="});
  ASSERT_EQ(cmd.errors.size(), 6u);
  const std::vector<std::string> expected_mentions = {"--listen", "--threads", "--log-level",
                                                      "--bogus",  "stray",     "--index"};
  for (size_t i = 0; i < expected_mentions.size(); ++i) {
    EXPECT_NE(cmd.errors[i].find(expected_mentions[i]), std::string::npos) << cmd.errors[i];
  }
}

TEST(ServerConfig, FlagWithoutValueIsAnError) {
  CommandLine cmd = ParseCommandLine({"--index"});
  ASSERT_EQ(cmd.errors.size(), 1u);
  EXPECT_NE(cmd.errors[0].find("needs a value"), std::string::npos) << cmd.errors[0];
}

TEST(ServerConfig, ThreadsOutOfRangeIsAnError) {
  EXPECT_EQ(ParseCommandLine({"--threads", "0"}).errors.size(), 1u);
  EXPECT_EQ(ParseCommandLine({"--threads", "100000"}).errors.size(), 1u);
  EXPECT_TRUE(ParseCommandLine({"--threads", "1"}).errors.empty());
}

TEST(ListenAddress, ParsesAndRejects) {
  struct Case {
    const char* text;
    bool ok;
    const char* host;
    int port;
  };
  const Case cases[] = {
      {"127.0.0.1:8080", true, "127.0.0.1", 8080},
      {"0.0.0.0:0", true, "0.0.0.0", 0},
      {"localhost:65535", true, "localhost", 65535},
      {"[::1]:9000", true, "::1", 9000},
      {"127.0.0.1", false, "", 0},
      {":8080", false, "", 0},
      {"127.0.0.1:", false, "", 0},
      {"127.0.0.1:65536", false, "", 0},
      {"127.0.0.1:-1", false, "", 0},
      {"127.0.0.1:80x", false, "", 0},
      {"::1:8080", false, "", 0},
      {"[::1]8080", false, "", 0},
  };
  for (const Case& c : cases) {
    std::string host = "unchanged";
    int port = -7;
    std::string error;
    EXPECT_EQ(ParseListenAddress(c.text, &host, &port, &error), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(host, c.host) << c.text;
      EXPECT_EQ(port, c.port) << c.text;
    } else {
      EXPECT_FALSE(error.empty()) << c.text;
    }
  }
}

TEST(ListenAddress, FormatsForUrls) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 8080), "127.0.0.1:8080");
  EXPECT_EQ(FormatHostPort("::1", 80), "[::1]:80");
}

}  // namespace
}  // namespace kefu::server
