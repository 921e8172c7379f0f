#pragma once
// Figures for the HTML report as standalone SVG 1.1 text: no scripts, no external fonts,
// images or style sheets, so a figure reads the same from disk, inline in a page, or in
// ten years. Internal to the report module.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertology::report::svg {

// Components in [0, 1], kept as doubles so tests can compare them with the published tables.
struct Rgb {
  double r = 0;
  double g = 0;
  double b = 0;
};

// matplotlib's viridis: perceptually uniform and readable with colour-blindness and in greyscale.
// t is clamped to [0, 1]; NaN maps to 0.
Rgb viridis(double t);
std::string hex(Rgb colour);  // "#rrggbb"

// Masked cells: a grey outside viridis (whose lightest colour is yellow), hatched besides.
inline constexpr std::string_view masked_grey = "#d9d9d9";

// Text for XML/HTML character data and attribute values: & < > " ' become entities.
std::string escape(std::string_view text);

// Numbers for people: at most `digits` significant digits, no trailing zeros ("0.12", "3", "1230", "1.2e-5").
std::string number(double value, int digits = 3);

// A layer × head matrix as in figures 2/3 of Vig et al. (ICLR 2021): layer 1 at the top.
struct HeatmapFigure {
  std::string title;
  std::string subtitle;
  std::string row_axis = "layer";
  std::string column_axis = "head";
  std::vector<std::string> row_labels, column_labels;  // their sizes give the matrix shape
  std::vector<double> values;                          // rows × cols, row-major; NaN = masked
  std::optional<double> low, high;                     // colour scale; default: data min / max
  std::string value_label;                             // colour-bar caption
  std::vector<double> row_bars;                        // optional per-row bar right of the grid; NaN = none
  std::optional<double> reference;  // e.g. background rate: marked on the colour bar, dashed across the bars
  std::string reference_label;
  std::string masked_label;    // legend text for grey cells; empty = no masked legend
  bool annotate = false;       // print values in the cells (small matrices such as 20 × 20)
  std::string row_bars_label;  // caption under the bars' axis, e.g. "max per layer"
};
std::string heatmap(const HeatmapFigure& figure);

struct LineSeries {
  std::string name;
  std::vector<double> y;           // one per x label; NaN = gap
  std::optional<double> marker_x;  // in x positions (0 = first label, fractions between), e.g. a centre
                                   // of gravity: a marker on the x axis, labelled in the labels' units
};
struct LineFigure {
  std::string title, subtitle, x_label, y_label;
  std::vector<std::string> x_labels;
  std::vector<LineSeries> series;
  bool normalise = false;  // scale each series to its maximum so that shapes compare; the y label says so
};
std::string line_chart(const LineFigure& figure);

}  // namespace bertology::report::svg
