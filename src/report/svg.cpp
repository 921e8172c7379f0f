#include "svg.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "bertology/error.h"

namespace bertology::report::svg {

namespace {

// viridis (van der Walt & Smith, 2015), every fifth row of the 256-row table `_viridis_data` as
// published in matplotlib's lib/matplotlib/_cm_listed.py and in BIDS/colormap colormaps.py
// (CC0; read at BIDS/colormap commit bc549477). Rows 0, 5, …, 255 are evenly spaced at t = k/51;
// interpolating linearly between them stays within 0.62/255 of every one of the 256 rows.
constexpr std::array<std::array<double, 3>, 52> viridis_anchors = {{
    {0.267004, 0.004874, 0.329415},  // 0
    {0.273809, 0.031497, 0.358853},  // 5
    {0.278791, 0.062145, 0.386592},  // 10
    {0.281924, 0.089666, 0.412415},  // 15
    {0.283197, 0.115680, 0.436115},  // 20
    {0.282623, 0.140926, 0.457517},  // 25
    {0.280255, 0.165693, 0.476498},  // 30
    {0.276194, 0.190074, 0.493001},  // 35
    {0.270595, 0.214069, 0.507052},  // 40
    {0.263663, 0.237631, 0.518762},  // 45
    {0.255645, 0.260703, 0.528312},  // 50
    {0.246811, 0.283237, 0.535941},  // 55
    {0.237441, 0.305202, 0.541921},  // 60
    {0.227802, 0.326594, 0.546532},  // 65
    {0.218130, 0.347432, 0.550038},  // 70
    {0.208623, 0.367752, 0.552675},  // 75
    {0.199430, 0.387607, 0.554642},  // 80
    {0.190631, 0.407061, 0.556089},  // 85
    {0.182256, 0.426184, 0.557120},  // 90
    {0.174274, 0.445044, 0.557792},  // 95
    {0.166617, 0.463708, 0.558119},  // 100
    {0.159194, 0.482237, 0.558073},  // 105
    {0.151918, 0.500685, 0.557587},  // 110
    {0.144759, 0.519093, 0.556572},  // 115
    {0.137770, 0.537492, 0.554906},  // 120
    {0.131172, 0.555899, 0.552459},  // 125
    {0.125394, 0.574318, 0.549086},  // 130
    {0.121148, 0.592739, 0.544641},  // 135
    {0.119423, 0.611141, 0.538982},  // 140
    {0.121380, 0.629492, 0.531973},  // 145
    {0.128087, 0.647749, 0.523491},  // 150
    {0.140210, 0.665859, 0.513427},  // 155
    {0.157851, 0.683765, 0.501686},  // 160
    {0.180653, 0.701402, 0.488189},  // 165
    {0.208030, 0.718701, 0.472873},  // 170
    {0.239374, 0.735588, 0.455688},  // 175
    {0.274149, 0.751988, 0.436601},  // 180
    {0.311925, 0.767822, 0.415586},  // 185
    {0.352360, 0.783011, 0.392636},  // 190
    {0.395174, 0.797475, 0.367757},  // 195
    {0.440137, 0.811138, 0.340967},  // 200
    {0.487026, 0.823929, 0.312321},  // 205
    {0.535621, 0.835785, 0.281908},  // 210
    {0.585678, 0.846661, 0.249897},  // 215
    {0.636902, 0.856542, 0.216620},  // 220
    {0.688944, 0.865448, 0.182725},  // 225
    {0.741388, 0.873449, 0.149561},  // 230
    {0.793760, 0.880678, 0.120005},  // 235
    {0.845561, 0.887322, 0.099702},  // 240
    {0.896320, 0.893616, 0.096335},  // 245
    {0.945636, 0.899815, 0.112838},  // 250
    {0.993248, 0.906157, 0.143936},  // 255
}};

constexpr std::string_view font_family = "DejaVu Sans, Helvetica, Arial, sans-serif";
constexpr std::string_view ink = "#222";
constexpr std::string_view muted = "#555";
constexpr std::string_view rule = "#bbb";
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Coordinates with at most one decimal: precise enough on screen, half the bytes of shortest().
std::string px(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  std::string text = buffer;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  return text == "-0" ? "0" : text;
}

// Layout needs text widths without a font engine: 0.6 em per character is generous for DejaVu
// Sans digits and lower case, so labels get room rather than overlap.
double text_width(std::string_view text, double font_size) {
  std::size_t characters = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++characters;  // count UTF-8 lead bytes only
  return 0.6 * font_size * static_cast<double>(characters);
}

std::string text(double x, double y, std::string_view content, std::string_view attributes = {}) {
  std::string element = "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"";
  if (!attributes.empty()) element += " " + std::string(attributes);
  return element + ">" + escape(content) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, std::string_view attributes) {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\" " +
         std::string(attributes) + "/>\n";
}

// A complete <rect>, with a tooltip when `tooltip` is not empty; class and fill lead for readers of the text.
std::string rect(double x, double y, double width, double height, std::string_view attributes,
                 std::string_view tooltip = {}) {
  std::string element = "<rect " + std::string(attributes) + " x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" +
                        px(width) + "\" height=\"" + px(height) + "\"";
  if (tooltip.empty()) return element + "/>\n";
  return element + "><title>" + escape(tooltip) + "</title></rect>\n";
}

// Ids of gradients and patterns must be unique within an HTML page that inlines many figures;
// a hash of the figure keeps them unique and the output reproducible.
class Fingerprint {
 public:
  void add(std::string_view text) {
    for (unsigned char c : text) mix(c);
    mix(0);
  }
  void add(double value) {
    const auto bytes = reinterpret_cast<const unsigned char*>(&value);
    for (std::size_t i = 0; i < sizeof value; ++i) mix(bytes[i]);
  }
  std::string id() const {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "f%08x", static_cast<unsigned>(hash_ ^ (hash_ >> 32)));
    return buffer;
  }

