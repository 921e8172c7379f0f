#include "html.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "bertology/error.h"
#include "svg.h"

namespace bertology::report::html {

namespace {

using svg::escape;

// The page's own anchors; sections may not take them.
const std::set<std::string> reserved_ids = {"contents", "provenance"};

// One style sheet inline: the page must open from disk with nothing fetched.
constexpr std::string_view style = R"(
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; background: #fff;
       max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.4rem; }
a { color: #0a58a8; }
.warning { border: 3px solid #b3261e; background: #fdecea; color: #4a0f0b; padding: 0.8rem 1rem;
           border-radius: 6px; font-size: 1.05rem; margin: 0 0 1.4rem; }
.warning strong { color: #b3261e; letter-spacing: 0.03em; }
nav.contents { background: #f6f6f6; border: 1px solid #e2e2e2; border-radius: 6px; padding: 0.5rem 1.2rem; }
nav.contents h2 { border: none; margin: 0.3rem 0; font-size: 1.05rem; }
nav.contents ol { margin: 0.3rem 0 0.5rem; padding-left: 1.4rem; }
.section-body svg { display: block; max-width: 100%; height: auto; margin: 1rem 0; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.9rem; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.7rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #999; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #f8f8f8; }
table.provenance th { font-weight: normal; color: #555; white-space: nowrap; }
table.provenance td { overflow-wrap: anywhere; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
                      font-size: 0.85rem; }
@media print { nav.contents { display: none; } h2 { break-after: avoid; } svg, table { break-inside: avoid; } }
)";

// Counts the figures that a browser actually laid out and drew, for render_html.sh: an <svg> the
// HTML parser swallowed or that drew nothing has an empty box. Errors of earlier scripts count too.
constexpr std::string_view error_counter =
    "<script>window.pageErrors = 0; window.addEventListener('error', function () { window.pageErrors += 1; });"
    "</script>\n";
constexpr std::string_view figure_counter = R"(<script>
(function () {
  var rendered = 0;
  document.querySelectorAll('svg').forEach(function (figure) {
    if (figure.parentElement && figure.parentElement.closest('svg')) return;  // nested: not a figure
    var box = figure.getBoundingClientRect(), content = { width: 0, height: 0 };
    try { content = figure.getBBox(); } catch (e) {}
    if (box.width > 0 && box.height > 0 && content.width > 0 && content.height > 0) rendered += 1;
  });
  document.body.setAttribute('data-rendered-figures', String(rendered));
  if (window.pageErrors > 0) document.body.setAttribute('data-page-errors', String(window.pageErrors));
})();
</script>
)";

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

// "12", "-0.3", "1e-5", "45%": right-aligned so that digits line up.
bool numeric(const std::string& cell) {
  if (cell.empty()) return false;
  const std::string text = cell.back() == '%' ? cell.substr(0, cell.size() - 1) : cell;
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && !std::isnan(value);
}

}  // namespace

std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  std::string_view caption) {
  std::string out = "<table>\n";
  if (!caption.empty()) out += "<caption>" + escape(caption) + "</caption>\n";
  if (!header.empty()) {
    out += "<thead><tr>";
    for (const auto& cell : header) out += "<th scope=\"col\">" + escape(cell) + "</th>";
    out += "</tr></thead>\n";
  }
  out += "<tbody>\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    require(header.empty() || rows[r].size() == header.size(),
            "html table '" + std::string(caption) + "': row " + std::to_string(r + 1) + " has " +
                std::to_string(rows[r].size()) + " cells for " + std::to_string(header.size()) + " columns");
    out += "<tr>";
    for (const auto& cell : rows[r]) out += (numeric(cell) ? "<td class=\"num\">" : "<td>") + escape(cell) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string page(std::string_view title, const std::vector<std::pair<std::string, std::string>>& provenance,
                 std::string_view warning, const std::vector<Section>& sections) {
  std::set<std::string> ids;
  for (const auto& section : sections) {
    require(valid_id(section.id), "html page: section id '" + section.id +
                                      "' must be non-empty letters, digits, '-' or '_' (it is a link target)");
    require(!reserved_ids.count(section.id), "html page: section id '" + section.id + "' is used by the page itself");
    require(ids.insert(section.id).second, "html page: two sections have the id '" + section.id + "'");
  }

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape(title) + "</title>\n<style>" + std::string(style) + "</style>\n";
  out += std::string(error_counter) + "</head>\n<body>\n<h1>" + escape(title) + "</h1>\n";

  if (!warning.empty())
    out += "<div class=\"warning\" role=\"alert\"><strong>WARNING</strong> " + escape(warning) + "</div>\n";

  out += "<nav class=\"contents\" id=\"contents\">\n<h2>Contents</h2>\n<ol>\n";
  for (const auto& section : sections)
    out += "<li><a href=\"#" + section.id + "\">" + escape(section.heading) + "</a></li>\n";
  out += "<li><a href=\"#provenance\">Provenance</a></li>\n</ol>\n</nav>\n";

  for (const auto& section : sections) {
    out += "<section id=\"" + section.id + "\">\n<h2>" + escape(section.heading) + "</h2>\n";
    out += section.intro_html + "\n<div class=\"section-body\">\n" + section.body_html + "\n</div>\n</section>\n";
  }

  out += "<section id=\"provenance\">\n<h2>Provenance</h2>\n";
  if (provenance.empty()) {
    out += "<p>None recorded.</p>\n";
  } else {
    out += "<table class=\"provenance\">\n<tbody>\n";
    for (const auto& [key, value] : provenance)
      out += "<tr><th scope=\"row\">" + escape(key) + "</th><td>" + escape(value) + "</td></tr>\n";
    out += "</tbody>\n</table>\n";
  }
  out += "</section>\n" + std::string(figure_counter) + "</body>\n</html>\n";
  return out;
}

}  // namespace bertology::report::html
