// Bearer-token checks of agent and admin routes, without a network.
#include "server/auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kefu::server {
namespace {

httplib::Request WithToken(const std::string& token) {
  httplib::Request req;
  if (!token.empty()) req.set_header("Authorization", "Bearer " + token);
  return req;
}

std::string CodeOf(const httplib::Response& res) {
  return nlohmann::json::parse(res.body, nullptr, false)["error"].value("code", "");
}

TEST(Auth, ParsesAgentTokens) {
  auto tokens = ParseAgentTokens(" li:t-1, wang:t-2 ");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->at("t-1"), "li");
  EXPECT_EQ(tokens->at("t-2"), "wang");
  EXPECT_TRUE(ParseAgentTokens("")->empty());
  auto bad = ParseAgentTokens("li:t-1,secret-without-name");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "agent token 2 is not NAME:TOKEN");  // never echoes the token
}

TEST(Auth, AcceptsTheRightTokenForEachRole) {
  AuthConfig auth;
  auth.agent_tokens = {{"t-1", "li"}};
  auth.admin_token = "root-token";
  httplib::Response res;
  EXPECT_EQ(Authenticate(WithToken("t-1"), res, auth, Role::kAgent), "li");
  EXPECT_EQ(Authenticate(WithToken("root-token"), res, auth, Role::kAgent), "admin");
  EXPECT_EQ(Authenticate(WithToken("root-token"), res, auth, Role::kAdmin), "admin");

  httplib::Response agent_on_admin;
  EXPECT_FALSE(Authenticate(WithToken("t-1"), agent_on_admin, auth, Role::kAdmin));
  EXPECT_EQ(agent_on_admin.status, 401);
  EXPECT_EQ(CodeOf(agent_on_admin), "unauthenticated");
  EXPECT_EQ(agent_on_admin.get_header_value("WWW-Authenticate"), "Bearer");

  for (const std::string& token : {std::string(), std::string("t-"), std::string("t-12")}) {
    httplib::Response wrong;
    EXPECT_FALSE(Authenticate(WithToken(token), wrong, auth, Role::kAgent)) << token;
    EXPECT_EQ(wrong.status, 401) << token;
  }
}

TEST(Auth, UnconfiguredRoutesSayHowToConfigureThem) {
  httplib::Response res;
  EXPECT_FALSE(Authenticate(WithToken("anything"), res, AuthConfig{}, Role::kAgent));
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(CodeOf(res), "unavailable");
  EXPECT_NE(res.body.find("KEFU_AGENT_TOKENS"), std::string::npos);
}

TEST(Auth, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace kefu::server