 private:
  void mix(unsigned char c) { hash_ = (hash_ ^ c) * 0x100000001b3ull; }  // FNV-1a
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

std::string open_document(double width, double height, std::string_view title, std::string_view description) {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + px(width) + "\" height=\"" +
                    px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) + "\" font-family=\"" +
                    std::string(font_family) + "\" font-size=\"11\" fill=\"" + std::string(ink) +
                    "\" role=\"img\">\n<title>" + escape(title) + "</title>\n";
  if (!description.empty()) out += "<desc>" + escape(description) + "</desc>\n";
  out += "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  return out;
}

// Title and subtitle at the top left; returns the height they take.
double header(std::string& out, std::string_view title, std::string_view subtitle) {
  out += text(12, 22, title, "font-size=\"15\" font-weight=\"bold\"");
  if (subtitle.empty()) return 32;
  out += text(12, 40, subtitle, "font-size=\"11.5\" fill=\"" + std::string(muted) + "\"");
  return 50;
}

double header_width(std::string_view title, std::string_view subtitle) {
  return 24 + std::max(text_width(title, 15) * 1.05, text_width(subtitle, 11.5));
}

// About `target` round tick values (1, 2 or 5 × 10^k apart) covering [low, high].
std::vector<double> ticks(double low, double high, int target) {
  if (!(high > low)) return {low};
  // Ranges near the resolution of a double get their ends only: rounder values would coincide.
  if (high - low <= 1e-9 * std::max(std::abs(low), std::abs(high))) return {low, high};
  const double rough = (high - low) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0})
    if (factor * magnitude >= rough) {
      step = factor * magnitude;
      break;
    }
  // Counting in whole steps: adding `step` repeatedly drifts, and stalls when it is below an ulp of low.
  std::vector<double> values;
  const double first = std::ceil(low / step - 1e-9);
  for (int k = 0; k <= 4 * target; ++k) {
    const double v = (first + k) * step;
    if (v > high + step * 1e-9) break;
    values.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  if (values.empty()) values.push_back(low);
  return values;
}

// Labels fit when their centres are at least `needed` px apart: show every step-th (1, 2, 4, 5, 10, …).
int label_step(double spacing, double needed) {
  for (int step : {1, 2, 4, 5, 10, 20, 25, 50, 100})
    if (step * spacing >= needed) return step;
  return 100;
}

