// `bertology report --html DIR`: the paper's figures and every table of the text report on one
// static page, the figures also as files, and every head's numbers as CSV.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "bertology/error.h"
#include "bertology/report/report.h"
#include "files.h"
#include "html.h"
#include "number_format.h"
#include "svg.h"

extern char** environ;

namespace bertology::report {
namespace {

namespace fs = std::filesystem;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string attribute(const io::ResultData& data, const std::string& name) {
  if (const auto found = data.text_attributes.find(name); found != data.text_attributes.end()) return found->second;
  if (const auto found = data.integer_attributes.find(name); found != data.integer_attributes.end())
    return std::to_string(found->second);
  return "";
}

std::string model_name(const io::ResultData& data) {
  const std::string model = attribute(data, "model");
  const std::string base = model.empty() ? "model" : fs::path(model).filename().string();
  const std::string architecture = attribute(data, "architecture");
  return architecture.empty() ? base : base + " (" + architecture + ")";
}

// "ProtBert (prot_bert), θ = 0.3, 5000 sequences": what every figure's title carries.
std::string figure_context(const io::ResultData& data, const Summary& summary) {
  return model_name(data) + ", θ = " + shortest(summary.threshold) + ", " + attribute(data, "n_sequences") +
         " sequences";
}

std::vector<std::string> numbered(int count) {
  std::vector<std::string> labels;
  for (int i = 1; i <= count; ++i) labels.push_back(std::to_string(i));
  return labels;
}

std::string interval_text(const Interval& interval) {
  if (std::isnan(interval.low)) return "–";
  return svg::number(interval.low, 3) + " – " + svg::number(interval.high, 3);
}

// The largest value of each row of a rows × columns matrix (row-major), NaN where a row has none:
// the per-layer bars beside a heatmap.
std::vector<double> row_maxima(const std::vector<double>& values, int rows, int columns) {
  std::vector<double> maxima(rows, nan);
  for (int row = 0; row < rows; ++row)
    for (int column = 0; column < columns; ++column) {
      const double value = values[static_cast<std::size_t>(row) * columns + column];
      if (!std::isnan(value) && (std::isnan(maxima[row]) || value > maxima[row])) maxima[row] = value;
    }
  return maxima;
}

bool is_amino_acid(const std::string& label) { return label.rfind("aa_", 0) == 0; }

// A file stem from a label a user's corpus may have named freely.
std::string file_stem(const std::string& text) {
  std::string stem;
  for (char c : text) stem += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
  return stem;
}

struct Figure {
  std::string name;  // file stem
  std::string svg;
};

class PageBuilder {
 public:
  PageBuilder(const io::ResultData& data, const ReportOptions& options, const Summary& summary)
      : data_(data), options_(options), summary_(summary) {}

  std::vector<html::Section> sections() {
    std::vector<html::Section> sections;
    sections.push_back(overview());
    sections.push_back(properties(false));
    sections.push_back(layer_profile());
    if (summary_.amino_acids) sections.push_back(amino_acids());
    sections.push_back(properties(true));
    if (summary_.precision) sections.push_back(contact_precision());
    return sections;
  }
  const std::vector<Figure>& figures() const { return figures_; }

 private:
  std::string add_figure(const std::string& name, std::string svg_text) {
    figures_.push_back({file_stem(name), svg_text});
    return "<figure>" + svg_text + "</figure>";
  }

  html::Section overview() const {
    std::string body = "<p>" + svg::escape(figure_context(data_, summary_)) + "; " +
                       std::to_string(summary_.eligible_heads) + " of " + std::to_string(data_.layers * data_.heads) +
                       " heads have at least " + std::to_string(options_.min_arcs) +
                       " arcs above θ (the others are greyed in the figures and cannot be top heads).</p>";
    body += "<p><strong>Intervals.</strong> " + svg::number(options_.confidence * 100, 3) +
            "%, family-wise. Conclusions rest on the " + svg::escape(summary_.interval_basis) + ".</p>";
    if (summary_.null_permutations > 0)
      body += "<p><strong>Null control.</strong> " + std::to_string(summary_.null_permutations) +
              " permutations of every per-residue label within its sequence (contacts: coordinates read in a "
              "circularly shifted order). A head beats the null when its max-T adjusted permutation p-value is at "
              "most " +
              svg::number(1 - options_.confidence, 3) + "; the smallest attainable p is " +
              svg::number(1.0 / (summary_.null_permutations + 1), 3) + ".</p>";
    else
      body +=
          "<p><strong>Null control.</strong> None in this result: run with <code>--null 99</code> for "
          "permutation p-values.</p>";
    body +=
        "<p><strong>Denominators.</strong> A property of a corpus label (binding site, PTM, secondary "
        "structure) is a share of the arcs whose key residue's label is known; contacts and amino acids, of "
        "all arcs above θ. The per-head numbers of every property are in <code>heads.csv</code>.</p>";
    return {"overview", "Overview", "", body};
  }

