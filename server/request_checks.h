// Checks on request text shared by every handler: UTF-8 well-formedness, blank strings, entry ids.
#pragma once

#include <string_view>

namespace kefu::server {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// True when `s` holds nothing but ASCII white space.
bool IsBlank(std::string_view s);
// Entry ids: [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}, as the content loader enforces.
bool IsValidEntryId(std::string_view id);

}  // namespace kefu::server
