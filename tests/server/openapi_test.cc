// docs/openapi.yaml against the routes the server really registers: every registered route is
// documented with its method, every documented operation is registered, and the document is
// self-consistent (references resolve, errors use the common schema, path parameters are declared,
// agent and admin routes ask for the bearer token). A route added without its documentation fails
// here.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/search/index_writer.h"
#include "server/server.h"
#include "tests/testing/temp_dir.h"

namespace kefu::server {
namespace {

const std::set<std::string> kHttpMethods = {"get", "put", "post", "delete", "options",
                                            "head", "patch", "trace"};
// Path prefixes that need `Authorization: Bearer` (agent and admin routes).
const std::vector<std::string> kBearerPrefixes = {"/api/v1/admin/", "/api/v1/agent/",
                                                  "/api/v1/handoffs"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// "/api/v1/entries/{id}" -> {"id"}
std::vector<std::string> TemplateParams(const std::string& path) {
  std::vector<std::string> names;
  static const std::regex kParam(R"(\{([^}]+)\})");
  for (std::sregex_iterator it(path.begin(), path.end(), kParam), end; it != end; ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

// "/api/v1/entries/{id}" -> "/api/v1/entries/sample-1": a concrete path the route must match.
std::string SamplePath(const std::string& path) {
  static const std::regex kParam(R"(\{[^}]+\})");
  return std::regex_replace(path, kParam, "sample-1");
}

// node[keys[i]][keys[i+1]]...; yaml-cpp's Node::operator= assigns through, so no reassignment.
YAML::Node Walk(const YAML::Node& node, const std::vector<std::string>& keys, size_t i) {
  if (i == keys.size()) return node;
  if (!node.IsMap() || !node[keys[i]]) return YAML::Node(YAML::NodeType::Undefined);
  return Walk(node[keys[i]], keys, i + 1);
}

// The node a local "$ref" ("#/components/...") names; an undefined node when it does not resolve.
YAML::Node Resolve(const YAML::Node& doc, const std::string& ref) {
  if (!StartsWith(ref, "#/")) return YAML::Node(YAML::NodeType::Undefined);
  std::vector<std::string> keys;
  size_t pos = 2;
  while (pos <= ref.size()) {
    const size_t slash = std::min(ref.find('/', pos), ref.size());
    keys.push_back(ref.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return Walk(doc, keys, 0);
}

// Follows one level of $ref.
YAML::Node Deref(const YAML::Node& doc, const YAML::Node& node) {
  if (node.IsMap() && node["$ref"]) return Resolve(doc, node["$ref"].as<std::string>());
  return node;
}

void ForEachRef(const YAML::Node& node, const std::function<void(const std::string&)>& f) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (kv.first.as<std::string>() == "$ref" && kv.second.IsScalar()) {
        f(kv.second.as<std::string>());
      } else {
        ForEachRef(kv.second, f);
      }
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) ForEachRef(item, f);
  }
}

// A server on a one-entry index, started on 127.0.0.1 port 0 only to read its route table.
class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    Entry entry;
    entry.id = "openapi-probe";
    entry.locale = Locale::kEn;
    entry.title = "How do I read the API document?";
    entry.body = "It is docs/openapi.yaml.";
    IndexBuildOptions build;
    build.index_dir = dir_.Path("index");
    Result<IndexBuildStats> stats = BuildIndex({entry}, build);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    KnowledgeBaseOptions kb_options;
    kb_options.index_dir = build.index_dir;
    auto kb = KnowledgeBase::Open(kb_options);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(kb).value();
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.reload_interval_ms = 0;
    server_ = std::make_unique<Server>(*kb_, options);
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();

    doc_ = YAML::LoadFile(std::string(KEFU_SOURCE_DIR) + "/docs/openapi.yaml");
    ASSERT_TRUE(doc_["paths"].IsMap());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  const std::vector<RouteTable::Route>& Routes() const { return server_->routes().routes(); }

  kefu::testing::TempDir dir_;
  std::unique_ptr<KnowledgeBase> kb_;
  std::unique_ptr<Server> server_;
  YAML::Node doc_;
};

TEST_F(OpenApiTest, IsOpenApi3) {
  ASSERT_TRUE(doc_["openapi"]);
  EXPECT_TRUE(StartsWith(doc_["openapi"].as<std::string>(), "3.")) << doc_["openapi"];
  EXPECT_TRUE(doc_["info"]["title"]);
  EXPECT_TRUE(doc_["info"]["version"]);
}

TEST_F(OpenApiTest, DocumentsEveryRegisteredRouteWithItsMethod) {
  ASSERT_FALSE(Routes().empty());
  for (const RouteTable::Route& route : Routes()) {
    const YAML::Node path = doc_["paths"][route.name];
    ASSERT_TRUE(path && path.IsMap())
        << route.method << " " << route.name << " is registered but not in docs/openapi.yaml";
    EXPECT_TRUE(path[Lower(route.method)])
        << route.method << " " << route.name << " is registered but docs/openapi.yaml has only "
        << path;
    // The template names the paths the route serves.
    EXPECT_TRUE(std::regex_match(SamplePath(route.name), std::regex(route.pattern)))
        << route.name << " does not match its pattern " << route.pattern;
  }
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsRegistered) {
  for (const auto& path : doc_["paths"]) {
    const std::string name = path.first.as<std::string>();
    for (const auto& item : path.second) {
      const std::string key = item.first.as<std::string>();
      if (key == "parameters" || key == "summary" || key == "description" || key == "servers") {
        continue;
      }
      ASSERT_TRUE(kHttpMethods.count(key)) << name << ": unexpected key " << key;
      const bool registered =
          std::any_of(Routes().begin(), Routes().end(), [&](const RouteTable::Route& r) {
            return r.name == name && r.method == Upper(key);
          });
      EXPECT_TRUE(registered) << Upper(key) << " " << name
                              << " is documented but RegisterRoutes() does not register it";
    }
  }
}

TEST_F(OpenApiTest, OperationsDeclareParametersResponsesAndSecurity) {
  for (const auto& path : doc_["paths"]) {
    const std::string name = path.first.as<std::string>();
    const bool needs_bearer =
        std::any_of(kBearerPrefixes.begin(), kBearerPrefixes.end(),
                    [&](const std::string& prefix) { return StartsWith(name, prefix); });
    for (const auto& item : path.second) {
      const std::string method = item.first.as<std::string>();
      if (!kHttpMethods.count(method)) continue;
      const YAML::Node op = item.second;
      const std::string where = Upper(method) + " " + name;
      EXPECT_TRUE(op["operationId"]) << where;

      // Every {param} of the template is declared `in: path`, required.
      std::set<std::string> declared;
      for (const YAML::Node& list : {path.second["parameters"], op["parameters"]}) {
        if (!list) continue;
        for (const auto& p : list) {
          const YAML::Node param = Deref(doc_, p);
          ASSERT_TRUE(param.IsMap()) << where << ": unresolved parameter " << p;
          if (param["in"].as<std::string>() == "path") {
            EXPECT_TRUE(param["required"] && param["required"].as<bool>()) << where;
            declared.insert(param["name"].as<std::string>());
          }
        }
      }
      for (const std::string& param : TemplateParams(name)) {
        EXPECT_TRUE(declared.count(param)) << where << ": path parameter " << param
                                           << " is not declared";
      }

      // A success response, and every error response uses the common error schema.
      ASSERT_TRUE(op["responses"].IsMap()) << where;
      bool has_success = false;
      for (const auto& r : op["responses"]) {
        const std::string status = r.first.as<std::string>();
        const YAML::Node response = Deref(doc_, r.second);
        ASSERT_TRUE(response.IsMap()) << where << " " << status << ": unresolved response";
        EXPECT_TRUE(response["description"]) << where << " " << status;
        if (status[0] == '2') has_success = true;
        if (status[0] == '4' || status[0] == '5') {
          const YAML::Node schema = response["content"]["application/json"]["schema"];
          ASSERT_TRUE(schema && schema["$ref"]) << where << " " << status;
          EXPECT_EQ(schema["$ref"].as<std::string>(), "#/components/schemas/Error")
              << where << " " << status;
        }
      }
      EXPECT_TRUE(has_success) << where;

      // Agent and admin routes need the bearer token (and say 401); the others need nothing.
      const YAML::Node security = op["security"];
      if (needs_bearer) {
        ASSERT_TRUE(security && security.IsSequence() && security.size() > 0) << where;
        EXPECT_TRUE(security[0]["bearerAuth"]) << where;
        EXPECT_TRUE(op["responses"]["401"]) << where;
      } else {
        EXPECT_FALSE(security && security.size() > 0) << where << " is public";
      }
    }
  }
}

TEST_F(OpenApiTest, ErrorSchemaIsTheCommonErrorBody) {
  const YAML::Node error = doc_["components"]["schemas"]["Error"];
  ASSERT_TRUE(error.IsMap());
  std::set<std::string> required;
  for (const auto& r : error["required"]) required.insert(r.as<std::string>());
  EXPECT_EQ(required, (std::set<std::string>{"error", "request_id"}));
  EXPECT_TRUE(error["properties"]["error"]["properties"]["code"]);
  EXPECT_TRUE(error["properties"]["error"]["properties"]["message"]);
  EXPECT_TRUE(error["properties"]["request_id"]);
  const YAML::Node bearer = doc_["components"]["securitySchemes"]["bearerAuth"];
  ASSERT_TRUE(bearer.IsMap());
  EXPECT_EQ(bearer["type"].as<std::string>(), "http");
  EXPECT_EQ(bearer["scheme"].as<std::string>(), "bearer");
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
  int refs = 0;
  ForEachRef(doc_, [&](const std::string& ref) {
    ++refs;
    EXPECT_TRUE(Resolve(doc_, ref).IsDefined()) << "unresolved $ref " << ref;
  });
  EXPECT_GT(refs, 0);
}

}  // namespace
}  // namespace kefu::server
