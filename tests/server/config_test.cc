// Reading kefu-server's configuration: defaults, every flag, the YAML file and KEFU_* variables in
// their order of precedence, and every problem reported at once.
#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
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
  EXPECT_EQ(cmd.config.rate_limit, 20);
  EXPECT_EQ(cmd.config.rate_burst, 40);
  EXPECT_TRUE(cmd.config.trusted_proxies.empty());
  EXPECT_TRUE(cmd.config.cors_origins.empty());
  EXPECT_EQ(cmd.config.listen_backlog, 1024);
  EXPECT_EQ(cmd.config.retention_days, 180);
}

TEST(ServerConfig, RetentionDaysIsOneSettingInEverySourceAndZeroMeansForever) {
  EXPECT_EQ(ParseCommandLine({"--retention-days", "30"}).config.retention_days, 30);
  EXPECT_EQ(ParseCommandLine({}, {{"KEFU_RETENTION_DAYS", "0"}}).config.retention_days, 0);
  EXPECT_TRUE(ParseCommandLine({"--retention-days=0"}).errors.empty());
  for (const char* bad : {"-1", "36501", "soon"}) {
    CommandLine cmd = ParseCommandLine({"--retention-days", bad});
    ASSERT_EQ(cmd.errors.size(), 1u) << bad;
    EXPECT_NE(cmd.errors[0].find("--retention-days"), std::string::npos) << cmd.errors[0];
  }
  EXPECT_NE(Usage().find("--retention-days DAYS"), std::string::npos);
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

TEST(ServerConfig, BackupTakesItsFileAndTheSameSettings) {
  CommandLine cmd = ParseCommandLine({"--db", "/srv/kefu.db", "backup", "/backup/kefu.db"},
                                     {{"KEFU_LOG_LEVEL", "warn"}});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  EXPECT_EQ(cmd.command, "backup");
  EXPECT_EQ(cmd.backup_file, "/backup/kefu.db");
  EXPECT_EQ(cmd.config.db_path, "/srv/kefu.db");
  EXPECT_EQ(cmd.config.log_level, LogLevel::kWarn);
  EXPECT_EQ(ParseCommandLine({}).command, "");

  CommandLine no_file = ParseCommandLine({"backup"});
  ASSERT_EQ(no_file.errors.size(), 1u);
  EXPECT_NE(no_file.errors[0].find("FILE"), std::string::npos) << no_file.errors[0];
  CommandLine two_files = ParseCommandLine({"backup", "a.db", "b.db"});
  ASSERT_EQ(two_files.errors.size(), 1u);
  EXPECT_NE(two_files.errors[0].find("b.db"), std::string::npos) << two_files.errors[0];
  EXPECT_NE(Usage().find("kefu-server backup FILE"), std::string::npos);
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

// A temporary YAML file, removed on destruction.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& yaml) {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kefu-config-XXXXXX";
    const int fd = mkstemp(path_.data());
    if (fd >= 0) close(fd);
    std::ofstream(path_) << yaml;
  }
  ~ConfigFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ServerConfig, ParsesTheNewFlags) {
  CommandLine cmd = ParseCommandLine(
      {"--rate-limit", "2.5", "--rate-burst=5", "--trusted-proxies", "10.0.0.1, 10.0.0.2",
       "--cors-origins=https://a.example.com,http://localhost:3000", "--listen-backlog", "512"});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  EXPECT_EQ(cmd.config.rate_limit, 2.5);
  EXPECT_EQ(cmd.config.rate_burst, 5);
  EXPECT_EQ(cmd.config.trusted_proxies, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(cmd.config.cors_origins,
            (std::vector<std::string>{"https://a.example.com", "http://localhost:3000"}));
  EXPECT_EQ(cmd.config.listen_backlog, 512);
  EXPECT_TRUE(ParseCommandLine({"--rate-limit", "0"}).errors.empty());
}

TEST(ServerConfig, FileThenEnvironmentThenFlags) {
  ConfigFile file(
      "index: /file/index\n"
      "db: /file/kefu.db\n"
      "threads: 3\n"
      "rate_limit: 7\n"
      "trusted_proxies: [10.0.0.1, 10.0.0.2]\n");
  const Environment env = {{"KEFU_DB", "/env/kefu.db"},
                           {"KEFU_THREADS", "4"},
                           {"KEFU_INDEXER", "/not/a/setting"},  // other tools share the prefix
                           {"OTHER", "x"}};
  CommandLine cmd = ParseCommandLine({"--config", file.path(), "--threads", "5"}, env);
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  EXPECT_EQ(cmd.config_file, file.path());
  EXPECT_EQ(cmd.config.index_dir, "/file/index");  // file only
  EXPECT_EQ(cmd.config.db_path, "/env/kefu.db");   // env over file
  EXPECT_EQ(cmd.config.threads, 5);                // flag over env over file
  EXPECT_EQ(cmd.config.rate_limit, 7);
  EXPECT_EQ(cmd.config.trusted_proxies, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
}

TEST(ServerConfig, ConfigFileCanComeFromTheEnvironment) {
  ConfigFile file("listen: 0.0.0.0:9000\nlog_level: warn\n");
  CommandLine cmd = ParseCommandLine({}, {{"KEFU_CONFIG", file.path()}});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  EXPECT_EQ(cmd.config.host, "0.0.0.0");
  EXPECT_EQ(cmd.config.port, 9000);
  EXPECT_EQ(cmd.config.log_level, LogLevel::kWarn);
}

TEST(ServerConfig, ReportsProblemsFromEverySourceAtOnce) {
  ConfigFile file("threads: many\nno_such_setting: 1\ncors_origins: {a: b}\n");
  CommandLine cmd = ParseCommandLine({"--config", file.path(), "--rate-limit", "fast"},
                                     {{"KEFU_LISTEN_BACKLOG", "huge"}});
  const std::vector<std::string> expected = {
      file.path() + ": threads", file.path() + ": no_such_setting", file.path() + ": cors_origins",
      "KEFU_LISTEN_BACKLOG", "--rate-limit"};
  ASSERT_EQ(cmd.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NE(cmd.errors[i].find(expected[i]), std::string::npos) << cmd.errors[i];
  }
}

TEST(ServerConfig, UnreadableConfigFileIsAnError) {
  CommandLine missing = ParseCommandLine({"--config", "/nonexistent/kefu.yaml"});
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_NE(missing.errors[0].find("/nonexistent/kefu.yaml"), std::string::npos);
  ConfigFile not_a_map("- a\n- b\n");
  EXPECT_EQ(ParseCommandLine({"--config", not_a_map.path()}).errors.size(), 1u);
  ConfigFile broken("index: [unclosed\n");
  EXPECT_EQ(ParseCommandLine({"--config", broken.path()}).errors.size(), 1u);
}

TEST(ServerConfig, ValidatesTheNewSettings) {
  EXPECT_EQ(ParseCommandLine({"--rate-limit", "-1"}).errors.size(), 1u);
  EXPECT_EQ(ParseCommandLine({"--rate-burst", "0"}).errors.size(), 1u);
  EXPECT_TRUE(ParseCommandLine({"--rate-limit", "0", "--rate-burst", "0"}).errors.empty());
  EXPECT_EQ(ParseCommandLine({"--listen-backlog", "0"}).errors.size(), 1u);
  for (const char* bad : {"*", "shop.example.com", "https://", "https://a.com/path"}) {
    EXPECT_EQ(ParseCommandLine({"--cors-origins", bad}).errors.size(), 1u) << bad;
  }
}

TEST(ServerConfig, SecretsAreMaskedInTheEffectiveConfig) {
  EXPECT_TRUE(IsSecretSetting("admin_token"));
  EXPECT_TRUE(IsSecretSetting("db_password"));
  EXPECT_TRUE(IsSecretSetting("SIGNING_SECRET"));
  EXPECT_FALSE(IsSecretSetting("rate_limit"));
  ServerConfig config;
  config.cors_origins = {"https://a.example.com"};
  const std::string effective = FormatEffectiveConfig(config);
  EXPECT_NE(effective.find("index=var/index"), std::string::npos) << effective;
  EXPECT_NE(effective.find("listen=127.0.0.1:8080"), std::string::npos) << effective;
  EXPECT_NE(effective.find("rate_limit=20"), std::string::npos) << effective;
  EXPECT_NE(effective.find("cors_origins=https://a.example.com"), std::string::npos) << effective;
}

TEST(ServerConfig, HelpListsEverySettingWithItsDefault) {
  const std::string usage = Usage();
  for (const char* expected :
       {"--config FILE", "--index DIR", "KEFU_INDEX", "--db FILE", "--listen HOST:PORT",
        "--content DIR", "--log-level LEVEL", "--threads N", "(default 32)",
        "--rate-limit PER_SECOND", "KEFU_RATE_LIMIT", "(default 20)", "--rate-burst N",
        "(default 40)", "--trusted-proxies", "trusted_proxies", "--cors-origins",
        "--listen-backlog N", "(default 1024)"}) {
    EXPECT_NE(usage.find(expected), std::string::npos) << expected << " not in:\n" << usage;
  }
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
