// Helpers for the server tests.
#include "tests/server/test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace kefu::server::testing {
namespace {

namespace fs = std::filesystem;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// argv as the char* array posix_spawn wants; `storage` owns the strings.
std::vector<char*> ArgvPointers(std::vector<std::string>& storage) {
  std::vector<char*> out;
  for (std::string& s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Spawns argv with stdout (and stderr too when `merge_stderr`) into a new pipe; returns the read
// end.
pid_t Spawn(const std::vector<std::string>& argv, bool merge_stderr, int* read_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<std::string> storage = argv;
  std::vector<char*> args = ArgvPointers(storage);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (pid <= 0) {
    close(fds[0]);
    return -1;
  }
  *read_fd = fds[0];
  return pid;
}

int ExitCodeOf(int wait_status) { return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1; }

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string ScalarOr(const YAML::Node& node, const char* key, const std::string& fallback) {
  const YAML::Node value = node[key];
  if (!value || !value.IsScalar()) return fallback;
  return value.as<std::string>();
}

// Front matter of a Markdown file: the text between the opening `---` line and the next `---` line.
std::optional<std::string> FrontMatter(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || Trim(line) != "---") return std::nullopt;
  std::string yaml;
  while (std::getline(in, line)) {
    if (Trim(line) == "---") return yaml;
    yaml += line;
    yaml += '\n';
  }
  return std::nullopt;
}

}  // namespace

std::string ContentDir() { return std::string(KEFU_SOURCE_DIR) + "/content"; }
std::string IndexerPath() {
  return EnvOr("KEFU_INDEXER", std::string(KEFU_BINARY_DIR) + "/indexer/kefu-indexer");
}
std::string ServerPath() {
  return EnvOr("KEFU_SERVER", std::string(KEFU_BINARY_DIR) + "/server/kefu-server");
}

TempDir::TempDir(const std::string& prefix) {
  std::string templ = EnvOr("TMPDIR", "/tmp") + "/" + prefix + "-XXXXXX";
  if (mkdtemp(templ.data()) != nullptr) path_ = templ;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  int fd = -1;
  pid_t pid = Spawn(argv, /*merge_stderr=*/true, &fd);
  if (pid <= 0) {
    result.output = "cannot start " + argv[0] + ": " + std::strerror(errno);
    return result;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = ExitCodeOf(status);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  pid_ = Spawn(argv, /*merge_stderr=*/false, &stdout_fd_);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::optional<std::string> ChildProcess::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (stdout_fd_ < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buf[1024];
    ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void ChildProcess::Signal(int signal_number) {
  if (pid_ > 0 && !reaped_) kill(pid_, signal_number);
}

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0 || reaped_) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return ExitCodeOf(status);
    }
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ListeningPort(ChildProcess& server) {
  if (!server.started()) return -1;
  std::optional<std::string> line = server.ReadLine(std::chrono::seconds(60));
  std::smatch m;
  if (!line ||
      !std::regex_match(*line, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"))) {
    return -1;
  }
  return std::stoi(m[1].str());
}

const TestIndex& SharedIndex() {
  struct Holder {
    TempDir dir{"kefu-server-test"};
    TestIndex index;
  };
  static const std::unique_ptr<Holder> holder = [] {
    auto h = std::make_unique<Holder>();
    if (h->dir.path().empty()) {
      h->index.error = "cannot create a temporary directory";
      return h;
    }
    h->index.dir = h->dir.path() + "/index";
    if (std::optional<std::string> error = RebuildIndex(h->index.dir)) {
      h->index.error = *error;
    } else {
      h->index.ok = true;
    }
    return h;
  }();
  return holder->index;
}

ServerOptions LoopbackServerOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 4;
  options.reload_interval_ms = 0;
  options.rate_limit_per_second = 0;
  return options;
}

Result<std::unique_ptr<KnowledgeBase>> OpenSharedIndex(KnowledgeBaseOptions options) {
  const TestIndex& index = SharedIndex();
  if (!index.ok) {
    return Status::FailedPrecondition("building the test index failed: " + index.error);
  }
  options.index_dir = index.dir;
  return KnowledgeBase::Open(options);
}

std::optional<std::string> RebuildIndex(const std::string& index_dir) {
  const std::vector<std::string> argv = {IndexerPath(), "build",   "--full",   "--content",
                                         ContentDir(),  "--index", index_dir};
  CommandResult r = RunCommand(argv);
  if (r.exit_code == 0) return std::nullopt;
  std::string command;
  for (const std::string& a : argv) command += a + " ";
  return command + "exited with " + std::to_string(r.exit_code) + ":\n" + r.output;
}

ContentFacts ScanContent(const std::string& content_dir) {
  ContentFacts facts;
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(content_dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".md") files.push_back(it->path());
  }
  if (ec) facts.problems.push_back(content_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());

  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::optional<std::string> front = FrontMatter(text.str());
    if (!front) continue;  // not an entry (e.g. a README)
    ScannedEntry e;
    e.path = file.string();
    try {
      YAML::Node node = YAML::Load(*front);
      e.id = ScalarOr(node, "id", "");
      e.locale = ScalarOr(node, "locale", "");
      e.title = ScalarOr(node, "title", "");
      e.audience = ScalarOr(node, "audience", "public");
      e.status = ScalarOr(node, "status", "published");
      e.internal_note = Trim(ScalarOr(node, "internal_note", ""));
      if (const YAML::Node qs = node["questions"]; qs && qs.IsSequence()) {
        for (const YAML::Node& q : qs) {
          if (q.IsScalar()) e.questions.push_back(q.as<std::string>());
        }
      }
    } catch (const YAML::Exception& ex) {
      facts.problems.push_back(e.path + ": " + ex.what());
      continue;
    }
    if (e.id.empty()) continue;
    facts.entries.push_back(e);
  }

