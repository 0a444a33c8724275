// Code-point helpers shared by the text pipeline: UTF-8 encoding and decoding, and the Han test that
// decides which characters get Chinese treatment (folding, segmentation, bigrams).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kefu {

// Appends `cp` encoded as UTF-8.
void AppendUtf8(char32_t cp, std::string* out);
std::string ToUtf8(std::u32string_view text);
// Invalid bytes become U+FFFD.
std::u32string DecodeUtf8(std::string_view utf8);
// The same into *out (replacing its contents), for callers that reuse one buffer; *ends, when given,
// receives the byte offset just past each code point.
void DecodeUtf8(std::string_view utf8, std::u32string* out, std::vector<uint32_t>* ends = nullptr);
// True when `text` is valid UTF-8; otherwise *bad_offset is the first bad byte.
bool IsValidUtf8(std::string_view text, size_t* bad_offset = nullptr);
// Same answer as ICU's uscript_getScript(cp) == USCRIPT_HAN, from a table for the BMP.
bool IsHan(char32_t cp);

}  // namespace kefu
