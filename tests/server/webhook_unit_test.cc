// The hand-off webhook's pieces without a network: URL checks, the back-off schedule, the body's
// signature (RFC 4231 vectors) and its settings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/config.h"
#include "server/server.h"
#include "server/webhook.h"

namespace kefu::server {
namespace {

TEST(WebhookUrl, SplitsTheUrlForTheClient) {
  struct Case {
    std::string url;
    std::string scheme_host_port;
    std::string path;
  };
  const std::vector<Case> cases = {
      {"http://127.0.0.1:8081/hooks/kefu", "http://127.0.0.1:8081", "/hooks/kefu"},
      {"https://desk.example.com/api/tickets?source=kefu", "https://desk.example.com",
       "/api/tickets?source=kefu"},
      {"http://desk.example.com", "http://desk.example.com", "/"},
      {"http://desk.example.com?x=1", "http://desk.example.com", "/?x=1"},
      {"http://[::1]:9000/h", "http://[::1]:9000", "/h"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    Result<WebhookUrl> url = ParseWebhookUrl(c.url);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    EXPECT_EQ(url->scheme_host_port, c.scheme_host_port);
    EXPECT_EQ(url->path, c.path);
  }
}

TEST(WebhookUrl, RefusesWhatCannotBeSentOrWouldLeakCredentials) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ftp://desk.example.com/x", "http:// or https://"},
      {"desk.example.com/hook", "http:// or https://"},
      {"HTTP://desk.example.com/", "http:// or https://"},
      {"http://user:pw@desk.example.com/", "credentials"},
      {"http://desk.example.com/#frag", "fragment"},
      {"http://desk.example.com:0/", "port"},
      {"http://desk.example.com:99999/", "port"},
      {"http://desk.example.com:http/", "port"},
      {"http:///hook", "no host"},
      {"http://desk.example.com/a b", "spaces"},
      {"http://[::1/", "IPv6"},
  };
  for (const auto& [text, why] : cases) {
    SCOPED_TRACE(text);
    Result<WebhookUrl> url = ParseWebhookUrl(text);
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(url.status().message().find(why), std::string::npos) << url.status().message();
  }
}

TEST(WebhookBackoff, DoublesFromTheBaseUpToTheMaximumAndJitterTakesOffAtMostHalf) {
  const std::vector<int64_t> expected = {1000,  2000,   4000,   8000,   16000, 32000,
                                         64000, 128000, 256000, 300000, 300000};
  for (size_t i = 0; i < expected.size(); ++i) {
    const int failed = static_cast<int>(i) + 1;
    SCOPED_TRACE(failed);
    EXPECT_EQ(BackoffDelayMs(failed, 1000, 300000, 0.0), expected[i]);
    EXPECT_EQ(BackoffDelayMs(failed, 1000, 300000, 0.5), expected[i] - expected[i] / 4);
    const int64_t most_jitter = BackoffDelayMs(failed, 1000, 300000, 0.999999);
    EXPECT_GE(most_jitter, expected[i] / 2);
    EXPECT_LT(most_jitter, expected[i]);
  }
  EXPECT_EQ(BackoffDelayMs(1000, 1000, 300000, 0.0), 300000) << "no overflow";
  EXPECT_EQ(BackoffDelayMs(1, 5, 2, 0.0), 2) << "the maximum wins over the base";
}

TEST(WebhookSignature, IsHmacSha256AsInRfc4231) {
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookConfig, ReadsEverySettingIntoTheServerOptionsAndNeverLogsTheSecretOrThePath) {
  CommandLine cmd = ParseCommandLine(
      {"--handoff-webhook-url", "https://desk.example.com/hooks/kefu", "--handoff-webhook-attempts",
       "5", "--handoff-webhook-backoff-ms=200", "--handoff-webhook-backoff-max-ms", "60000"},
      {{"KEFU_HANDOFF_WEBHOOK_SECRET", "whsec-42"}, {"KEFU_HANDOFF_WEBHOOK_TIMEOUT_MS", "3000"}});
  ASSERT_TRUE(cmd.errors.empty()) << cmd.errors.front();
  const std::string logged = FormatEffectiveConfig(cmd.config);
  EXPECT_EQ(logged.find("whsec-42"), std::string::npos) << logged;
  EXPECT_NE(logged.find("handoff_webhook_secret=***"), std::string::npos) << logged;
  EXPECT_NE(logged.find("handoff_webhook_url=https://desk.example.com/*** "), std::string::npos)
      << "the path may carry a key: only the origin is logged; " << logged;
  const HandoffWebhookOptions options = MakeServerOptions(cmd.config).handoff_webhook;
  EXPECT_EQ(options.url, "https://desk.example.com/hooks/kefu");
  EXPECT_EQ(options.secret, "whsec-42");
  EXPECT_EQ(options.max_attempts, 5);
  EXPECT_EQ(options.backoff_base_ms, 200);
  EXPECT_EQ(options.backoff_max_ms, 60000);
  EXPECT_EQ(options.timeout_ms, 3000);
  EXPECT_NE(Usage().find("--handoff-webhook-url URL"), std::string::npos);
}

TEST(WebhookConfig, IsOffByDefaultWithDocumentedDefaults) {
  const ServerConfig defaults;
  EXPECT_TRUE(Validate(defaults).empty());
  const HandoffWebhookOptions options = MakeServerOptions(defaults).handoff_webhook;
  const HandoffWebhookOptions documented;
  EXPECT_EQ(options.url, "");
  EXPECT_EQ(options.max_attempts, documented.max_attempts);
  EXPECT_EQ(options.backoff_base_ms, documented.backoff_base_ms);
  EXPECT_EQ(options.backoff_max_ms, documented.backoff_max_ms);
  EXPECT_EQ(options.timeout_ms, documented.timeout_ms);
}

TEST(WebhookConfig, ReportsEveryProblemAtOnce) {
  CommandLine cmd = ParseCommandLine(
      {"--handoff-webhook-url", "ftp://desk.example.com/", "--handoff-webhook-attempts", "0",
       "--handoff-webhook-backoff-ms", "5000", "--handoff-webhook-backoff-max-ms", "1000",
       "--handoff-webhook-timeout-ms", "5"});
  const std::vector<std::string> flags = {"--handoff-webhook-url", "--handoff-webhook-attempts",
                                          "--handoff-webhook-backoff-max-ms",
                                          "--handoff-webhook-timeout-ms"};
  ASSERT_EQ(cmd.errors.size(), flags.size());
  for (size_t i = 0; i < flags.size(); ++i) {
    EXPECT_EQ(cmd.errors[i].rfind(flags[i], 0), 0u) << cmd.errors[i];
  }
  CommandLine secret_only = ParseCommandLine({}, {{"KEFU_HANDOFF_WEBHOOK_SECRET", "x"}});
  ASSERT_EQ(secret_only.errors.size(), 1u);
  EXPECT_NE(secret_only.errors[0].find("--handoff-webhook-url is not"), std::string::npos);
}

}  // namespace
}  // namespace kefu::server
