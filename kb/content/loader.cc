// Parsing and validation of content files, on every core; problems are collected, never thrown.
#include "kb/content/loader.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "kb/content/golden.h"
#include "kb/text/normalizer.h"

namespace kefu {
namespace {

namespace fs = std::filesystem;

struct Parsed {
  Entry entry;
  int related_line = 0;
};

class Collector {
 public:
  explicit Collector(LoadResult* result) : result_(result) {}
  void Error(const std::string& path, int line, std::string msg) {
    result_->diagnostics.push_back({path, line, Severity::kError, std::move(msg)});
  }
  void Warning(const std::string& path, int line, std::string msg) {
    result_->diagnostics.push_back({path, line, Severity::kWarning, std::move(msg)});
  }

 private:
  LoadResult* result_;
};

// A file's bytes. Read into a buffer that is not zeroed first, large files on every core at once: at
// 100k entries the export is 174 MB, and the kernel's work of giving a fresh buffer its pages was
// most of the 0.1 s one read took (0.05 s on two cores). Not mapped: the server reindexes in-process,
// and a mapped file truncated by an editor meanwhile would end the server with SIGBUS.
class FileBytes {
 public:
  // False when the file cannot be opened or read whole.
  bool Read(const std::string& path);
  std::string_view view() const { return {data_.get() + skip_, size_ - skip_}; }
  void SkipPrefix(size_t n) { skip_ += n; }

 private:
  // Files at least this large are read in one part per core.
  static constexpr size_t kParallelBytes = size_t{1} << 20;

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t skip_ = 0;
};

bool FileBytes::Read(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return false;
  }
  size_ = static_cast<size_t>(st.st_size);
  data_.reset(new char[std::max<size_t>(size_, 1)]);
  size_t parts = size_ < kParallelBytes ? 1 : std::max(1u, std::thread::hardware_concurrency());
  std::vector<char> whole(parts, 0);
  auto read_part = [&](size_t k) {
    size_t from = size_ * k / parts, to = size_ * (k + 1) / parts;
    while (from < to) {
      ssize_t n = pread(fd, data_.get() + from, to - from, static_cast<off_t>(from));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // an error, or the file shrank while being read
      from += static_cast<size_t>(n);
    }
    whole[k] = 1;
  };
  std::vector<std::thread> readers;
  for (size_t k = 1; k < parts; ++k) readers.emplace_back(read_part, k);
  read_part(0);
  for (std::thread& t : readers) t.join();
  close(fd);
  return std::all_of(whole.begin(), whole.end(), [](char ok) { return ok != 0; });
}

// memchr rather than std::count: lines are long (1.7 KB on average in a bulk export) and memchr skips
// to the next one at memory speed; counting a 174 MB export byte by byte took 0.07-0.12 s.
int CountNewlines(std::string_view text) {
  int n = 0;
  for (const char *p = text.data(), *end = p + text.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr; ++p) {
    ++n;
  }
  return n;
}

int LineOfOffset(std::string_view text, size_t offset) { return 1 + CountNewlines(text.substr(0, offset)); }

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

bool IsIsoDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  int month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

const std::set<std::string>& KnownFrontMatterKeys() {
  static const std::set<std::string> keys = {"id",       "type",     "locale",        "title",
                                             "questions", "tags",    "category",      "audience",
                                             "internal_note", "related", "escalate", "status",
                                             "updated"};
  return keys;
}

// Front matter lines start at file line 2; yaml-cpp counts from 0 inside the parsed text.
constexpr int kFrontMatterFirstLine = 2;

class MarkdownParser {
 public:
  MarkdownParser(const std::string& path, const std::string& folder_locale, Collector* out)
      : path_(path), folder_locale_(folder_locale), out_(out) {}

  bool Parse(const std::string& text, Parsed* parsed) {
    std::string body_text;
    std::string front;
    int body_line = 0;
    if (!Split(text, &front, &body_text, &body_line)) return false;
    YAML::Node root;
    try {
      root = YAML::Load(front);
    } catch (const YAML::Exception& e) {
      out_->Error(path_, e.mark.line + kFrontMatterFirstLine, "invalid YAML front matter: " + e.msg);
      return false;
    }
    if (!root.IsMap()) {
      out_->Error(path_, kFrontMatterFirstLine, "front matter must be a YAML mapping of field: value");
      return false;
    }
    Entry& e = parsed->entry;
    e.source_path = path_;
    e.source_line = 1;
    bool ok = true;
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      int line = kv.first.Mark().line + kFrontMatterFirstLine;
      if (KnownFrontMatterKeys().count(key) == 0) {
        out_->Error(path_, line, "unknown field '" + key + "'");
        ok = false;
        continue;
      }
      ok = Field(key, kv.second, line, parsed) && ok;
    }
    e.body = Trim(body_text);
    ok = Check(root, body_line, parsed) && ok;
    return ok;
  }

