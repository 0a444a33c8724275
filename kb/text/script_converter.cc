// OpenCC conversions compiled from OpenCC's own dictionaries. Converter::Convert is, per OpenCC's
// MaxMatchSegmentation, Conversion and DictGroup: split the text at the longest segmentation-dictionary
// key at each position (characters no key covers form one segment between keys), then pass each
// segment through every conversion of the chain in turn, each replacing the longest key at each
// position by its default value (in a group, the first dictionary with any matching key wins) and
// copying characters no key covers. This file does the same over code points, with a hash trie.
#include "kb/text/script_converter.h"

#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Exception.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MaxMatchSegmentation.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_map>

#include "kb/text/unicode.h"

namespace kefu {
namespace {

const std::string kOpenccDir = "/usr/share/opencc/";
constexpr char32_t kMaxCodePoint = 0x10FFFF;

// The keys of one OpenCC dictionary as a trie over code points; edges live in one open-addressing
// table keyed by (node, code point), which is what a lookup per character of text needs to be cheap.
class PrefixDict {
 public:
  explicit PrefixDict(const opencc::Lexicon& lexicon) {
    slots_.assign(1024, Slot{});
    shift_ = 64 - 10;
    nodes_.emplace_back();
    std::u32string key, value;
    for (const auto& entry : lexicon) {
      DecodeUtf8(entry->Key(), &key);
      DecodeUtf8(entry->GetDefault(), &value);
      if (key.empty()) continue;
      if (key.front() < kFirstsSize) firsts_[key.front() / 64] |= uint64_t{1} << (key.front() % 64);
      uint32_t node = 0;
      for (char32_t c : key) node = AddChild(node, c);
      if (nodes_[node].value_begin != kNone) continue;  // as a sorted lexicon's lookup: the first wins
      nodes_[node].value_begin = static_cast<uint32_t>(values_.size());
      nodes_[node].value_size = static_cast<uint32_t>(value.size());
      values_ += value;
      max_key_ = std::max(max_key_, key.size());
      for (size_t i = 0; i < key.size(); ++i) {
        if (key.size() != value.size() || key[i] != value[i]) changing_.push_back(key[i]);
      }
    }
  }

  // The length in code points of the longest key that starts `text` (0: none) and its default value.
  size_t Match(std::u32string_view text, std::u32string_view* value) const {
    size_t n = std::min(text.size(), max_key_);
    if (n == 0 || (text[0] < kFirstsSize && ((firsts_[text[0] / 64] >> (text[0] % 64)) & 1) == 0)) return 0;
    uint32_t node = 0;
    size_t best = 0;
    for (size_t i = 0; i < n; ++i) {
      node = Child(node, text[i]);
      if (node == kNone) break;
      const Node& found = nodes_[node];
      if (found.value_begin != kNone) {
        best = i + 1;
        *value = std::u32string_view(values_).substr(found.value_begin, found.value_size);
      }
    }
    return best;
  }

  // Characters some key replaces: where key and value differ, and all of a key whose value has
  // another length. Text without any of them comes out of the dictionary unchanged.
  const std::vector<char32_t>& changing() const { return changing_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // The first characters of keys, for the Basic Multilingual Plane: most characters of a text start no
  // key of most dictionaries of a chain (Taiwan's phrases and variants are a few hundred keys), and a
  // bit says so for less than a probe of the trie's table (13% of converting the hits of a search).
  static constexpr char32_t kFirstsSize = 0x10000;
  static constexpr uint64_t kEmpty = UINT64_MAX;
  struct Slot {
    uint64_t edge = kEmpty;
    uint32_t child = kNone;
  };
  struct Node {
    uint32_t value_begin = kNone;
    uint32_t value_size = 0;
  };

  static uint64_t Edge(uint32_t node, char32_t c) { return (uint64_t{node} << 21) | c; }
  size_t SlotOf(uint64_t edge) const { return static_cast<size_t>((edge * 0x9E3779B97F4A7C15ULL) >> shift_); }

  uint32_t Child(uint32_t node, char32_t c) const {
    if (c > kMaxCodePoint) return kNone;
    const uint64_t edge = Edge(node, c);
    for (size_t s = SlotOf(edge);; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s].edge == edge) return slots_[s].child;
      if (slots_[s].edge == kEmpty) return kNone;
    }
  }

