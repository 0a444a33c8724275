// Bearer tokens for agent and admin routes.
#include "server/auth.h"

#include "server/http_errors.h"

namespace kefu::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Result<std::map<std::string, std::string>> ParseAgentTokens(std::string_view text) {
  std::map<std::string, std::string> tokens;
  int item = 0;
  while (!Trim(text).empty()) {
    ++item;
    size_t comma = text.find(',');
    std::string_view part = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t colon = part.find(':');
    if (colon == std::string_view::npos || Trim(part.substr(0, colon)).empty() ||
        Trim(part.substr(colon + 1)).empty()) {
      return Status::InvalidArgument("agent token " + std::to_string(item) + " is not NAME:TOKEN");
    }
    tokens[std::string(Trim(part.substr(colon + 1)))] = std::string(Trim(part.substr(0, colon)));
  }
  return tokens;
}

std::optional<std::string> Authenticate(const httplib::Request& req, httplib::Response& res,
                                        const AuthConfig& auth, Role role) {
  bool configured = !auth.admin_token.empty() || (role == Role::kAgent && !auth.agent_tokens.empty());
  if (!configured) {
    SetError(res, 503, "unavailable",
             role == Role::kAdmin ? "admin routes are off: set KEFU_ADMIN_TOKEN (or --admin-token)"
                                  : "agent routes are off: set KEFU_AGENT_TOKENS=name:token,... "
                                    "(or --agent-tokens)");
    return std::nullopt;
  }
  std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() > kBearer.size() && std::string_view(header).substr(0, kBearer.size()) == kBearer) {
    std::string_view token = Trim(std::string_view(header).substr(kBearer.size()));
    // Every configured token is compared, so timing does not tell which one nearly matched.
    std::optional<std::string> who;
    if (!auth.admin_token.empty() && ConstantTimeEquals(token, auth.admin_token)) who = "admin";
    if (role == Role::kAgent) {
      for (const auto& [candidate, name] : auth.agent_tokens) {
        if (ConstantTimeEquals(token, candidate) && !who) who = name;
      }
    }
    if (who) return who;
  }
  res.set_header("WWW-Authenticate", "Bearer");
  SetError(res, 401, "unauthenticated", "a valid 'Authorization: Bearer TOKEN' header is required");
  return std::nullopt;
}

}  // namespace kefu::server