 private:
  bool Split(const std::string& text, std::string* front, std::string* body, int* body_line) {
    std::istringstream in(text);
    std::string line;
    int n = 0;
    bool open = false;
    std::ostringstream fm, rest;
    bool closed = false;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!open) {
        if (Trim(line) != "---") {
          out_->Error(path_, n, "missing front matter: the file must start with a line '---'");
          return false;
        }
        open = true;
        continue;
      }
      if (!closed) {
        if (Trim(line) == "---") {
          closed = true;
          *body_line = n + 1;
          continue;
        }
        fm << line << '\n';
      } else {
        rest << line << '\n';
      }
    }
    if (!open) {
      out_->Error(path_, 1, "empty file");
      return false;
    }
    if (!closed) {
      out_->Error(path_, 1, "front matter is not closed: add a line '---' after the last field");
      return false;
    }
    *front = fm.str();
    *body = rest.str();
    return true;
  }

  bool Scalar(const YAML::Node& node, int line, const std::string& key, std::string* out) {
    if (node.IsNull()) {
      *out = "";
      return true;
    }
    if (!node.IsScalar()) {
      out_->Error(path_, line, "field '" + key + "' must be a single value");
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  bool List(const YAML::Node& node, int line, const std::string& key, std::vector<std::string>* out) {
    if (node.IsNull()) return true;
    if (!node.IsSequence()) {
      out_->Error(path_, line, "field '" + key + "' must be a list, e.g. [a, b] or lines starting with '- '");
      return false;
    }
    bool ok = true;
    for (const auto& item : node) {
      int item_line = item.Mark().line + kFrontMatterFirstLine;
      if (!item.IsScalar() || Trim(item.Scalar()).empty()) {
        out_->Error(path_, item_line, "field '" + key + "' has an empty or nested item");
        ok = false;
        continue;
      }
      out->push_back(Trim(item.Scalar()));
    }
    return ok;
  }

  bool Field(const std::string& key, const YAML::Node& value, int line, Parsed* parsed) {
    Entry& e = parsed->entry;
    std::string s;
    if (key == "questions") return List(value, line, key, &e.questions);
    if (key == "tags") return List(value, line, key, &e.tags);
    if (key == "related") {
      parsed->related_line = line;
      return List(value, line, key, &e.related);
    }
    if (!Scalar(value, line, key, &s)) return false;
    s = Trim(s);
    if (key == "id") {
      e.id = s;
      if (!IsValidEntryId(s)) {
        out_->Error(path_, line, "invalid id '" + s + "': use letters, digits and _ . : - (at most 128)");
        return false;
      }
    } else if (key == "type") {
      if (s == "faq") {
        e.type = EntryType::kFaq;
      } else if (s == "article") {
        e.type = EntryType::kArticle;
      } else {
        out_->Error(path_, line, "unknown type '" + s + "': use faq or article");
        return false;
      }
    } else if (key == "locale") {
      auto locale = ParseLocale(s);
      if (!locale) {
        out_->Error(path_, line, "unknown locale '" + s + "': use zh-Hans, zh-Hant or en");
        return false;
      }
      e.locale = *locale;
      has_locale_ = true;
      if (!folder_locale_.empty() && folder_locale_ != LocaleName(*locale)) {
        out_->Warning(path_, line, "locale " + std::string(LocaleName(*locale)) + " in folder " +
                                       folder_locale_ + "/");
      }
    } else if (key == "title") {
      e.title = s;
    } else if (key == "category") {
      e.category = s;
    } else if (key == "audience") {
      if (s == "public") {
        e.audience = Audience::kPublic;
      } else if (s == "internal") {
        e.audience = Audience::kInternal;
      } else {
        out_->Error(path_, line, "unknown audience '" + s + "': use public or internal");
        return false;
      }
    } else if (key == "internal_note") {
      e.internal_note = s;
    } else if (key == "escalate") {
      if (s == "true" || s == "yes") {
        e.escalate = true;
      } else if (s == "false" || s == "no" || s.empty()) {
        e.escalate = false;
      } else {
        out_->Error(path_, line, "escalate must be true or false, not '" + s + "'");
        return false;
      }
    } else if (key == "status") {
      if (s == "published") {
        e.status = EntryStatus::kPublished;
      } else if (s == "draft") {
        e.status = EntryStatus::kDraft;
      } else {
        out_->Error(path_, line, "unknown status '" + s + "': use published or draft");
        return false;
      }
    } else if (key == "updated") {
      if (!IsIsoDate(s)) {
        out_->Error(path_, line, "updated must be a date like 2026-11-01, not '" + s + "'");
        return false;
      }
      e.updated = s;
    }
    return true;
  }

  bool Check(const YAML::Node& root, int body_line, Parsed* parsed) {
    Entry& e = parsed->entry;
    bool ok = true;
    if (!root["id"] || e.id.empty()) {
      out_->Error(path_, 1, "missing id");
      ok = false;
    }
    if (!root["title"] || e.title.empty()) {
      out_->Error(path_, 1, "missing title");
      ok = false;
    }
    if (!has_locale_) {
      auto locale = ParseLocale(folder_locale_);
      if (folder_locale_.empty() || !locale) {
        out_->Error(path_, 1, "missing locale (zh-Hans, zh-Hant or en)");
        ok = false;
      } else {
        e.locale = *locale;
      }
    }
    if (e.type == EntryType::kFaq && e.body.empty()) {
      out_->Error(path_, body_line, "empty body: a FAQ needs its answer below the front matter");
      ok = false;
    }
    return ok;
  }

  std::string path_;
  std::string folder_locale_;
  Collector* out_;
  bool has_locale_ = false;
};

// What is wrong with a line that simdjson refused: nlohmann names the column and what it expected
// there, which editors need and simdjson's error codes do not say.
std::string DescribeJsonError(std::string_view line, simdjson::error_code error) {
  try {
    nlohmann::json accepted = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    size_t reason = what.find("syntax error");
    return "invalid JSON at column " + std::to_string(e.byte) + ": " +
           (reason == std::string::npos ? std::string("syntax error") : what.substr(reason));
  }
  return std::string("invalid JSON: ") + simdjson::error_message(error);  // e.g. a number beyond 64 bits
}

// The lines of `text`, the first being line `first_line` of the file. simdjson parses them: at 100k
// entries the export is 174 MB, and nlohmann took most of the 2.2 s a one-entry update spent reading it.
void ParseJsonl(const std::string& path, std::string_view text, int first_line, Collector* out,
                std::vector<Parsed>* parsed) {
  static constexpr std::string_view kKeys[] = {"id", "lang", "question", "paraphrases", "answer"};
  enum { kId, kLang, kQuestion, kParaphrases, kAnswer, kFields };
  simdjson::dom::parser parser;
  int n = first_line - 1;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++n;
    if (std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); })) continue;
    simdjson::dom::element root;
    if (auto error = parser.parse(line.data(), line.size()).get(root)) {
      out->Error(path, n, DescribeJsonError(line, error));
      continue;
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
      out->Error(path, n, "not a JSON object");
      continue;
    }
    bool ok = true;
    std::optional<simdjson::dom::element> fields[kFields];
    for (const auto field : object) {
      auto known = std::find(std::begin(kKeys), std::end(kKeys), field.key);
      if (known == std::end(kKeys)) {
        out->Error(path, n, "unknown field '" + std::string(field.key) + "'");
        ok = false;
      } else {
        fields[known - std::begin(kKeys)] = field.value;  // a repeated key: the last one counts
      }
    }
    Parsed p;
    Entry& e = p.entry;
    e.source_path = path;
    e.source_line = n;
    p.related_line = n;
    auto str = [&](int field) -> std::string {
      if (!fields[field] || fields[field]->is_null()) return "";
      std::string_view value;
      if (fields[field]->get_string().get(value) != simdjson::SUCCESS) {
        out->Error(path, n, "field '" + std::string(kKeys[field]) + "' must be a string");
        ok = false;
        return "";
      }
      return std::string(value);
    };
    e.id = Trim(str(kId));
    if (e.id.empty()) {
      out->Error(path, n, "missing id");
      ok = false;
    } else if (!IsValidEntryId(e.id)) {
      // Exports from other systems keep their ids when they are at least printable and short.
      bool printable = e.id.size() <= 128 && std::all_of(e.id.begin(), e.id.end(), [](unsigned char c) {
        return c > 0x20 && c < 0x7F && c != '/' && c != '|';
      });
      if (printable) {
        out->Warning(path, n, "id '" + e.id + "' has characters outside A-Z a-z 0-9 _ . : - (URL-encode it in links)");
      } else {
        out->Error(path, n, "invalid id '" + e.id + "': use letters, digits and _ . : - (at most 128)");
        ok = false;
      }
    }
    std::string lang = str(kLang);
    auto locale = ParseLocale(lang);
    if (!locale) {
      out->Error(path, n, lang.empty() ? "missing lang" : "unknown lang '" + lang + "'");
      ok = false;
    } else {
      e.locale = *locale;
    }
    e.title = Trim(str(kQuestion));
    if (e.title.empty()) {
      out->Error(path, n, "missing question");
      ok = false;
    }
    e.body = Trim(str(kAnswer));
    if (ok && e.body.empty()) out->Warning(path, n, "empty answer");
    if (fields[kParaphrases]) {
      simdjson::dom::array list;
      if (fields[kParaphrases]->get_array().get(list) != simdjson::SUCCESS) {
        out->Error(path, n, "field 'paraphrases' must be a list of strings");
        ok = false;
      } else {
        for (const auto item : list) {
          std::string_view q;
          if (item.get_string().get(q) != simdjson::SUCCESS) continue;
          std::string trimmed = Trim(std::string(q));
          if (!trimmed.empty()) e.questions.push_back(std::move(trimmed));
        }
      }
    }
    if (ok) parsed->push_back(std::move(p));
  }
}