  uint32_t AddChild(uint32_t node, char32_t c) {
    const uint64_t edge = Edge(node, c);
    size_t s = SlotOf(edge);
    for (; slots_[s].edge != kEmpty; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s].edge == edge) return slots_[s].child;
    }
    const uint32_t child = static_cast<uint32_t>(nodes_.size());
    slots_[s] = {edge, child};
    nodes_.emplace_back();
    if (2 * nodes_.size() > slots_.size()) Grow();  // every node but the root has one edge
    return child;
  }

  void Grow() {
    std::vector<Slot> old(2 * slots_.size(), Slot{});
    old.swap(slots_);
    --shift_;
    for (const Slot& slot : old) {
      if (slot.edge == kEmpty) continue;
      size_t s = SlotOf(slot.edge);
      while (slots_[s].edge != kEmpty) s = (s + 1) & (slots_.size() - 1);
      slots_[s] = slot;
    }
  }

  std::array<uint64_t, kFirstsSize / 64> firsts_{};
  std::vector<Slot> slots_;
  int shift_ = 0;
  std::vector<Node> nodes_;
  std::u32string values_;
  size_t max_key_ = 0;
  std::vector<char32_t> changing_;
};

// An OpenCC DictGroup, nested groups flattened: the first dictionary with any match wins.
using DictList = std::vector<std::shared_ptr<const PrefixDict>>;
using DictCache = std::unordered_map<const opencc::Dict*, std::shared_ptr<const PrefixDict>>;

size_t MatchFirst(const DictList& dicts, std::u32string_view text, std::u32string_view* value) {
  for (const auto& dict : dicts) {
    if (size_t len = dict->Match(text, value)) return len;
  }
  return 0;
}

void Flatten(const opencc::DictPtr& dict, DictCache* cache, DictList* out) {
  if (auto group = std::dynamic_pointer_cast<opencc::DictGroup>(dict)) {
    for (const opencc::DictPtr& member : group->GetDicts()) Flatten(member, cache, out);
    return;
  }
  std::shared_ptr<const PrefixDict>& compiled = (*cache)[dict.get()];
  if (compiled == nullptr) compiled = std::make_shared<const PrefixDict>(*dict->GetLexicon());
  out->push_back(compiled);
}

// One conversion of the chain over one segment.
void ApplyConversion(const DictList& dicts, std::u32string_view segment, std::u32string* out) {
  for (size_t i = 0; i < segment.size();) {
    std::u32string_view value;
    if (size_t len = MatchFirst(dicts, segment.substr(i), &value)) {
      out->append(value);
      i += len;
    } else {
      out->push_back(segment[i++]);
    }
  }
}

}  // namespace

struct ScriptConverter::Impl {
  opencc::ConverterPtr opencc;
  DictList segmentation;
  std::vector<DictList> chain;
  std::vector<uint64_t> changing = std::vector<uint64_t>(kMaxCodePoint / 64 + 1);  // bit per code point

  bool CanChange(std::u32string_view text) const {
    return std::any_of(text.begin(), text.end(), [&](char32_t c) {
      return c <= kMaxCodePoint && ((changing[c / 64] >> (c % 64)) & 1) != 0;
    });
  }

  // `current` and `next` are scratch space kept across segments.
  void ConvertSegment(std::u32string_view segment, std::u32string* current, std::u32string* next,
                      std::u32string* out) const {
    if (chain.size() == 1) {
      ApplyConversion(chain.front(), segment, out);
      return;
    }
    current->assign(segment);
    for (const DictList& conversion : chain) {
      next->clear();
      ApplyConversion(conversion, *current, next);
      current->swap(*next);
    }
    out->append(*current);
  }
};