bool labelled(int index, int step) { return step == 1 || (index + 1) % step == 0 || (index == 0 && step > 2); }

std::string dash_pattern(std::size_t series) {
  static const char* const dashes[] = {"", "7 3", "2 2.5", "9 3 2 3"};
  return dashes[(series / 8) % 4];
}

// Okabe & Ito (2008), "Color universal design": distinguishable with every common colour-vision
// deficiency. Black and yellow come last: yellow is faint on white.
std::string_view series_colour(std::size_t series) {
  static const char* const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                        "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return palette[series % 8];
}

double finite_max(const std::vector<double>& values) {
  double highest = nan;
  for (double v : values)
    if (std::isfinite(v) && !(v <= highest)) highest = v;
  return highest;
}

double finite_min(const std::vector<double>& values) {
  double lowest = nan;
  for (double v : values)
    if (std::isfinite(v) && !(v >= lowest)) lowest = v;
  return lowest;
}

// A label's number when it is one ("12"), so a marker between labels can say "12.4".
std::optional<double> numeric(const std::string& label) {
  if (label.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(label.c_str(), &end);
  if (end != label.c_str() + label.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string position_label(const std::vector<std::string>& labels, double position) {
  const int last = static_cast<int>(labels.size()) - 1;
  const int below = std::clamp(static_cast<int>(std::floor(position)), 0, last);
  const int above = std::min(below + 1, last);
  const auto a = numeric(labels[below]);
  const auto b = numeric(labels[above]);
  if (a && b) return number(*a + (*b - *a) * (position - below), 3);
  return "≈ " + labels[std::clamp(static_cast<int>(std::lround(position)), 0, last)];
}

}  // namespace

Rgb viridis(double t) {
  if (std::isnan(t)) t = 0;
  const double position = std::clamp(t, 0.0, 1.0) * (viridis_anchors.size() - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(position), viridis_anchors.size() - 2);
  const double f = position - static_cast<double>(i);
  const auto& a = viridis_anchors[i];
  const auto& b = viridis_anchors[i + 1];
  return {a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f};
}

std::string hex(Rgb colour) {
  const auto byte = [](double c) { return static_cast<int>(std::lround(std::clamp(c, 0.0, 1.0) * 255)); };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", byte(colour.r), byte(colour.g), byte(colour.b));
  return buffer;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // XML 1.0 forbids other control characters even as entities: one would make the SVG unreadable.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

std::string number(double value, int digits) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "∞" : "−∞";
  if (value == 0) return "0";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.*g", std::max(digits, 1), value);
  std::string text = buffer;
  const auto e = text.find('e');
  if (e == std::string::npos) return text;
  const double rounded = std::strtod(buffer, nullptr);
  if (std::abs(rounded) >= 1 && std::abs(rounded) < 1e6) {  // "1.23e+03" reads worse than "1230"
    std::snprintf(buffer, sizeof buffer, "%.0f", rounded);
    return buffer;
  }
  // "1.2e-05" → "1.2e-5"
  std::string exponent = text.substr(e + 1);
  const bool negative = exponent[0] == '-';
  exponent.erase(0, exponent.find_first_not_of("+-0"));
  return text.substr(0, e) + "e" + (negative ? "-" : "") + (exponent.empty() ? "0" : exponent);
}

std::string heatmap(const HeatmapFigure& figure) {
  const int rows = static_cast<int>(figure.row_labels.size());
  const int cols = static_cast<int>(figure.column_labels.size());
  const std::string what = "heatmap '" + figure.title + "'";
  require(rows > 0 && cols > 0, what + ": needs at least one row label and one column label");
  require(figure.values.size() == static_cast<std::size_t>(rows) * cols,
          what + ": " + std::to_string(figure.values.size()) + " values for " + std::to_string(rows) + " × " +
              std::to_string(cols) + " cells");
  require(figure.row_bars.empty() || figure.row_bars.size() == static_cast<std::size_t>(rows),
          what + ": " + std::to_string(figure.row_bars.size()) + " row bars for " + std::to_string(rows) + " rows");
  require(!figure.reference || std::isfinite(*figure.reference), what + ": the reference must be finite");

  // Colour scale: given bounds win; an empty or flat matrix still gets a usable range.
  double low = figure.low.value_or(finite_min(figure.values));
  double high = figure.high.value_or(finite_max(figure.values));
  if (std::isnan(low)) low = std::isnan(high) ? 0 : std::min(0.0, high);
  if (std::isnan(high)) high = low + 1;
  if (!(high > low)) {
    require(!(figure.low && figure.high),
            what + ": colour scale low " + number(low, 6) + " is not below high " + number(high, 6));
    const double span = low == 0 ? 1 : std::abs(low);
    if (figure.high)
      low = high - span;
    else
      high = low + span;
  }
  const auto scaled = [&](double v) { return std::clamp((v - low) / (high - low), 0.0, 1.0); };

  Fingerprint fingerprint;
  fingerprint.add(figure.title);
  fingerprint.add(figure.subtitle);
  for (double v : figure.values) fingerprint.add(v);
  const std::string id = fingerprint.id();
  const std::string hatch_fill = "url(#" + id + "-hatch) " + std::string(masked_grey);

  // Cells: as wide as the column count allows within ~640 px (16 heads → 28 px, 64 heads → 10 px),
  // never so flat that a row label does not fit beside them.
  const double cell_w = std::clamp(std::floor(640.0 / cols), 8.0, figure.annotate ? 40.0 : 28.0);
  const double cell_h = figure.annotate ? std::max(cell_w, 14.0) : std::clamp(cell_w, 14.0, 22.0);
  const double grid_w = cell_w * cols, grid_h = cell_h * rows;

  double row_label_w = 0;
  for (const auto& label : figure.row_labels) row_label_w = std::max(row_label_w, text_width(label, 10));
  double column_label_w = 0;
  for (const auto& label : figure.column_labels) column_label_w = std::max(column_label_w, text_width(label, 10));

  std::string body;
  const double top = header(body, figure.title, figure.subtitle);
  const double grid_x = 30 + row_label_w + 6;
  const double grid_y = top + (figure.reference && !figure.row_bars.empty() ? 22 : 8);

  // Grid.
  body += "<g class=\"cells\">\n";
  // Annotations as large as the longest one allows, up to 10 px.
  std::size_t longest = 1;
  if (figure.annotate)
    for (double v : figure.values)
      if (!std::isnan(v)) longest = std::max(longest, number(v, 2).size());
  const double annotation_size = std::min(10.0, (cell_w - 3) / (0.6 * static_cast<double>(longest)));
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double v = figure.values[static_cast<std::size_t>(r) * cols + c];
      const double x = grid_x + c * cell_w, y = grid_y + r * cell_h;
      const std::string name = figure.row_labels[r] + "-" + figure.column_labels[c];
      if (std::isnan(v)) {
        body += rect(x, y, cell_w, cell_h, "class=\"cell masked\" fill=\"" + hatch_fill + "\"",
                     name + ": masked" + (figure.masked_label.empty() ? "" : " (" + figure.masked_label + ")"));
        continue;
      }
      body += rect(x, y, cell_w, cell_h, "class=\"cell\" fill=\"" + hex(viridis(scaled(v))) + "\"",
                   name + ": " + number(v, 4));
      // Below 6 px the numbers are unreadable; the tooltips still carry them.
      if (figure.annotate && annotation_size >= 6)
        body +=
            text(x + cell_w / 2, y + cell_h / 2 + annotation_size * 0.35, number(v, 2),
                 "font-size=\"" + px(annotation_size) + "\" text-anchor=\"middle\" pointer-events=\"none\" fill=\"" +
                     (scaled(v) < 0.55 ? "#fff" : "#000") + "\"");
    }
  body += "</g>\n" + rect(grid_x, grid_y, grid_w, grid_h, "fill=\"none\" stroke=\"" + std::string(rule) + "\"");

  // Row labels (layer 1 at the top, as in the paper) and the row axis title.
  const int row_step = label_step(cell_h, 12);
  for (int r = 0; r < rows; ++r)
    if (labelled(r, row_step))
      body += text(grid_x - 5, grid_y + (r + 0.5) * cell_h + 3.5, figure.row_labels[r],
                   "font-size=\"10\" text-anchor=\"end\"");
  const double row_axis_y = grid_y + grid_h / 2;
  body += text(14, row_axis_y, figure.row_axis,
               "font-size=\"11.5\" text-anchor=\"middle\" transform=\"rotate(-90 14 " + px(row_axis_y) + ")\"");

  // Column labels below the grid, thinned when the cells are narrow (64 heads).
  const int column_step = label_step(cell_w, column_label_w + 4);
  const double labels_y = grid_y + grid_h + 13;
  for (int c = 0; c < cols; ++c)
    if (labelled(c, column_step))
      body += text(grid_x + (c + 0.5) * cell_w, labels_y, figure.column_labels[c],
                   "font-size=\"10\" text-anchor=\"middle\"");
  body += text(grid_x + grid_w / 2, labels_y + 16, figure.column_axis, "font-size=\"11.5\" text-anchor=\"middle\"");
  double bottom = labels_y + 22;
  double right = grid_x + grid_w;

  // Row bars: one shared axis with ticks, the reference as a dashed line across all of them.
  if (!figure.row_bars.empty()) {
    const double bars_x = right + 26, bars_w = 150;
    double bar_low = std::min(0.0, finite_min(figure.row_bars));
    double bar_high = std::max(0.0, finite_max(figure.row_bars));
    if (std::isnan(bar_low)) bar_low = 0;
    if (std::isnan(bar_high)) bar_high = 0;
    if (figure.reference) {
      bar_low = std::min(bar_low, *figure.reference);
      bar_high = std::max(bar_high, *figure.reference);
    }
    if (!(bar_high > bar_low)) bar_high = bar_low + 1;
    auto bar_ticks = ticks(bar_low, bar_high, 3);
    const double step = bar_ticks.size() > 1 ? bar_ticks[1] - bar_ticks[0] : 1;
    if (bar_ticks.back() < bar_high - step * 1e-9) bar_ticks.push_back(bar_ticks.back() + step);
    if (bar_ticks.front() > bar_low + step * 1e-9) bar_ticks.insert(bar_ticks.begin(), bar_ticks.front() - step);
    bar_low = bar_ticks.front();
    bar_high = bar_ticks.back();
    const auto bx = [&](double v) { return bars_x + (v - bar_low) / (bar_high - bar_low) * bars_w; };

    body += "<g class=\"row-bars\">\n";
    for (double t : bar_ticks) {
      body += line(bx(t), grid_y, bx(t), grid_y + grid_h + 3, "stroke=\"#e4e4e4\"");
      body += text(bx(t), labels_y, number(t), "font-size=\"10\" text-anchor=\"middle\"");
    }
    body += line(bars_x, grid_y + grid_h, bars_x + bars_w, grid_y + grid_h, "stroke=\"" + std::string(muted) + "\"");
    for (int r = 0; r < rows; ++r) {
      const double v = figure.row_bars[r];
      if (!std::isfinite(v)) continue;
      const double x0 = bx(std::min(0.0, v)), x1 = bx(std::max(0.0, v));
      body +=
          rect(x0, grid_y + r * cell_h + cell_h * 0.15, std::max(x1 - x0, 0.5), cell_h * 0.7,
               "class=\"bar\" fill=\"#31688e\"", figure.row_axis + " " + figure.row_labels[r] + ": " + number(v, 4));
    }
    if (!figure.row_bars_label.empty())
      body +=
          text(bars_x + bars_w / 2, labels_y + 16, figure.row_bars_label, "font-size=\"11.5\" text-anchor=\"middle\"");
    if (figure.reference) {
      const double x = bx(*figure.reference);
      body += line(x, grid_y - 6, x, grid_y + grid_h, "class=\"reference\" stroke=\"#000\" stroke-dasharray=\"4 3\"");
      const bool left_half = x < bars_x + bars_w / 2;
      body += text(left_half ? x + 3 : x - 3, grid_y - 8,
                   (figure.reference_label.empty() ? std::string("reference") : figure.reference_label) + " " +
                       number(*figure.reference),
                   std::string("font-size=\"10\" text-anchor=\"") + (left_half ? "start" : "end") + "\"");
    }
    body += "</g>\n";
    right = bars_x + bars_w;
  }

  // Colour bar: the gradient is built from the same anchors as the cells, so it matches them exactly.
  const double bar_x = right + 34, bar_w = 14;
  const double bar_h = std::clamp(grid_h, 120.0, 260.0);
  const double bar_y = grid_y;
  const auto cy = [&](double v) { return bar_y + (1 - scaled(v)) * bar_h; };
  body += "<g class=\"colour-bar\">\n" +
          rect(bar_x, bar_y, bar_w, bar_h, "fill=\"url(#" + id + "-viridis)\" stroke=\"" + std::string(rule) + "\"");
  double tick_label_w = 0;
  for (double t : ticks(low, high, 5)) {
    if (t < low - 1e-12 * (high - low) || t > high + 1e-12 * (high - low)) continue;
    body += line(bar_x + bar_w, cy(t), bar_x + bar_w + 3, cy(t), "stroke=\"" + std::string(ink) + "\"");
    const std::string label = number(t);
    body += text(bar_x + bar_w + 5, cy(t) + 3.5, label, "font-size=\"10\"");
    tick_label_w = std::max(tick_label_w, text_width(label, 10));
  }
  if (!figure.value_label.empty()) {
    const double x = bar_x + bar_w + 5 + tick_label_w + 10, y = bar_y + bar_h / 2;
    body += text(x, y, figure.value_label,
                 "font-size=\"11.5\" text-anchor=\"middle\" transform=\"rotate(90 " + px(x) + " " + px(y) + ")\"");
    right = x + 8;
  } else {
    right = bar_x + bar_w + 5 + tick_label_w;
  }
  const bool reference_on_bar = figure.reference && *figure.reference >= low && *figure.reference <= high;
  if (reference_on_bar)
    body += line(bar_x - 4, cy(*figure.reference), bar_x + bar_w + 4, cy(*figure.reference),
                 "class=\"reference\" stroke=\"#000\" stroke-width=\"2\"");
  body += "</g>\n";

  // Legend below the colour bar: what the marked line and the grey cells mean.
  double legend_y = bar_y + bar_h + 20;
  if (figure.reference) {
    body += line(bar_x - 4, legend_y - 4, bar_x + bar_w + 4, legend_y - 4,
                 std::string("stroke=\"#000\" stroke-width=\"2\"") +
                     (figure.row_bars.empty() ? "" : " stroke-dasharray=\"4 3\""));
    const std::string label = (figure.reference_label.empty() ? std::string("reference") : figure.reference_label) +
                              " " + number(*figure.reference) + (reference_on_bar ? "" : " (off the colour scale)");
    body += text(bar_x + bar_w + 10, legend_y, label, "font-size=\"10\"");
    right = std::max(right, bar_x + bar_w + 10 + text_width(label, 10));
    legend_y += 18;
  }
  if (!figure.masked_label.empty()) {
    body += rect(bar_x, legend_y - 10, bar_w, 12, "class=\"legend masked\" fill=\"" + hatch_fill + "\"");
    body += text(bar_x + bar_w + 10, legend_y, figure.masked_label, "font-size=\"10\"");
    right = std::max(right, bar_x + bar_w + 10 + text_width(figure.masked_label, 10));
    legend_y += 18;
  }
  bottom = std::max(bottom, legend_y);

  std::string defs = "<defs>\n<linearGradient id=\"" + id + "-viridis\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (std::size_t k = 0; k < viridis_anchors.size(); ++k) {
    const double t = static_cast<double>(k) / (viridis_anchors.size() - 1);
    defs += "<stop offset=\"" + number(t, 4) + "\" stop-color=\"" + hex(viridis(t)) + "\"/>\n";
  }
  defs += "</linearGradient>\n<pattern id=\"" + id +
          "-hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\n"
          "<rect width=\"5\" height=\"5\" fill=\"" +
          std::string(masked_grey) +
          "\"/>\n<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#a6a6a6\" "
          "stroke-width=\"1.5\"/>\n</pattern>\n</defs>\n";

  const double width = std::ceil(std::max(right, header_width(figure.title, figure.subtitle)) + 12);
  const double height = std::ceil(bottom + 8);
  return open_document(width, height, figure.title, figure.subtitle) + defs + body + "</svg>\n";
}

