#pragma once
// The HTML report: one static, self-contained HTML5 page (inline CSS, inline SVG figures, no
// external URLs) that opens from disk, mails as one file and archives with the result.
// Internal to the report module.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertology::report::html {

// A table of text cells (escaped here); cells that read as numbers are right-aligned.
// Every row has as many cells as the header.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  std::string_view caption);

struct Section {
  std::string id;          // anchor for the table of contents: letters, digits, '-', '_'; unique
  std::string heading;     // plain text
  std::string intro_html;  // trusted HTML, inserted as is
  std::string body_html;   // trusted HTML: figures (inline SVG), tables
};

// The page: the warning (e.g. seeded weights; empty = none) in a box at the top, a table of
// contents, the sections, the provenance (key, value) at the end. A small inline script records
// how many figures rendered as <body data-rendered-figures="N">, which a headless browser's
// --dump-dom shows (tests/report/render_html.sh).
std::string page(std::string_view title, const std::vector<std::pair<std::string, std::string>>& provenance,
                 std::string_view warning, const std::vector<Section>& sections);

}  // namespace bertology::report::html