  std::string heatmap_of(const PropertySummary& property) {
    svg::HeatmapFigure figure;
    figure.title = property.label + ": share of attention (α > " + shortest(summary_.threshold) + ")";
    figure.subtitle = figure_context(data_, summary_);
    figure.row_labels = numbered(data_.layers);
    figure.column_labels = numbered(data_.heads);
    figure.values = property.proportions;
    figure.low = 0;
    figure.value_label = "proportion";
    figure.row_bars = row_maxima(figure.values, data_.layers, data_.heads);
    figure.row_bars_label = "max per layer";
    if (property.background.eligible > 0) {
      figure.reference = property.background.rate();
      figure.reference_label = "background";
    }
    figure.masked_label = "fewer than " + std::to_string(options_.min_arcs) + " arcs";
    return add_figure("heatmap_" + property.label, svg::heatmap(figure));
  }

  std::string top_heads_table(const PropertySummary& property) const {
    const bool bootstrap = summary_.bootstrap_resamples > 0;
    const bool null = summary_.null_permutations > 0;
    std::vector<std::string> header{"rank", "head", "proportion", "Wilson CI"};
    if (bootstrap) header.push_back("bootstrap CI");
    header.insert(header.end(), {"hits", "arcs", "enrichment", "enrichment CI"});
    if (null) header.insert(header.end(), {"null mean", "p", "p (max-T)"});
    std::vector<std::vector<std::string>> rows;
    for (std::size_t rank = 0; rank < property.top_heads.size(); ++rank) {
      const HeadStatistic& h = property.top_heads[rank];
      std::vector<std::string> row{std::to_string(rank + 1), head_name(h.layer, h.head), svg::number(h.proportion, 4),
                                   interval_text(h.interval)};
      if (bootstrap) row.push_back(interval_text(h.bootstrap));
      row.insert(row.end(), {std::to_string(h.hits), std::to_string(h.arcs), svg::number(h.enrichment, 3),
                             interval_text(bootstrap ? h.enrichment_bootstrap : h.enrichment_interval)});
      if (null)
        row.insert(row.end(),
                   {svg::number(h.null_proportion, 4), svg::number(h.null_p, 3), svg::number(h.null_p_family, 3)});
      rows.push_back(row);
    }
    std::string caption = "Top heads for " + property.label + " (" + std::to_string(property.eligible_heads) +
                          " eligible; denominator " + property.denominator + "; background " +
                          (property.background.eligible > 0 ? svg::number(property.background.rate(), 4) : "unknown") +
                          ")";
    if (null) caption += "; " + std::to_string(property.beats_null.size()) + " heads beat the null after correction";
    return html::table(header, rows, caption);
  }

  html::Section properties(bool amino_acids) {
    html::Section section;
    section.id = amino_acids ? "amino-acid-properties" : "properties";
    section.heading = amino_acids ? "Attention to each amino acid" : "Properties: heatmaps and top heads";
    section.intro_html =
        "<p>Each cell is a head's share of attention (α &gt; θ) on the property; bars: the best head of each "
        "layer; dashed: the background rate (the share expected of attention that ignores the property).</p>";
    for (const auto& property : summary_.properties) {
      if (is_amino_acid(property.label) != amino_acids) continue;
      const std::string content = heatmap_of(property) + top_heads_table(property);
      if (amino_acids)
        section.body_html += "<details><summary>" + svg::escape(property.label) + "</summary>" + content + "</details>";
      else
        section.body_html += "<h3>" + svg::escape(property.label) + "</h3>" + content;
    }
    if (section.body_html.empty()) section.body_html = "<p>None measured.</p>";
    return section;
  }