// A piece of parsing work: a whole Markdown file, or a run of whole lines of a JSON Lines file.
struct ParseUnit {
  std::string path;
  std::string folder_locale;
  std::shared_ptr<const FileBytes> text;  // the whole file
  std::string_view lines;                   // JSON Lines only: this unit's lines of *text
  int first_line = 1;
  int lines_count = 0;  // JSON Lines only: the newlines in `lines`
  LoadResult diagnostics;  // this unit's problems, merged in unit order
  std::vector<Parsed> parsed;
};

// JSON Lines files are parsed in runs of about this many bytes, so that one large export keeps
// every core busy.
constexpr size_t kJsonlUnitBytes = 1 << 20;

// Reads and checks one file, then appends its units: a file that cannot be read or is not UTF-8
// gets one unit with nothing to parse and that problem.
void AddUnits(const std::string& path, const std::string& folder_locale, std::vector<ParseUnit>* units) {
  auto text = std::make_shared<FileBytes>();
  auto fail = [&](int line, std::string message) {
    ParseUnit unit{path, folder_locale};
    Collector(&unit.diagnostics).Error(path, line, std::move(message));
    units->push_back(std::move(unit));
  };
  if (!text->Read(path)) return fail(0, "cannot read file");
  size_t bad = 0;
  std::string_view bytes = text->view();
  // simdjson's check runs at memory speed; ICU's finds where the bad byte is.
  if (!simdjson::validate_utf8(bytes.data(), bytes.size()) && !IsValidUtf8(bytes, &bad)) {
    return fail(LineOfOffset(bytes, bad),
                "invalid UTF-8 (byte offset " + std::to_string(bad) + "): save the file as UTF-8");
  }
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") text->SkipPrefix(3);
  if (fs::path(path).extension() != ".jsonl") {
    units->push_back({path, folder_locale, std::move(text)});
    return;
  }
  std::string_view all = text->view();
  int line = 1;
  for (size_t start = 0; start < all.size();) {
    size_t end = start + kJsonlUnitBytes >= all.size() ? all.size() : all.find('\n', start + kJsonlUnitBytes);
    end = end == std::string_view::npos ? all.size() : end + 1;
    ParseUnit unit{path, folder_locale, text};
    unit.lines = all.substr(start, end - start);
    unit.first_line = line;
    unit.lines_count = CountNewlines(unit.lines);
    line += unit.lines_count;
    units->push_back(std::move(unit));
    start = end;
  }
}

