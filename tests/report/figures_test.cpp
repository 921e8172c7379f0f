#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bertology/error.h"
#include "html.h"
#include "svg.h"

namespace bertology::report {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// A tiny well-formedness check: every start tag is closed in order, comments and the doctype are
// skipped, <script>/<style> are raw text, and '&' only starts an entity. Returns "" when balanced,
// otherwise what went wrong. `void_elements` are HTML's elements without an end tag.
std::string tag_balance(const std::string& text, const std::set<std::string>& void_elements = {}) {
  std::vector<std::string> open;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto lt = text.find_first_of("<&", at);
    if (lt == std::string::npos) break;
    if (text[lt] == '&') {
      const auto semicolon = text.find(';', lt);
      const std::string entity = text.substr(lt, semicolon == std::string::npos ? 8 : semicolon - lt + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity.rfind("&#", 0) != 0)
        return "bare '&' at " + std::to_string(lt) + ": " + entity;
      at = lt + 1;
      continue;
    }
    if (text.compare(lt, 4, "<!--") == 0) {
      const auto end = text.find("-->", lt);
      if (end == std::string::npos) return "unterminated comment";
      at = end + 3;
      continue;
    }
    const auto gt = text.find('>', lt);
    if (gt == std::string::npos) return "unterminated tag at " + std::to_string(lt);
    const std::string tag = text.substr(lt + 1, gt - lt - 1);
    at = gt + 1;
    if (tag.empty()) return "empty tag at " + std::to_string(lt);
    if (tag[0] == '!' || tag[0] == '?') continue;  // doctype, XML declaration
    if (tag.find('<') != std::string::npos) return "'<' inside tag at " + std::to_string(lt);
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (open.empty()) return "</" + name + "> closes nothing";
      if (open.back() != name) return "</" + name + "> closes <" + open.back() + ">";
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (tag.back() == '/' || void_elements.count(name)) continue;
    open.push_back(name);
    if (name == "script" || name == "style") {  // raw text up to the end tag
      const auto end = text.find("</" + name + ">", at);
      if (end == std::string::npos) return "unterminated <" + name + ">";
      at = end;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

// The numeric value of `attribute="…"` in the first element at or after `from`.
double attribute(const std::string& text, const std::string& name, std::size_t from = 0) {
  const auto at = text.find(" " + name + "=\"", from);
  if (at == std::string::npos) return nan;
  return std::strtod(text.c_str() + at + name.size() + 3, nullptr);
}

// The <rect …> start tag of the cell whose tooltip names `head`, e.g. "3-4".
std::string cell(const std::string& svg, const std::string& head) {
  const auto title = svg.find("<title>" + head + ":");
  if (title == std::string::npos) return "";
  const auto start = svg.rfind("<rect", title);
  return svg.substr(start, title - start);
}

std::vector<std::string> labels(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(std::to_string(i));
  return out;
}

svg::HeatmapFigure small_heatmap() {
  svg::HeatmapFigure figure;
  figure.title = "Contact <map> & \"friends\"";
  figure.subtitle = "share of attention on contacts";
  figure.row_labels = labels(3);
  figure.column_labels = labels(4);
  figure.values = {0.1, 0.2, nan, 0.4,  //
                   0.5, 0.6, 0.7, 0.8,  //
                   nan, 0.3, 0.9, 0.05};
  figure.value_label = "proportion";
  figure.row_bars = {0.4, 0.8, nan};
  figure.reference = 0.25;
  figure.reference_label = "background";
  figure.masked_label = "fewer than 100 arcs";
  figure.row_bars_label = "max per layer";
  return figure;
}

// ---------------------------------------------------------------------------------------------- colour

TEST(Viridis, EndpointsAreThePublishedValues) {
  // matplotlib _cm_listed.py _viridis_data rows 0 and 255.
  const auto first = svg::viridis(0), last = svg::viridis(1);
  EXPECT_NEAR(first.r, 0.267004, 1e-12);
  EXPECT_NEAR(first.g, 0.004874, 1e-12);
  EXPECT_NEAR(first.b, 0.329415, 1e-12);
  EXPECT_NEAR(last.r, 0.993248, 1e-12);
  EXPECT_NEAR(last.g, 0.906157, 1e-12);
  EXPECT_NEAR(last.b, 0.143936, 1e-12);
  EXPECT_EQ(svg::hex(first), "#440154");
  EXPECT_EQ(svg::hex(last), "#fde725");
}

TEST(Viridis, MidpointMatchesThePublishedTable) {
  // t = 0.5 lies halfway between rows 127 (0.128729, 0.563265, 0.551229) and 128 (0.127568, 0.566949, 0.550556).
  const auto middle = svg::viridis(0.5);
  EXPECT_NEAR(middle.r, (0.128729 + 0.127568) / 2, 1.0 / 255);
  EXPECT_NEAR(middle.g, (0.563265 + 0.566949) / 2, 1.0 / 255);
  EXPECT_NEAR(middle.b, (0.551229 + 0.550556) / 2, 1.0 / 255);
  // Row 200 of 255 (0.440137, 0.811138, 0.340967) is an anchor itself.
  const auto row200 = svg::viridis(200.0 / 255);
  EXPECT_NEAR(row200.r, 0.440137, 1e-9);
  EXPECT_NEAR(row200.g, 0.811138, 1e-9);
  EXPECT_NEAR(row200.b, 0.340967, 1e-9);
}

TEST(Viridis, ClampsAndGetsLighterThroughout) {
  EXPECT_EQ(svg::hex(svg::viridis(-3)), svg::hex(svg::viridis(0)));
  EXPECT_EQ(svg::hex(svg::viridis(7)), svg::hex(svg::viridis(1)));
  EXPECT_EQ(svg::hex(svg::viridis(nan)), svg::hex(svg::viridis(0)));
  // Relative luminance (sRGB, ITU-R BT.709) rises monotonically: the map also reads in greyscale.
  const auto linear = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
  double previous = -1;
  for (int k = 0; k <= 100; ++k) {
    const auto c = svg::viridis(k / 100.0);
    const double luminance = 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
    EXPECT_GT(luminance, previous) << "t = " << k / 100.0;
    previous = luminance;
  }
}

TEST(Svg, EscapeAndNumbers) {
  EXPECT_EQ(svg::escape("<a href=\"x\">&'b'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;b&#39;&lt;/a&gt;");
  EXPECT_EQ(svg::escape(std::string("bell\x07 tab\t")), "bell tab\t");
  EXPECT_EQ(svg::escape("θ = 0.3"), "θ = 0.3");
  EXPECT_EQ(svg::number(0.123456), "0.123");
  EXPECT_EQ(svg::number(2.0), "2");
  EXPECT_EQ(svg::number(0.25), "0.25");
  EXPECT_EQ(svg::number(1234), "1230");
  EXPECT_EQ(svg::number(0.0000123), "1.23e-5");
  EXPECT_EQ(svg::number(0), "0");
  EXPECT_EQ(svg::number(-0.5), "-0.5");
}

// ---------------------------------------------------------------------------------------------- heatmap

TEST(Heatmap, OneCellPerHeadGreyWhereMasked) {
  const auto figure = small_heatmap();
  const std::string out = svg::heatmap(figure);
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_EQ(out.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"", 0), 0u);
  EXPECT_NE(out.find("<title>Contact &lt;map&gt; &amp; &quot;friends&quot;</title>"), std::string::npos);
  EXPECT_EQ(count(out, "<rect class=\"cell"), 12u);
  EXPECT_EQ(count(out, "<rect class=\"cell masked\""), 2u);
  EXPECT_EQ(count(out, "-hatch) #d9d9d9\""), 3u);  // two masked cells and the legend swatch, grey as fallback …
  EXPECT_EQ(count(out, "#d9d9d9\""), 4u);          // … and the grey under the hatch pattern
  EXPECT_NE(cell(out, "1-3").find("fill=\"url(#"), std::string::npos);
  EXPECT_NE(out.find("fewer than 100 arcs"), std::string::npos);
  // Tooltips name the head layer-first; layer 1 is the top row, so its cells come first.
  EXPECT_NE(out.find("<title>1-1: 0.1</title>"), std::string::npos);
  EXPECT_NE(out.find("<title>3-4: 0.05</title>"), std::string::npos);
  EXPECT_NE(out.find("<title>1-3: masked (fewer than 100 arcs)</title>"), std::string::npos);
  const auto first = out.find("<rect class=\"cell");
  const auto row3 = out.find("<title>3-1:");
  EXPECT_LT(attribute(out, "y", first), attribute(out, "y", out.rfind("<rect class=\"cell", row3)));
  // Default scale: data min and max take the ends of the map.
  EXPECT_NE(cell(out, "3-4").find("fill=\"" + svg::hex(svg::viridis(0)) + "\""), std::string::npos);
  EXPECT_NE(cell(out, "3-3").find("fill=\"" + svg::hex(svg::viridis(1)) + "\""), std::string::npos);
}

TEST(Heatmap, RowBarsAndReference) {
  const std::string out = svg::heatmap(small_heatmap());
  EXPECT_EQ(count(out, "class=\"bar\""), 2u);  // the third row has none
  EXPECT_NE(out.find("<title>layer 2: 0.8</title>"), std::string::npos);
  EXPECT_NE(out.find("max per layer"), std::string::npos);
  // The reference: a line on the colour bar and a dashed one across the bars, named in the legend.
  EXPECT_EQ(count(out, "class=\"reference\""), 2u);
  EXPECT_NE(out.find("class=\"reference\" stroke=\"#000\" stroke-dasharray"), std::string::npos);
  EXPECT_NE(out.find("background 0.25"), std::string::npos);
  EXPECT_NE(out.find("proportion</text>"), std::string::npos);

  auto plain = small_heatmap();
  plain.row_bars.clear();
  plain.reference.reset();
  plain.masked_label.clear();
  const std::string bare = svg::heatmap(plain);
  EXPECT_EQ(tag_balance(bare), "");
  EXPECT_EQ(count(bare, "class=\"bar\""), 0u);
  EXPECT_EQ(count(bare, "class=\"reference\""), 0u);
  EXPECT_EQ(count(bare, "class=\"legend masked\""), 0u);
  EXPECT_EQ(count(bare, "<rect class=\"cell masked\""), 2u);  // still grey and hatched
}

TEST(Heatmap, LargeModelsStayWithinAPage) {
  for (const auto& [rows, cols] : {std::pair{30, 16}, std::pair{12, 64}, std::pair{36, 40}}) {
    svg::HeatmapFigure figure;
    figure.title = std::to_string(rows) + " × " + std::to_string(cols);
    figure.row_labels = labels(rows);
    figure.column_labels = labels(cols);
    for (int i = 0; i < rows * cols; ++i) figure.values.push_back(i % 7 == 0 ? nan : i * 0.001);
    figure.row_bars.assign(rows, 0.3);
    figure.reference = 0.1;
    figure.masked_label = "fewer than 100 arcs";
    figure.value_label = "proportion";
    const std::string out = svg::heatmap(figure);
    EXPECT_EQ(tag_balance(out), "") << figure.title;
    EXPECT_EQ(count(out, "<rect class=\"cell"), static_cast<std::size_t>(rows * cols)) << figure.title;
    const double width = attribute(out, "width");
    EXPECT_LE(width, 1100) << figure.title;
    EXPECT_GE(width, 600) << figure.title;
    // Cells no narrower than 8 px and rows tall enough for their labels.
    const auto cell = out.find("<rect class=\"cell");
    EXPECT_GE(attribute(out, "width", cell), 8) << figure.title;
    EXPECT_GE(attribute(out, "height", cell), 14) << figure.title;
  }
}

TEST(Heatmap, AnnotatesSmallMatrices) {
  svg::HeatmapFigure figure;
  figure.title = "BLOSUM62 vs attention";
  figure.row_labels = {"A", "R"};
  figure.column_labels = {"A", "R"};
  figure.values = {4, -1, -1, 5};
  figure.annotate = true;
  figure.row_axis = figure.column_axis = "amino acid";
  const std::string out = svg::heatmap(figure);
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_NE(out.find("pointer-events=\"none\" fill=\"#000\">5</text>"), std::string::npos);
  EXPECT_NE(out.find("pointer-events=\"none\" fill=\"#fff\">-1</text>"), std::string::npos);
  EXPECT_NE(out.find("<title>R-A: -1</title>"), std::string::npos);
}

TEST(Heatmap, RejectsInconsistentShapes) {
  auto figure = small_heatmap();
  figure.values.pop_back();
  EXPECT_THROW(svg::heatmap(figure), Error);
  figure = small_heatmap();
  figure.row_bars.push_back(1);
  EXPECT_THROW(svg::heatmap(figure), Error);
  figure = small_heatmap();
  figure.low = 1;
  figure.high = 0.5;
  EXPECT_THROW(svg::heatmap(figure), Error);
  figure = small_heatmap();  // an all-masked matrix still draws
  figure.values.assign(12, nan);
  figure.row_bars.clear();
  EXPECT_EQ(tag_balance(svg::heatmap(figure)), "");
}

TEST(Heatmap, FlatAndTinyRangesStillDraw) {
  auto figure = small_heatmap();
  for (double& v : figure.values)
    if (!std::isnan(v)) v = 0.25;  // flat: the scale widens
  EXPECT_EQ(tag_balance(svg::heatmap(figure)), "");
  for (double& v : figure.values)
    if (!std::isnan(v)) v = 1.0;
  figure.values[0] = std::nextafter(1.0, 2.0);  // one ulp apart: no endless tick loop, no NaN coordinates
  figure.row_bars = {1.0, std::nextafter(1.0, 2.0), 1.0};
  figure.reference = 1.0;
  const std::string out = svg::heatmap(figure);
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_EQ(out.find("nan"), std::string::npos);
  EXPECT_EQ(out.find("inf"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------- line chart

svg::LineFigure three_series() {
  svg::LineFigure figure;
  figure.title = "Attention by layer";
  figure.subtitle = "share of each property's attention per layer";
  figure.x_label = "layer";
  figure.y_label = "share of attention";
  figure.x_labels = labels(6);
  figure.series = {{"helix", {0.1, 0.2, 0.4, 0.3, 0.2, 0.1}, 2.4},
                   {"binding <site>", {0.0, nan, 0.1, 0.2, nan, 0.5}, std::nullopt},
                   {"contact", {0.3, 0.3, 0.2, 0.1, 0.1, 0.0}, std::nullopt}};
  return figure;
}

TEST(LineChart, OnePathPerSeriesWithLegendAndMarker) {
  const std::string out = svg::line_chart(three_series());
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_NE(out.find("<title>Attention by layer</title>"), std::string::npos);
  EXPECT_EQ(count(out, "<path d=\""), 3u);
  EXPECT_EQ(count(out, "<g class=\"legend\">"), 3u);
  EXPECT_NE(out.find(">helix</text>"), std::string::npos);
  EXPECT_NE(out.find(">binding &lt;site&gt;</text>"), std::string::npos);
  EXPECT_NE(out.find("stroke=\"#0072B2\""), std::string::npos);
  // The gap splits the second series into three pieces, the last point drawn on its own.
  const auto second = out.find("<path d=\"", out.find("<path d=\"") + 1);
  const std::string d = out.substr(second, out.find('"', second + 9) - second);
  EXPECT_EQ(count(d, "M"), 3u) << d;
  EXPECT_EQ(count(d, "h0"), 2u) << d;
  // Marker at position 2.4 of labels 1…6: layer 3.4, on the axis and labelled in its lane.
  EXPECT_EQ(count(out, "class=\"marker\""), 1u);
  EXPECT_EQ(count(out, "class=\"marker-lane\""), 1u);
  EXPECT_NE(out.find(">3.4  helix</text>"), std::string::npos);
  EXPECT_LE(attribute(out, "width"), 1100);
}

TEST(LineChart, NormalisesAndCyclesDashesBeyondEightColours) {
  auto figure = three_series();
  figure.normalise = true;
  for (int s = 0; s < 7; ++s) figure.series.push_back({"extra " + std::to_string(s), {1, 2, 3, 4, 5, 6}, 1.0});
  const std::string out = svg::line_chart(figure);
  EXPECT_EQ(tag_balance(out), "");
  EXPECT_EQ(count(out, "<path d=\""), 10u);
  EXPECT_NE(out.find("share of attention ÷ series maximum"), std::string::npos);
  EXPECT_EQ(count(out, "stroke-dasharray=\"7 3\""), 4u);  // series 9 and 10: path and legend swatch
  // Scaled to its maximum, every series tops out at 1: no tick above 1.
  EXPECT_EQ(out.find(">1.2</text>"), std::string::npos);
  EXPECT_NE(out.find(">1</text>"), std::string::npos);
  // Tooltips keep the raw values.
  EXPECT_NE(out.find("<title>extra 0, 6: 6</title>"), std::string::npos);

  figure.series[0].y.pop_back();
  EXPECT_THROW(svg::line_chart(figure), Error);
}

// ---------------------------------------------------------------------------------------------- page

std::vector<html::Section> sections() {
  return {{"contacts", "Contact maps", "<p>Attention that lines up with contacts.</p>", svg::heatmap(small_heatmap())},
          {"layers", "By layer <depth>", "", svg::line_chart(three_series())},
          {"top_heads", "Top heads", "",
           html::table({"head", "proportion", "note"}, {{"3-1", "0.61", "a < b & c"}, {"4-2", "45%", "—"}},
                       "Top heads at θ = 0.3")}};
}

// Everything the page asks a browser to load; the SVG namespace is a name, not a resource.
void expect_self_contained(std::string page) {
  const std::string svg_namespace = "xmlns=\"http://www.w3.org/2000/svg\"";
  for (auto at = page.find(svg_namespace); at != std::string::npos; at = page.find(svg_namespace))
    page.erase(at, svg_namespace.size());
  for (const char* forbidden : {"http://", "https://", "src=", "@import", "//cdn", "<link", "<iframe", "<img"})
    EXPECT_EQ(page.find(forbidden), std::string::npos) << forbidden;
  for (auto at = page.find("url("); at != std::string::npos; at = page.find("url(", at + 1))
    EXPECT_EQ(page.compare(at, 5, "url(#"), 0) << page.substr(at, 40);
  for (auto at = page.find("href=\""); at != std::string::npos; at = page.find("href=\"", at + 1))
    EXPECT_EQ(page[at + 6], '#') << page.substr(at, 40);
}

TEST(Page, ContentsLinkEverySectionAndNothingIsFetched) {
  const std::string out =
      html::page("bertology report: ProtBert", {{"model", "prot_bert"}, {"command_line", "a<b"}}, "", sections());
  EXPECT_EQ(out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(tag_balance(out, {"meta"}), "");
  for (const std::string id : {"contacts", "layers", "top_heads", "provenance"}) {
    EXPECT_NE(out.find("<a href=\"#" + id + "\">"), std::string::npos) << id;
    EXPECT_NE(out.find(" id=\"" + id + "\""), std::string::npos) << id;
  }
  EXPECT_LT(out.find("href=\"#contacts\""), out.find("<section id=\"contacts\""));  // contents first
  EXPECT_NE(out.find("By layer &lt;depth&gt;</a>"), std::string::npos);
  expect_self_contained(out);
  EXPECT_EQ(out.find("class=\"warning\""), std::string::npos);
  EXPECT_EQ(count(out, "<svg "), 2u);
  EXPECT_NE(out.find("data-rendered-figures"), std::string::npos);
  // Provenance at the end, escaped; numbers right-aligned in tables.
  EXPECT_GT(out.find("<th scope=\"row\">command_line</th><td>a&lt;b</td>"), out.find("<section id=\"top_heads\""));
  EXPECT_NE(out.find("<td class=\"num\">0.61</td>"), std::string::npos);
  EXPECT_NE(out.find("<td class=\"num\">45%</td>"), std::string::npos);
  EXPECT_NE(out.find("<td>a &lt; b &amp; c</td>"), std::string::npos);
}

TEST(Page, WarningBoxAtTheTop) {
  const std::string out = html::page("report", {}, "seeded random weights <not trained>", sections());
  const auto warning = out.find("<div class=\"warning\" role=\"alert\">");
  ASSERT_NE(warning, std::string::npos);
  EXPECT_LT(warning, out.find("<nav"));
  EXPECT_NE(out.find("seeded random weights &lt;not trained&gt;</div>"), std::string::npos);
  EXPECT_EQ(tag_balance(out, {"meta"}), "");
}

TEST(Page, RejectsBadSectionIds) {
  auto bad = sections();
  bad[1].id = "contacts";
  EXPECT_THROW(html::page("r", {}, "", bad), Error);
  bad = sections();
  bad[0].id = "has space";
  EXPECT_THROW(html::page("r", {}, "", bad), Error);
  bad = sections();
  bad[0].id = "provenance";
  EXPECT_THROW(html::page("r", {}, "", bad), Error);
  EXPECT_THROW(html::table({"a", "b"}, {{"1"}}, "short row"), Error);
}

// Writes a page with two figures to disk, as `bertology report` will. tests/report/render_html.sh
// opens such a page in a headless browser; set BERTOLOGY_FIGURES_PAGE to keep a copy for it.
TEST(Page, WritesAPageWithTwoFigures) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = ::testing::TempDir() + "/bertology_" + info->test_suite_name() + "_" + info->name() + "_" +
                           std::to_string(::getpid()) + ".html";
  const std::string out = html::page("bertology figures", {{"model", "test"}}, "seeded weights", sections());
  {
    std::ofstream file(path, std::ios::binary);
    ASSERT_TRUE(file) << path;
    file << out;
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream read;
  read << file.rdbuf();
  EXPECT_EQ(read.str(), out);
  EXPECT_EQ(count(read.str(), "<svg "), 2u);
  std::remove(path.c_str());
  if (const char* keep = std::getenv("BERTOLOGY_FIGURES_PAGE"); keep && *keep) {
    std::ofstream copy(keep, std::ios::binary);
    ASSERT_TRUE(copy) << keep;
    copy << out;
  }
}

}  // namespace
}  // namespace bertology::report
