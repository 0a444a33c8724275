// The bot's settings: integration_token (a secret) and teams (validated), from flags and the
// environment, without a network.
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

}  // namespace
}  // namespace kefu::server