void ParseUnitText(ParseUnit* unit) {
  if (unit->text == nullptr) return;
  Collector out(&unit->diagnostics);
  if (fs::path(unit->path).extension() == ".jsonl") {
    unit->parsed.reserve(static_cast<size_t>(unit->lines_count) + 1);  // growing moves every entry again
    ParseJsonl(unit->path, unit->lines, unit->first_line, &out, &unit->parsed);
    return;
  }
  Parsed p;
  MarkdownParser parser(unit->path, unit->folder_locale, &out);
  if (parser.Parse(std::string(unit->text->view()), &p)) unit->parsed.push_back(std::move(p));
}

// Parses the units on every core and appends their diagnostics and entries in unit order: the
// same result, in the same order, as parsing them one after another.
void ParseUnits(std::vector<ParseUnit>* units, LoadResult* result) {
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next++; i < units->size(); i = next++) {
      ParseUnit& unit = (*units)[i];
      try {  // on a worker thread: an escaping exception would end the process
        ParseUnitText(&unit);
      } catch (const std::exception& e) {
        Collector(&unit.diagnostics).Error(unit.path, unit.first_line, std::string("cannot parse: ") + e.what());
      }
    }
  };
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), units->size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (ParseUnit& unit : *units) {
    for (Diagnostic& d : unit.diagnostics.diagnostics) result->diagnostics.push_back(std::move(d));
  }
}