std::string line_chart(const LineFigure& figure) {
  const int n = static_cast<int>(figure.x_labels.size());
  const std::string what = "line chart '" + figure.title + "'";
  require(n > 0, what + ": needs at least one x label");
  for (const auto& series : figure.series) {
    require(series.y.size() == static_cast<std::size_t>(n), what + ": series '" + series.name + "' has " +
                                                                std::to_string(series.y.size()) + " values for " +
                                                                std::to_string(n) + " x labels");
    require(!series.marker_x || std::isfinite(*series.marker_x),
            what + ": series '" + series.name + "' has a marker that is not finite");
  }

  // Values as drawn: each series over its own maximum when normalised, so shapes compare.
  std::vector<std::vector<double>> ys;
  for (const auto& series : figure.series) {
    auto y = series.y;
    const double highest = finite_max(y);
    if (figure.normalise && highest > 0)
      for (double& v : y) v /= highest;
    ys.push_back(std::move(y));
  }
  double low = 0, high = figure.normalise ? 1 : 0;
  for (const auto& y : ys) {
    if (const double m = finite_min(y); m < low) low = m;
    if (const double m = finite_max(y); m > high) high = m;
  }
  if (!(high > low)) high = low + 1;
  auto y_ticks = ticks(low, high, 5);
  const double step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  if (y_ticks.back() < high - step * 1e-9) y_ticks.push_back(y_ticks.back() + step);
  if (y_ticks.front() > low + step * 1e-9) y_ticks.insert(y_ticks.begin(), y_ticks.front() - step);
  low = y_ticks.front();
  high = y_ticks.back();

  double tick_label_w = 0;
  for (double t : y_ticks) tick_label_w = std::max(tick_label_w, text_width(number(t), 10));
  double x_label_w = 0;
  for (const auto& label : figure.x_labels) x_label_w = std::max(x_label_w, text_width(label, 10));

  std::string body;
  const double top = header(body, figure.title, figure.subtitle);
  const double plot_x = 30 + tick_label_w + 8, plot_y = top + 10;
  const double plot_w = std::clamp(28.0 * n, 360.0, 620.0), plot_h = 280;
  const auto x_at = [&](double position) { return plot_x + (position + 0.5) * plot_w / n; };
  const auto y_at = [&](double v) { return plot_y + (1 - (v - low) / (high - low)) * plot_h; };

  // Axes, horizontal grid lines, tick labels.
  for (double t : y_ticks) {
    body += line(plot_x, y_at(t), plot_x + plot_w, y_at(t), "stroke=\"#e4e4e4\"");
    body += text(plot_x - 5, y_at(t) + 3.5, number(t), "font-size=\"10\" text-anchor=\"end\"");
  }
  body += line(plot_x, plot_y + plot_h, plot_x + plot_w, plot_y + plot_h, "stroke=\"" + std::string(muted) + "\"");
  body += line(plot_x, plot_y, plot_x, plot_y + plot_h, "stroke=\"" + std::string(muted) + "\"");
  const int x_step = label_step(plot_w / n, x_label_w + 4);
  const double labels_y = plot_y + plot_h + 14;
  for (int i = 0; i < n; ++i)
    if (labelled(i, x_step)) {
      body += line(x_at(i), plot_y + plot_h, x_at(i), plot_y + plot_h + 3, "stroke=\"" + std::string(muted) + "\"");
      body += text(x_at(i), labels_y, figure.x_labels[i], "font-size=\"10\" text-anchor=\"middle\"");
    }
  body += text(plot_x + plot_w / 2, labels_y + 17, figure.x_label, "font-size=\"11.5\" text-anchor=\"middle\"");
  std::string y_label = figure.y_label;
  if (figure.normalise) y_label += y_label.empty() ? "relative to each series' maximum" : " ÷ series maximum";
  const double y_axis_y = plot_y + plot_h / 2;
  body += text(14, y_axis_y, y_label,
               "font-size=\"11.5\" text-anchor=\"middle\" transform=\"rotate(-90 14 " + px(y_axis_y) + ")\"");

  // Series: one path each, gaps where a value is missing; round caps show an isolated point.
  for (std::size_t s = 0; s < figure.series.size(); ++s) {
    const auto& series = figure.series[s];
    const std::string colour(series_colour(s));
    std::string d;
    bool pen_down = false;
    for (int i = 0; i < n; ++i) {
      const double v = ys[s][i];
      if (!std::isfinite(v)) {
        pen_down = false;
        continue;
      }
      const bool isolated = !pen_down && (i + 1 >= n || !std::isfinite(ys[s][i + 1]));
      d += (pen_down ? "L" : "M") + px(x_at(i)) + "," + px(y_at(v)) + (isolated ? "h0" : "");
      pen_down = true;
    }
    const std::string dash = dash_pattern(s);
    body += "<g class=\"series\">\n<path d=\"" + (d.empty() ? std::string("M0,0") : d) + "\" fill=\"none\" stroke=\"" +
            colour + "\" stroke-width=\"2\" stroke-linecap=\"round\"" + " stroke-linejoin=\"round\"" +
            (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") + "><title>" + escape(series.name) +
            "</title></path>\n";
    for (int i = 0; i < n; ++i)
      if (std::isfinite(ys[s][i]))
        body += "<circle cx=\"" + px(x_at(i)) + "\" cy=\"" + px(y_at(ys[s][i])) + "\" r=\"2.5\" fill=\"" + colour +
                "\"><title>" + escape(series.name + ", " + figure.x_labels[i] + ": " + number(series.y[i], 4)) +
                "</title></circle>\n";
    body += "</g>\n";
  }

  // Markers: a triangle on the x axis and, in a lane of its own below, the position in label units.
  double bottom = labels_y + 24;
  for (std::size_t s = 0; s < figure.series.size(); ++s) {
    const auto& series = figure.series[s];
    if (!series.marker_x) continue;
    const double x = x_at(std::clamp(*series.marker_x, -0.5, n - 0.5));
    const std::string colour(series_colour(s));
    const std::string where = position_label(figure.x_labels, *series.marker_x);
    const std::string tip = "<title>" + escape(series.name + ": " + where) + "</title>";
    const double axis_y = plot_y + plot_h;
    body += "<path class=\"marker\" d=\"M" + px(x) + "," + px(axis_y) + "l-5,-8h10z\" fill=\"" + colour +
            "\" stroke=\"#fff\" stroke-width=\"0.75\">" + tip + "</path>\n";
    bottom += 15;
    body += "<path class=\"marker-lane\" d=\"M" + px(x) + "," + px(bottom - 10) + "l-4,7h8z\" fill=\"" + colour +
            "\">" + tip + "</path>\n";
    const std::string label = where + "  " + series.name;
    const bool fits_right = x + 6 + text_width(label, 10) <= plot_x + plot_w + 140;
    body += text(fits_right ? x + 7 : x - 7, bottom - 3, label,
                 "font-size=\"10\" fill=\"" + colour + "\" text-anchor=\"" + (fits_right ? "start" : "end") + "\"");
  }

  // Legend right of the plot: swatch in the series' colour and dash, then its name.
  const double legend_x = plot_x + plot_w + 20;
  double right = plot_x + plot_w + 140;
  for (std::size_t s = 0; s < figure.series.size(); ++s) {
    const double y = plot_y + 6 + 17 * static_cast<double>(s);
    const std::string dash = dash_pattern(s);
    body += "<g class=\"legend\">" +
            line(legend_x, y, legend_x + 24, y,
                 "stroke=\"" + std::string(series_colour(s)) + "\" stroke-width=\"2.5\"" +
                     (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"")) +
            text(legend_x + 30, y + 3.5, figure.series[s].name, "font-size=\"10.5\"") + "</g>\n";
    right = std::max(right, legend_x + 30 + text_width(figure.series[s].name, 10.5));
    bottom = std::max(bottom, y + 10);
  }

  const double width = std::ceil(std::max(right, header_width(figure.title, figure.subtitle)) + 12);
  const double height = std::ceil(bottom + 8);
  return open_document(width, height, figure.title, figure.subtitle) + body + "</svg>\n";
}

}  // namespace bertology::report::svg
