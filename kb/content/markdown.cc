// A small Markdown stripper: enough for FAQ bodies (emphasis, lists, headings, links, code, tables).
#include "kb/content/markdown.h"

#include <cctype>

namespace kefu {
namespace {

// Strips leading block markers: "#", ">", "-", "*", "+", "1." and table pipes.
std::string_view StripBlockMarkers(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  line.remove_prefix(i);
  while (!line.empty() && (line[0] == '#' || line[0] == '>')) {
    line.remove_prefix(1);
    while (!line.empty() && line[0] == ' ') line.remove_prefix(1);
  }
  if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ') {
    line.remove_prefix(2);
  } else {
    size_t d = 0;
    while (d < line.size() && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
    if (d > 0 && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') && line[d + 1] == ' ') {
      line.remove_prefix(d + 2);
    }
  }
  return line;
}

bool IsRule(std::string_view line) {
  size_t marks = 0;
  for (char c : line) {
    if (c == '-' || c == '*' || c == '_' || c == '|' || c == ':' || c == '=') {
      ++marks;
    } else if (c != ' ') {
      return false;
    }
  }
  return marks >= 3;
}

// Characters AppendInline treats specially; runs of the others are copied whole (a body is
// stripped each time a hit shows its snippet).
bool IsInlineMark(char c) {
  switch (c) {
    case '*': case '_': case '`': case '~': case '|': case '<': case '!': case '[': case ']': return true;
    default: return false;
  }
}

void AppendInline(std::string_view line, std::string* out) {
  for (size_t i = 0; i < line.size(); ++i) {
    size_t run = i;
    while (run < line.size() && !IsInlineMark(line[run])) ++run;
    if (run > i) {
      out->append(line.substr(i, run - i));
      i = run;
      if (i == line.size()) break;
    }
    char c = line[i];
    if (c == '*' || c == '_' || c == '`' || c == '~') continue;
    if (c == '|') {
      out->push_back(' ');
      continue;
    }
    if (c == '<') {  // HTML tag
      size_t close = line.find('>', i);
      if (close != std::string_view::npos &&
          (i + 1 < line.size() && (std::isalpha(static_cast<unsigned char>(line[i + 1])) || line[i + 1] == '/'))) {
        i = close;
        continue;
      }
    }
    if (c == '!' && i + 1 < line.size() && line[i + 1] == '[') continue;
    if (c == '[') {  // [text](url): keep text, drop url
      size_t close = line.find(']', i);
      if (close != std::string_view::npos && close + 1 < line.size() && line[close + 1] == '(') {
        size_t paren = line.find(')', close);
        if (paren != std::string_view::npos) {
          AppendInline(line.substr(i + 1, close - i - 1), out);
          i = paren;
          continue;
        }
      }
      continue;
    }
    if (c == ']') continue;
    out->push_back(c);
  }
}

}  // namespace

std::string MarkdownToPlainText(std::string_view markdown) {
  std::string out;
  out.reserve(markdown.size());
  bool in_fence = false;
  // Line by line as std::getline splits them: a last line without '\n' counts, an empty rest does not.
  for (size_t pos = 0; pos < markdown.size();) {
    size_t nl = markdown.find('\n', pos);
    std::string_view view = markdown.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? markdown.size() : nl + 1;
    if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
    if (view.substr(0, 3) == "```" || view.substr(0, 3) == "~~~") {
      in_fence = !in_fence;
      continue;
    }
    if (!in_fence && IsRule(view)) continue;
    view = in_fence ? view : StripBlockMarkers(view);
    if (view.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    if (in_fence) {
      out.append(view);
    } else {
      AppendInline(view, &out);
    }
  }
  return out;
}

}  // namespace kefu
