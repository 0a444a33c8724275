// Bearer-token authentication of agent and admin routes. Tokens come from configuration
// (KEFU_AGENT_TOKENS "name:token,name:token", KEFU_ADMIN_TOKEN), are compared in constant time and
// never logged. No tokens configured: those routes answer 503 saying how to configure them.
#pragma once

#include <httplib.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "kb/status.h"

namespace kefu::server {

struct AuthConfig {
  std::map<std::string, std::string> agent_tokens;  // token -> agent name
  std::string admin_token;                          // "" = admin routes disabled
};

enum class Role { kAgent, kAdmin };

// Parses "name:token,name:token". kInvalidArgument names the malformed item (never the token).
Result<std::map<std::string, std::string>> ParseAgentTokens(std::string_view text);

// The caller's name when `req` carries a token for `role` (the admin token is accepted on agent
// routes too, as "admin"). Otherwise writes the 401 or 503 JSON error into `res` and returns nullopt.
std::optional<std::string> Authenticate(const httplib::Request& req, httplib::Response& res,
                                        const AuthConfig& auth, Role role);

// Equal strings, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace kefu::server