  html::Section layer_profile() {
    svg::LineFigure figure;
    figure.title = "Share of attention by layer";
    figure.subtitle = figure_context(data_, summary_) + "; markers: centre of gravity";
    figure.x_label = "layer";
    figure.y_label = "share of the layer's attention";
    figure.x_labels = numbered(data_.layers);
    figure.normalise = true;
    std::vector<std::vector<std::string>> rows;
    for (const auto& property : summary_.properties) {
      if (is_amino_acid(property.label)) continue;
      svg::LineSeries series{property.label, property.layer_share, std::nullopt};
      if (!std::isnan(property.centre_of_gravity)) series.marker_x = property.centre_of_gravity - 1;
      figure.series.push_back(series);
      rows.push_back({property.label, svg::number(property.centre_of_gravity, 3),
                      property.best_layer >= 0 ? std::to_string(property.best_layer + 1) : "–"});
    }
    html::Section section{"layers", "Layer profile", "", ""};
    if (figure.series.empty()) {
      section.body_html = "<p>No per-residue or contact property measured.</p>";
      return section;
    }
    section.intro_html =
        "<p>Each property's share of the attention of a layer (pooled over the layer's eligible heads), scaled to "
        "its maximum so that the shapes compare; the centre of gravity is the mean layer weighted by that "
        "share.</p>";
    section.body_html = add_figure("layer_profile", svg::line_chart(figure)) +
                        html::table({"property", "centre of gravity (layer)", "best layer (mean of heads)"}, rows,
                                    "Where in the model each property is attended to");
    return section;
  }

  html::Section amino_acids() {
    const AminoAcidSummary& aa = *summary_.amino_acids;
    std::vector<std::string> letters;
    for (char c : aa.letters) letters.emplace_back(1, c);
    svg::HeatmapFigure similarity;
    similarity.title = "Attention similarity of amino acids";
    similarity.subtitle = figure_context(data_, summary_) + "; Pearson over " + std::to_string(aa.heads) + " heads";
    similarity.row_axis = similarity.column_axis = "amino acid";
    similarity.row_labels = similarity.column_labels = letters;
    similarity.values = aa.similarity;
    similarity.low = -1;
    similarity.high = 1;
    similarity.value_label = "Pearson r";
    similarity.annotate = true;
    svg::HeatmapFigure blosum = similarity;
    blosum.title = "BLOSUM62";
    blosum.subtitle = "substitution scores (Henikoff & Henikoff 1992)";
    blosum.values = aa.blosum;
    blosum.low = std::nullopt;
    blosum.high = std::nullopt;
    blosum.value_label = "score";
    html::Section section{"amino-acids", "Amino acids and BLOSUM62", "", ""};
    section.intro_html =
        "<p>For every eligible head, the share of its attention on each amino acid; two amino acids "
        "are similar when the heads attend to them alike. Correlation of the two matrices over the " +
        std::to_string(aa.letters.size() * (aa.letters.size() - 1) / 2) +
        " pairs: <strong>r = " + svg::number(aa.correlation, 3) +
        "</strong> (the paper: 0.73 for TapeBert, 0.60–0.75 across its models, −0.05 to 0.21 for "
        "randomised controls).</p>";
    section.body_html =
        add_figure("amino_acid_similarity", svg::heatmap(similarity)) + add_figure("blosum62", svg::heatmap(blosum));
    return section;
  }

  html::Section contact_precision() {
    const PrecisionSummary& precision = *summary_.precision;
    svg::HeatmapFigure figure;
    figure.title = "Contact precision at " + precision.cut_labels.front() + " per head";
    figure.subtitle = model_name(data_) + ", " + std::to_string(precision.sequences) + " sequences";
    figure.row_labels = numbered(data_.layers);
    figure.column_labels = numbered(data_.heads);
    figure.low = 0;
    figure.value_label = "precision";
    for (const auto& head : precision.heads) figure.values.push_back(head.precision.front());
    figure.row_bars = row_maxima(figure.values, data_.layers, data_.heads);
    figure.row_bars_label = "max per layer";
    const auto background = data_.background.find("contact");
    std::vector<std::string> header{"rank", "head"};
    for (const auto& label : precision.cut_labels) header.push_back("P@" + label);
    std::vector<std::vector<std::string>> rows;
    for (std::size_t rank = 0; rank < precision.top_heads.size(); ++rank) {
      const PrecisionHead& h = precision.top_heads[rank];
      std::vector<std::string> row{std::to_string(rank + 1), head_name(h.layer, h.head)};
      for (std::size_t c = 0; c < h.precision.size(); ++c)
        row.push_back(svg::number(h.precision[c], 3) + " (" + std::to_string(h.contacts[c]) + "/" +
                      std::to_string(h.selected[c]) + ")");
      rows.push_back(row);
    }
    html::Section section{"contact-precision", "Contact precision per head", "", ""};
    section.intro_html = "<p>" + svg::escape(precision.definition) +
                         ". Pooled over sequences: contacts among the pairs selected. The logistic regression of Rao "
                         "et al. (2020) combines all heads; <code>heads.csv</code> has every head's counts for fitting "
                         "it.</p>";
    if (background != data_.background.end() && background->second.eligible > 0)
      section.intro_html += "<p>For scale: " + svg::number(background->second.rate() * 100, 3) +
                            "% of all eligible pairs (|i − j| ≥ 6) are C-alpha contacts.</p>";
    section.body_html = add_figure("contact_precision", svg::heatmap(figure)) +
                        html::table(header, rows, "Heads ranked by precision at " + precision.cut_labels.front());
    return section;
  }

