// The handlers every kefu server installs around its routes, on a bare httplib::Server whose routes
// misbehave on purpose: exceptions become a 500 JSON error without the exception text; the
// library's own errors (404, 405, 413) get JSON bodies; every response carries a request id.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/routes.h"
#include "server/server.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

constexpr char kSecret[] = "secret-detail-4711";
constexpr size_t kPayloadMax = 64;

class SafetyNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto add = [&](const std::string& pattern, httplib::Server::Handler handler) {
      http_.Get(pattern, std::move(handler));
      routes_.Add("GET", pattern);
    };
    add("/throws", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Half-Done", "yes");
      res.body = "half a response";
      throw std::runtime_error(kSecret);
    });
    add("/throws-int", [](const httplib::Request&, httplib::Response&) { throw 4711; });
    add("/ok", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{}", "application/json");
    });
    http_.set_payload_max_length(kPayloadMax);
    InstallCommonHandlers(http_, routes_, kPayloadMax);
    port_ = http_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  void TearDown() override {
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }

  static void ExpectJsonError(const JsonResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    ASSERT_TRUE(r.json.is_object()) << r.body;
    EXPECT_EQ(Keys(r.json), (std::vector<std::string>{"error", "request_id"})) << r.body;
    EXPECT_EQ(r.json.at("error").value("code", ""), code) << r.body;
    EXPECT_FALSE(r.json.at("error").value("message", "").empty()) << r.body;
    EXPECT_FALSE(r.header("X-Request-Id").empty());
    EXPECT_EQ(r.json.value("request_id", ""), r.header("X-Request-Id"));
  }

  httplib::Server http_;
  RouteTable routes_;
  int port_ = -1;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SafetyNetTest, ExceptionBecomes500JsonWithoutTheExceptionText) {
  JsonResponse r = GetJson(*client_, "/throws");
  ExpectJsonError(r, 500, "internal");
  EXPECT_EQ(r.body.find(kSecret), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("half a response"), std::string::npos) << r.body;
  for (const auto& [name, value] : r.headers) {
    EXPECT_EQ(value.find(kSecret), std::string::npos) << name << ": " << value;
    EXPECT_NE(name, "EXCEPTION_WHAT");
    EXPECT_NE(name, "X-Half-Done");
  }
}

TEST_F(SafetyNetTest, NonStandardExceptionBecomes500Json) {
  ExpectJsonError(GetJson(*client_, "/throws-int"), 500, "internal");
}

TEST_F(SafetyNetTest, ServerKeepsServingAfterAnException) {
  ExpectJsonError(GetJson(*client_, "/throws"), 500, "internal");
  JsonResponse ok = GetJson(*client_, "/ok");
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(ok.header("X-Request-Id").empty());
}

TEST_F(SafetyNetTest, UnknownRouteIs404Json) {
  ExpectJsonError(GetJson(*client_, "/nowhere"), 404, "not_found");
}

TEST_F(SafetyNetTest, WrongMethodIs405WithAllow) {
  JsonResponse r = ToJsonResponse(client_->Post("/ok", "", "text/plain"));
  ExpectJsonError(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
}

TEST_F(SafetyNetTest, OversizedBodyIs413Json) {
  ExpectJsonError(
      ToJsonResponse(client_->Post("/ok", std::string(kPayloadMax + 1, 'x'), "text/plain")), 413,
      "resource_exhausted");
}

TEST_F(SafetyNetTest, RequestIdsDiffer) {
  EXPECT_NE(GetJson(*client_, "/ok").header("X-Request-Id"),
            GetJson(*client_, "/ok").header("X-Request-Id"));
}

}  // namespace
}  // namespace kefu::server::testing