  std::set<std::string> published, internal_any, draft_any;
  for (const ScannedEntry& e : facts.entries) {
    const bool is_published = e.status != "draft";
    if (is_published && e.audience == "public") facts.public_ids.insert(e.id);
    if (is_published) published.insert(e.id);
    if (e.audience == "internal") internal_any.insert(e.id);
    if (!is_published) draft_any.insert(e.id);
    if (!e.internal_note.empty()) {
      facts.internal_notes.push_back(e.internal_note);
      std::istringstream lines(e.internal_note);
      std::string line;
      while (std::getline(lines, line)) {
        line = Trim(line);
        if (!line.empty() && line != e.internal_note && CodePoints(line) >= 6) {
          facts.internal_notes.push_back(line);
        }
      }
    }
  }
  for (const std::string& id : internal_any) {
    if (!facts.public_ids.count(id)) facts.internal_ids.insert(id);
  }
  for (const std::string& id : draft_any) {
    if (!published.count(id)) facts.draft_ids.insert(id);
  }
  return facts;
}

std::string WithQuery(const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  auto encode = [](const std::string& s) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  };
  std::string out = path;
  char sep = '?';
  for (const auto& [key, value] : params) {
    out += sep;
    out += encode(key);
    out += '=';
    out += encode(value);
    sep = '&';
  }
  return out;
}

std::string JsonResponse::header(const std::string& name) const {
  auto it = headers.find(name);  // httplib::Headers compares case-insensitively
  return it == headers.end() ? std::string() : it->second;
}

JsonResponse ToJsonResponse(const httplib::Result& result) {
  JsonResponse out;
  if (!result) {
    out.json = nlohmann::json::value_t::discarded;
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  out.headers = result->headers;
  out.json = nlohmann::json::parse(out.body, nullptr, /*allow_exceptions=*/false);
  return out;
}

JsonResponse GetJson(httplib::Client& client, const std::string& path_and_query) {
  return ToJsonResponse(client.Get(path_and_query));
}

double Sample(const std::string& text, const std::string& series) {
  const std::string prefix = series + " ";
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, prefix.size(), prefix) == 0) {
      return std::stod(text.substr(at + prefix.size(), end - at - prefix.size()));
    }
    at = end + 1;
  }
  return -1;
}

std::vector<std::string> Keys(const nlohmann::json& object) {
  std::vector<std::string> keys;
  if (!object.is_object()) return keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

size_t CodePoints(const std::string& utf8) {
  return static_cast<size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace kefu::server::testing