  const io::ResultData& data_;
  const ReportOptions& options_;
  const Summary& summary_;
  std::vector<Figure> figures_;
};

// Every head, one row: counts and proportions of every property at the reported θ, and its
// contact precision; what a user fits a model on.
std::string heads_csv(const io::ResultData& data, const Summary& summary) {
  std::ostringstream out;
  out << "layer,head,arcs_above_threshold";
  for (const auto& property : summary.properties)
    out << ',' << property.label << "_hits," << property.label << "_denominator," << property.label << "_proportion";
  if (summary.precision)
    for (const auto& cut : summary.precision->cuts) out << ",contacts_" << cut << ",selected_" << cut;
  out << '\n';
  const auto& arcs = data.counts.at("above_threshold");
  for (int layer = 0; layer < data.layers; ++layer)
    for (int head = 0; head < data.heads; ++head) {
      const std::size_t i = data.index(layer, head, summary.threshold_index);
      out << layer + 1 << ',' << head + 1 << ',' << arcs[i];
      for (const auto& property : summary.properties) {
        const std::int64_t hits = data.counts.at(property.label)[i];
        const std::int64_t denominator = data.denominator(property.label)[i];
        out << ',' << hits << ',' << denominator << ','
            << shortest(denominator > 0 ? static_cast<double>(hits) / static_cast<double>(denominator) : nan);
      }
      if (summary.precision) {
        const PrecisionHead& h = summary.precision->heads[static_cast<std::size_t>(layer) * data.heads + head];
        for (std::size_t c = 0; c < h.contacts.size(); ++c) out << ',' << h.contacts[c] << ',' << h.selected[c];
      }
      out << '\n';
    }
  return out.str();
}

// rsvg-convert (Debian's librsvg2-bin) renders SVG faithfully without a browser.
void convert_to_png(const std::string& svg_path, const std::string& png_path) {
  std::vector<std::string> arguments{"rsvg-convert", "--zoom",   "2",      "--background-color",
                                     "white",        "--output", png_path, svg_path};
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  const int spawned = posix_spawnp(&child, "rsvg-convert", nullptr, nullptr, argv.data(), environ);
  require(spawned == 0, "--png needs rsvg-convert (Debian: apt-get install librsvg2-bin), which could not be started",
          ErrorContext{svg_path});
  int status = 0;
  waitpid(child, &status, 0);
  require(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rsvg-convert failed to convert the figure",
          ErrorContext{svg_path});
}

}  // namespace

std::string write_html(const io::ResultData& data, const ReportOptions& options, const HtmlOptions& html_options,
                       const std::string& directory) {
  const Summary summary = summarize(data, options);
  PageBuilder builder(data, options, summary);
  const std::vector<html::Section> sections = builder.sections();

  std::vector<std::pair<std::string, std::string>> provenance;
  for (const auto& [key, value] : data.text_attributes)
    if (key != "weights_note") provenance.emplace_back(key, value);
  for (const auto& [key, value] : data.integer_attributes) provenance.emplace_back(key, std::to_string(value));
  std::string warning = attribute(data, "weights_note");
  if (!warning.empty()) warning = "WEIGHTS: " + warning + ". These numbers only exercise the pipeline.";
  const std::string page =
      html::page("bertology report: " + figure_context(data, summary), provenance, warning, sections);

  const fs::path root(directory);
  std::error_code error;
  fs::create_directories(root / "figures", error);
  require(!error, "cannot create the report directory: " + error.message(), ErrorContext{directory});
  for (const auto& figure : builder.figures()) {
    const std::string svg_path = (root / "figures" / (figure.name + ".svg")).string();
    write_text_file(svg_path, figure.svg);
    if (html_options.png) convert_to_png(svg_path, (root / "figures" / (figure.name + ".png")).string());
  }
  write_text_file((root / "heads.csv").string(), heads_csv(data, summary));
  const std::string index = (root / "index.html").string();
  write_text_file(index, page);
  return index;
}

}  // namespace bertology::report
