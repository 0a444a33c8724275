// Segmenter: ICU dictionary word breaks inside runs of Han characters only (everything else is split by
// the analyzer's own rules), with per-thread ICU objects.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace kefu {

// Word spans [begin, end) in code points of a run of Han characters. Thread-safe.
std::vector<std::pair<size_t, size_t>> SegmentHanRun(std::u32string_view run);

}  // namespace kefu
