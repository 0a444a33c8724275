// The bot's settings: integration_token (a secret), teams, business hours, the e-mail promise and
// the idle close (validated), from flags, the environment and defaults, without a network.
#include <gtest/gtest.h>

#include "server/config.h"
#include "server/server.h"

namespace kefu::server {
namespace {

TEST(ChatConfig, ReadsTheIntegrationTokenAndTeamsAndNeverLogsTheToken) {
  CommandLine cmd = ParseCommandLine({"--teams", "account=security, payment=billing"},
                                     {{"KEFU_INTEGRATION_TOKEN", "s3cret"}});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  EXPECT_EQ(cmd.config.integration_token, "s3cret");
  const std::string logged = FormatEffectiveConfig(cmd.config);
  EXPECT_EQ(logged.find("s3cret"), std::string::npos) << logged;
  EXPECT_NE(logged.find("integration_token=***"), std::string::npos) << logged;
  const ServerOptions options = MakeServerOptions(cmd.config);
  EXPECT_EQ(options.integration_token, "s3cret");
  EXPECT_EQ(options.chat.teams.at("account"), "security");
  EXPECT_EQ(options.chat.teams.at("payment"), "billing");
  EXPECT_EQ(options.db_path, cmd.config.db_path);
}

TEST(ChatConfig, AMalformedTeamMapIsAUsageError) {
  CommandLine cmd = ParseCommandLine({"--teams", "account"});
  ASSERT_EQ(cmd.errors.size(), 1u);
  EXPECT_NE(cmd.errors[0].find("--teams"), std::string::npos) << cmd.errors[0];
}

TEST(ChatConfig, BusinessHoursEmailPromiseAndIdleCloseReachTheBot) {
  const ServerOptions defaults = MakeServerOptions(ParseCommandLine({}).config);
  EXPECT_TRUE(defaults.chat.hours.always_open);
  EXPECT_EQ(defaults.chat.email_reply_hours, 48);
  EXPECT_EQ(defaults.chat.idle_close_ms, 10 * 60 * 1000);

  CommandLine cmd = ParseCommandLine({"--business-hours", "Mon-Fri 09:00-18:00 +08:00",
                                      "--idle-close-minutes=0"},
                                     {{"KEFU_EMAIL_REPLY_HOURS", "24"}});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  const ServerOptions options = MakeServerOptions(cmd.config);
  EXPECT_FALSE(options.chat.hours.always_open);
  EXPECT_EQ(options.chat.hours.utc_offset_minutes, 8 * 60);
  EXPECT_EQ(options.chat.hours.open_minute, 9 * 60);
  EXPECT_EQ(options.chat.email_reply_hours, 24);
  EXPECT_EQ(options.chat.idle_close_ms, 0);
}

TEST(ChatConfig, ReportsEveryBadBotSettingAtOnce) {
  CommandLine cmd = ParseCommandLine({"--business-hours", "weekdays", "--email-reply-hours", "0",
                                      "--idle-close-minutes", "-5"});
  ASSERT_EQ(cmd.errors.size(), 3u);
  EXPECT_NE(cmd.errors[0].find("--business-hours"), std::string::npos) << cmd.errors[0];
  EXPECT_NE(cmd.errors[1].find("--email-reply-hours"), std::string::npos) << cmd.errors[1];
  EXPECT_NE(cmd.errors[2].find("--idle-close-minutes"), std::string::npos) << cmd.errors[2];
}

}  // namespace
}  // namespace kefu::server