ScriptConverter::ScriptConverter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScriptConverter::~ScriptConverter() = default;

Result<std::unique_ptr<ScriptConverter>> ScriptConverter::Open(const std::string& config) {
  auto all = OpenAll({config});
  if (!all.ok()) return all.status();
  return std::move(all->front());
}

Result<std::vector<std::unique_ptr<ScriptConverter>>> ScriptConverter::OpenAll(
    const std::vector<std::string>& configs) {
  opencc::Config loader;
  DictCache cache;
  std::vector<std::unique_ptr<ScriptConverter>> out;
  for (const std::string& config : configs) {
    const bool inline_json = !config.empty() && config.front() == '{';
    const std::string path = inline_json || config.find('/') != std::string::npos ? config : kOpenccDir + config;
    const std::string name = inline_json ? "(inline JSON)" : path;
    auto impl = std::make_unique<Impl>();
    try {
      impl->opencc = inline_json ? loader.NewFromString(config, kOpenccDir) : loader.NewFromFile(path);
    } catch (const opencc::Exception& e) {  // not a std::exception
      return Status::InvalidArgument("cannot load OpenCC configuration " + name + ": " + e.what());
    } catch (const std::exception& e) {
      return Status::InvalidArgument("cannot load OpenCC configuration " + name + ": " + e.what());
    }
    auto segmentation = std::dynamic_pointer_cast<opencc::MaxMatchSegmentation>(impl->opencc->GetSegmentation());
    if (segmentation == nullptr) {
      return Status::InvalidArgument("OpenCC configuration " + name + ": only mmseg segmentation is supported");
    }
    Flatten(segmentation->GetDict(), &cache, &impl->segmentation);
    for (const opencc::ConversionPtr& conversion : impl->opencc->GetConversionChain()->GetConversions()) {
      impl->chain.emplace_back();
      Flatten(conversion->GetDict(), &cache, &impl->chain.back());
      for (const auto& dict : impl->chain.back()) {
        for (char32_t c : dict->changing()) impl->changing[c / 64] |= uint64_t{1} << (c % 64);
      }
    }
    out.push_back(std::unique_ptr<ScriptConverter>(new ScriptConverter(std::move(impl))));
  }
  return out;
}

std::u32string ScriptConverter::Convert(std::u32string_view text) const {
  if (!impl_->CanChange(text)) return std::u32string(text);
  std::u32string out, current, next;
  out.reserve(text.size());
  size_t pending = 0;  // start of the characters no segmentation key covers
  for (size_t i = 0; i < text.size();) {
    std::u32string_view key;
    size_t len = MatchFirst(impl_->segmentation, text.substr(i), &key);
    if (len == 0) {
      ++i;
      continue;
    }
    if (pending < i) impl_->ConvertSegment(text.substr(pending, i - pending), &current, &next, &out);
    impl_->ConvertSegment(text.substr(i, len), &current, &next, &out);
    i += len;
    pending = i;
  }
  if (pending < text.size()) impl_->ConvertSegment(text.substr(pending), &current, &next, &out);
  return out;
}

std::string ScriptConverter::Convert(std::string_view utf8) const {
  if (utf8.find('\0') != std::string_view::npos || !IsValidUtf8(utf8)) return ConvertWithOpenCC(utf8);
  std::u32string text = DecodeUtf8(utf8);
  if (!impl_->CanChange(text)) return std::string(utf8);
  return ToUtf8(Convert(std::u32string_view(text)));
}

std::string ScriptConverter::ConvertWithOpenCC(std::string_view utf8) const {
  return impl_->opencc->Convert(std::string(utf8));
}

}  // namespace kefu