// Checks across files, then moves the entries out of the units sorted by (id, locale). Hash tables
// find the duplicates and missing links: ordered maps' string comparisons were most of this at 100k
// entries. Entries are moved once, into the result: gathering them first was another 60 MB to copy.
void Finish(std::vector<ParseUnit>* units, Collector* out, LoadResult* result) {
  std::vector<Parsed*> parsed;
  for (ParseUnit& unit : *units) {
    for (Parsed& p : unit.parsed) parsed.push_back(&p);
  }
  constexpr size_t kLocales = static_cast<size_t>(Locale::kEn) + 1;
  std::unordered_map<std::string_view, const Parsed*> first_of[kLocales];
  // Only links need every id: bulk exports have none.
  std::unordered_set<std::string_view> ids;
  if (std::any_of(parsed.begin(), parsed.end(), [](const Parsed* p) { return !p->entry.related.empty(); })) {
    for (const Parsed* p : parsed) ids.insert(p->entry.id);
  }
  std::vector<Parsed*> kept;
  kept.reserve(parsed.size());
  for (Parsed* p : parsed) {
    auto [first, fresh] = first_of[static_cast<size_t>(p->entry.locale)].try_emplace(p->entry.id, p);
    if (!fresh) {
      const Entry& f = first->second->entry;
      out->Error(p->entry.source_path, p->entry.source_line,
                 "duplicate id '" + p->entry.id + "' in locale " + std::string(LocaleName(p->entry.locale)) +
                     ", first defined at " + f.source_path + ":" + std::to_string(f.source_line));
      continue;
    }
    kept.push_back(p);
    for (const std::string& r : p->entry.related) {
      if (ids.count(r) == 0) {
        out->Error(p->entry.source_path, p->related_line, "related entry '" + r + "' does not exist");
      }
    }
  }
  std::sort(kept.begin(), kept.end(), [](const Parsed* a, const Parsed* b) {
    return std::tie(a->entry.id, a->entry.locale) < std::tie(b->entry.id, b->entry.locale);
  });
  result->entries.reserve(result->entries.size() + kept.size());
  for (Parsed* p : kept) result->entries.push_back(std::move(p->entry));
}

}  // namespace

