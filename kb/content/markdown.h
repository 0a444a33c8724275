// Markdown -> plain text for indexing and snippets: drops markup, keeps the words in order.
#pragma once

#include <string>
#include <string_view>

namespace kefu {

// Removes emphasis markers, heading and list markers, code fences, HTML tags and link targets
// ([text](url) -> text); joins lines with single spaces.
std::string MarkdownToPlainText(std::string_view markdown);

}  // namespace kefu
