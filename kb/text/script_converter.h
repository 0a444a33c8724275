// ScriptConverter: OpenCC conversions (t2s, s2twp, ...) with the same output as OpenCC's
// Converter::Convert. OpenCC stays the dictionary loader (configurations, .ocd2 files); at Open its
// dictionaries are compiled into tries over code points and matched by our own code, because OpenCC's
// per-call marisa-trie matching over UTF-8 measured 40% of index build and search.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kb/status.h"

namespace kefu {

class ScriptConverter {
 public:
  // `config` is a configuration name ("s2twp.json", looked up in OpenCC's data directory), a path, or
  // JSON text (starting with '{') whose dictionary files are in OpenCC's data directory.
  static Result<std::unique_ptr<ScriptConverter>> Open(const std::string& config);
  // Several configurations, compiling each dictionary they share once.
  static Result<std::vector<std::unique_ptr<ScriptConverter>>> OpenAll(const std::vector<std::string>& configs);
  ~ScriptConverter();

  // Thread-safe. Input OpenCC reads its own way (invalid UTF-8, NUL bytes) is left to OpenCC.
  std::string Convert(std::string_view utf8) const;
  // What Convert does to ToUtf8(text); U+0000 is an ordinary character here.
  std::u32string Convert(std::u32string_view text) const;
  // OpenCC's own Converter::Convert, which the tests hold Convert to.
  std::string ConvertWithOpenCC(std::string_view utf8) const;

 private:
  struct Impl;
  explicit ScriptConverter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kefu