namespace {

// Format checks of the configuration files; pins must name a published entry.
void CheckConfig(const std::string& dir, const std::vector<Entry>& entries, Collector* out, ContentConfig* config) {
  *config = ReadContentConfig(dir);
  // `entries` are sorted by id: the few ids that pins and golden questions name are looked up there
  // rather than in a table of every id, which took 0.03-0.07 s at 100k entries for none.
  auto any_with_id = [&entries](std::string_view id, bool public_only) {
    auto it = std::lower_bound(entries.begin(), entries.end(), id,
                               [](const Entry& e, std::string_view wanted) { return e.id < wanted; });
    for (; it != entries.end() && it->id == id; ++it) {
      if (it->status == EntryStatus::kPublished && (!public_only || it->audience == Audience::kPublic)) return true;
    }
    return false;
  };
  auto each_line = [](const std::string& text, const std::function<void(int, const std::string&)>& fn) {
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (Trim(line).empty() || Trim(line)[0] == '#') continue;
      fn(n, line);
    }
  };
  std::string base = (fs::path(dir) / "").string();
  each_line(config->variants, [&](int n, const std::string& line) {
    std::istringstream fields(line);
    std::string from, to, extra;
    if (!(fields >> from >> to) || (fields >> extra)) {
      out->Error(base + kVariantsFile, n, "expected 'FROM TO' (two words separated by a space)");
    }
  });
  each_line(config->synonyms, [&](int n, const std::string& line) {
    int members = 0;
    std::istringstream fields(line);
    std::string member;
    while (std::getline(fields, member, ',')) members += Trim(member).empty() ? 0 : 1;
    if (members < 2) out->Error(base + kSynonymsFile, n, "a synonym line needs two or more words separated by commas");
  });
  std::vector<Diagnostic> golden_problems;
  for (const GoldenQuestion& g : ParseGolden(config->golden, base + kGoldenFile, &golden_problems)) {
    for (const std::string& id : g.relevant) {
      if (!any_with_id(id, /*public_only=*/true)) {
        out->Error(base + kGoldenFile, g.line, "relevant entry '" + id + "' is not a published public entry");
      }
    }
  }
  for (const Diagnostic& d : golden_problems) out->Error(d.path, d.line, d.message);
  each_line(config->pins, [&](int n, const std::string& line) {
    size_t tab = line.rfind('\t');
    if (tab == std::string::npos || Trim(line.substr(0, tab)).empty()) {
      out->Error(base + kPinsFile, n, "expected 'QUESTION<TAB>ENTRY-ID'");
      return;
    }
    std::string id = Trim(line.substr(tab + 1));
    if (!any_with_id(id, /*public_only=*/false)) out->Error(base + kPinsFile, n, "pinned entry '" + id + "' does not exist or is a draft");
  });
}

}  // namespace

std::string Diagnostic::ToString() const {
  return path + ":" + std::to_string(line) + ": " + (severity == Severity::kError ? "error" : "warning") +
         ": " + message;
}

int LoadResult::error_count() const {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                        [](const Diagnostic& d) { return d.severity == Severity::kError; }));
}

int LoadResult::warning_count() const {
  return static_cast<int>(diagnostics.size()) - error_count();
}

bool IsValidEntryId(const std::string& id) {
  if (id.empty() || id.size() > 128 || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
  });
}

LoadResult LoadContentDir(const std::string& content_dir) {
  LoadResult result;
  Collector out(&result);
  std::error_code ec;
  if (!fs::is_directory(content_dir, ec)) {
    out.Error(content_dir, 0, "not a directory");
    return result;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(content_dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename().string().front() == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it.depth() == 0 || !it->is_regular_file()) continue;
    std::string ext = p.extension().string();
    if (ext == ".md" || ext == ".jsonl") files.push_back(p);
  }
  if (ec) out.Error(content_dir, 0, "cannot list directory: " + ec.message());
  // Pointing at the wrong directory must not replace a serving index with an empty one.
  if (!ec && files.empty()) {
    out.Error(content_dir, 0,
              "no entry files: put .md or .jsonl entries in a folder below it (zh-Hans/, zh-Hant/, en/ or "
              "any other); files at its top level are configuration, not entries");
  }
  std::sort(files.begin(), files.end());
  std::vector<ParseUnit> units;
  for (const fs::path& p : files) {
    std::string folder = fs::relative(p, content_dir).begin()->string();
    auto locale = ParseLocale(folder);
    AddUnits(p.string(), locale ? std::string(LocaleName(*locale)) : "", &units);
  }
  
  ParseUnits(&units, &result);
  Finish(&units, &out, &result);
  CheckConfig(content_dir, result.entries, &out, &result.config);
  return result;
}

LoadResult LoadJsonlFile(const std::string& path) {
  LoadResult result;
  Collector out(&result);
  std::vector<ParseUnit> units;
  AddUnits(path, "", &units);
  ParseUnits(&units, &result);
  Finish(&units, &out, &result);
  return result;
}

}  // namespace kefu
