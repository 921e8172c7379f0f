// `bertology merge`: the results of a sweep in one sweep.h5 and one comparison of their best
// heads (see bertology/report/merge.h for the file's layout).
#include "bertology/report/merge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <system_error>

#include "bertology/error.h"
#include "bertology/io/checksum.h"
#include "bertology/io/hdf5.h"
#include "bertology/io/result_file.h"
#include "bertology/version.h"
#include "csv.h"
#include "files.h"
#include "html.h"
#include "number_format.h"
#include "svg.h"

namespace bertology::report {
namespace {

namespace fs = std::filesystem;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// "000", "001", ...: the member's group under /members.
std::string member_name(std::size_t member) {
  char name[24];
  std::snprintf(name, sizeof name, "%03zu", member);
  return name;
}

std::string attribute(const io::ResultData& data, const std::string& name) {
  if (const auto found = data.text_attributes.find(name); found != data.text_attributes.end()) return found->second;
  if (const auto found = data.integer_attributes.find(name); found != data.integer_attributes.end())
    return std::to_string(found->second);
  return "";
}

// The model folder's name: run records the folder's absolute path, which is too long for a table.
std::string model_name(const io::ResultData& data, std::size_t member) {
  const fs::path model = fs::path(attribute(data, "model")).lexically_normal();
  std::string name = model.filename().string();
  if (name.empty()) name = model.parent_path().filename().string();  // "…/model/" normalises with a slash
  return name.empty() ? "member " + member_name(member) : name;
}

// The same file, however it was named (relative, through a symbolic link, with "..").
std::string identity(const std::string& path) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(fs::absolute(path), error);
  return error ? fs::absolute(path).lexically_normal().string() : canonical.string();
}

void check_corpora(const std::vector<std::string>& paths, const std::vector<SweepMember>& members, Sweep& sweep,
                   bool allow_different) {
  const auto corpus = [&](std::size_t m) { return attribute(members[m].data, "corpus_sha256"); };
  bool same = true;
  for (std::size_t m = 1; m < members.size(); ++m) {
    const std::string first = corpus(0), other = corpus(m);
    if (!first.empty() && first == other) continue;
    same = false;
    if (allow_different) continue;
    if (first.empty() || other.empty())
      throw Error("merge: cannot tell whether " + paths[0] + " and " + paths[m] +
                  " were measured on the same corpus: " + (first.empty() ? paths[0] : paths[m]) +
                  " has no corpus_sha256 attribute; --allow-different-corpora merges them anyway");
    throw Error("merge: " + paths[0] + " (corpus_sha256 " + first + ") and " + paths[m] + " (corpus_sha256 " + other +
                ") were measured on different corpora, whose proportions do not compare; "
                "--allow-different-corpora merges them anyway");
  }
  sweep.corpus_sha256 = !same ? "several" : corpus(0).empty() ? "unknown" : corpus(0);
}

std::string row_label(const ComparisonRow& row) { return row.model + "@" + shortest(row.threshold); }

std::string head_text(const ComparisonRow& row) { return row.layer < 0 ? "" : head_name(row.layer, row.head); }

// Corpus properties first, then the twenty amino acids, each in the order the members name them.
std::vector<std::string> property_order(const Sweep& sweep) {
  std::vector<std::string> properties, amino_acids;
  for (const auto& row : sweep.rows) {
    auto& list = row.property.rfind("aa_", 0) == 0 ? amino_acids : properties;
    if (std::find(list.begin(), list.end(), row.property) == list.end()) list.push_back(row.property);
  }
  properties.insert(properties.end(), amino_acids.begin(), amino_acids.end());
  return properties;
}

template <typename T, typename Field>
std::vector<T> column(const std::vector<ComparisonRow>& rows, Field field) {
  std::vector<T> values;
  for (const auto& row : rows) values.push_back(static_cast<T>(field(row)));
  return values;
}

void write_comparison_datasets(const io::File& file, const std::vector<ComparisonRow>& rows) {
  file.create_group("comparison");
  const std::vector<hsize_t> shape{rows.size()};
  const auto integers = [&](const std::string& name, auto field) {
    const auto values = column<std::int64_t>(rows, field);
    io::write_dataset(file, "comparison/" + name, shape, values.data());
  };
  const auto reals = [&](const std::string& name, auto field) {
    const auto values = column<double>(rows, field);
    io::write_dataset(file, "comparison/" + name, shape, values.data());
  };
  const auto strings = [&](const std::string& name, auto field) {
    std::vector<std::string> values;
    for (const auto& row : rows) values.push_back(field(row));
    io::write_strings(file, "comparison/" + name, values);
  };
  integers("member", [](const ComparisonRow& r) { return r.member; });
  strings("model", [](const ComparisonRow& r) { return r.model; });
  reals("threshold", [](const ComparisonRow& r) { return r.threshold; });
  strings("property", [](const ComparisonRow& r) { return r.property; });
  strings("best_head", head_text);
  integers("layer", [](const ComparisonRow& r) { return r.layer + 1; });
  integers("head", [](const ComparisonRow& r) { return r.head + 1; });
  reals("proportion", [](const ComparisonRow& r) { return r.proportion; });
  reals("ci_low", [](const ComparisonRow& r) { return r.interval.low; });
  reals("ci_high", [](const ComparisonRow& r) { return r.interval.high; });
  strings("interval", [](const ComparisonRow& r) { return r.interval_kind; });
  reals("enrichment", [](const ComparisonRow& r) { return r.enrichment; });
  integers("arcs", [](const ComparisonRow& r) { return r.arcs; });
  integers("eligible_heads", [](const ComparisonRow& r) { return r.eligible_heads; });
  integers("heads_beating_null", [](const ComparisonRow& r) { return r.heads_beating_null; });
  io::write_attribute(file, "comparison", "description",
                      std::string("one row per member x threshold x property: the best head among those with at "
                                  "least min_arcs arcs in the property's denominator, its proportion and 95% "
                                  "family-wise interval (bootstrap over groups of sequences where the member kept "
                                  "them, else Wilson); layer and head 1-based, 0 when no head is eligible"));
}

// Text columns count characters, not bytes ("θ" is two bytes in UTF-8).
std::size_t characters(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

std::string padded(const std::string& text, std::size_t width, bool right = false) {
  const std::string fill(width > characters(text) ? width - characters(text) : 0, ' ');
  return right ? fill + text : text + fill;
}

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string null_text(const ComparisonRow& row) {
  return row.heads_beating_null < 0
             ? "no null"
             : std::to_string(row.heads_beating_null) + " of " + std::to_string(row.eligible_heads);
}

// "bootstrap over 4 groups" or "Wilson intervals", as the member's rows have them.
std::string intervals_of(const Sweep& sweep, std::size_t member) {
  for (const auto& row : sweep.rows)
    if (row.member == static_cast<int>(member)) {
      if (row.interval_kind == "wilson") return "Wilson intervals";
      const std::int64_t groups = sweep.members[member].data.groups;
      return "bootstrap over " + std::to_string(groups) + " groups" + (groups < 20 ? " (coarse: fewer than 20)" : "");
    }
  return "no property";
}

void write_text(const Sweep& sweep, std::ostream& out) {
  out << "bertology merge: " << sweep.members.size() << " results, corpus_sha256 " << sweep.corpus_sha256
      << "; heads with fewer than " << sweep.min_arcs << " arcs cannot be best\n";
  for (std::size_t m = 0; m < sweep.members.size(); ++m) {
    const SweepMember& member = sweep.members[m];
    std::string thresholds;
    for (double t : member.data.thresholds) thresholds += (thresholds.empty() ? "" : ", ") + shortest(t);
    out << "  " << member_name(m) << "  " << member.model << "  θ " << thresholds << "  "
        << attribute(member.data, "n_sequences") << " sequences  " << intervals_of(sweep, m) << "  " << member.source
        << "\n";
    if (const std::string note = attribute(member.data, "weights_note"); !note.empty())
      out << "       WEIGHTS: " << note << ". These numbers only exercise the pipeline.\n";
  }
  out << "best head of each property at each threshold; intervals 95%, family-wise over the property's eligible "
         "heads: bootstrap over groups of sequences where the run kept --groups, else Wilson (too narrow when a "
         "protein's arcs are correlated)\n";

  std::size_t label_width = characters("model@θ");
  for (const auto& row : sweep.rows) label_width = std::max(label_width, characters(row_label(row)));
  for (const auto& property : property_order(sweep)) {
    out << "\n" << property << "\n";
    out << "  " << padded("model@θ", label_width) << "  " << padded("head", 6) << "  " << padded("proportion", 10, true)
        << "  " << padded("interval", 18) << "  " << padded("kind", 9) << "  " << padded("arcs", 10, true) << "  "
        << padded("enrichment", 10, true) << "  heads beating the null\n";
    for (const auto& row : sweep.rows) {
      if (row.property != property) continue;
      out << "  " << padded(row_label(row), label_width) << "  ";
      if (row.layer < 0) {
        out << "no eligible head (none has " << sweep.min_arcs << " arcs)\n";
        continue;
      }
      out << padded(head_text(row), 6) << "  " << padded(fixed(row.proportion, 4), 10, true) << "  "
          << padded("[" + fixed(row.interval.low, 4) + ", " + fixed(row.interval.high, 4) + "]", 18) << "  "
          << padded(row.interval_kind, 9) << "  " << padded(std::to_string(row.arcs), 10, true) << "  "
          << padded(fixed(row.enrichment, 2), 10, true) << "  " << null_text(row) << "\n";
    }
  }
}

const char* const csv_header =
    "member,model,threshold,property,best_head,layer,head,proportion,ci_low,ci_high,interval,enrichment,arcs,"
    "eligible_heads,heads_beating_null";

void write_csv(const Sweep& sweep, std::ostream& out) {
  out << csv_header << "\n";
  for (const auto& row : sweep.rows)
    out << row.member << ',' << csv_field(row.model) << ',' << shortest(row.threshold) << ',' << csv_field(row.property)
        << ',' << head_text(row) << ',' << row.layer + 1 << ',' << row.head + 1 << ',' << shortest(row.proportion)
        << ',' << shortest(row.interval.low) << ',' << shortest(row.interval.high) << ',' << row.interval_kind << ','
        << shortest(row.enrichment) << ',' << row.arcs << ',' << row.eligible_heads << ',' << row.heads_beating_null
        << '\n';
}

nlohmann::json number_or_null(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

void write_json(const Sweep& sweep, std::ostream& out) {
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t m = 0; m < sweep.members.size(); ++m) {
    const SweepMember& member = sweep.members[m];
    nlohmann::json provenance = nlohmann::json::object();
    for (const auto& [key, value] : member.data.text_attributes) provenance[key] = value;
    for (const auto& [key, value] : member.data.integer_attributes) provenance[key] = value;
    members.push_back({{"member", m},
                       {"group", "/members/" + member_name(m)},
                       {"source", member.source},
                       {"source_sha256", member.source_sha256},
                       {"model", member.model},
                       {"layers", member.data.layers},
                       {"heads", member.data.heads},
                       {"thresholds", member.data.thresholds},
                       {"provenance", provenance}});
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : sweep.rows) {
    const bool none = row.layer < 0;
    rows.push_back({{"member", row.member},
                    {"model", row.model},
                    {"threshold", row.threshold},
                    {"property", row.property},
                    {"best_head", none ? nlohmann::json() : nlohmann::json(head_text(row))},
                    {"layer", none ? nlohmann::json() : nlohmann::json(row.layer + 1)},
                    {"head", none ? nlohmann::json() : nlohmann::json(row.head + 1)},
                    {"proportion", number_or_null(row.proportion)},
                    {"ci_low", number_or_null(row.interval.low)},
                    {"ci_high", number_or_null(row.interval.high)},
                    {"interval", row.interval_kind},
                    {"enrichment", number_or_null(row.enrichment)},
                    {"arcs", row.arcs},
                    {"eligible_heads", row.eligible_heads},
                    {"heads_beating_null",
                     row.heads_beating_null < 0 ? nlohmann::json() : nlohmann::json(row.heads_beating_null)}});
  }
  const nlohmann::json sweep_json = {{"kind", "bertology sweep"},
                                     {"version", kVersion},
                                     {"command_line", sweep.command_line},
                                     {"created", sweep.created},
                                     {"corpus_sha256", sweep.corpus_sha256},
                                     {"min_arcs", sweep.min_arcs},
                                     {"members", members},
                                     {"rows", rows}};
  out << sweep_json.dump(2) << "\n";
}

// One row per member × threshold, one column per property: `value` of the comparison row, NaN
// where the member lacks the property or no head is eligible.
svg::HeatmapFigure sweep_heatmap(const Sweep& sweep, const std::vector<std::string>& properties,
                                 double ComparisonRow::*value) {
  svg::HeatmapFigure figure;
  figure.row_axis = "model@θ";
  figure.column_axis = "property";
  // Property names are longer than a cell is wide (the heatmap would thin them out): numbered
  // columns, and the key in the subtitle.
  std::string key;
  for (std::size_t p = 0; p < properties.size(); ++p) {
    figure.column_labels.push_back(std::to_string(p + 1));
    key += (key.empty() ? "" : ", ") + std::to_string(p + 1) + " " + properties[p];
  }
  figure.subtitle = "columns: " + key;
  std::map<std::pair<int, double>, std::size_t> row_of;
  for (const auto& row : sweep.rows)
    if (row_of.emplace(std::make_pair(row.member, row.threshold), figure.row_labels.size()).second)
      figure.row_labels.push_back(row_label(row));
  figure.values.assign(figure.row_labels.size() * properties.size(), nan);
  for (const auto& row : sweep.rows) {
    const auto column = std::find(properties.begin(), properties.end(), row.property);
    if (column == properties.end()) continue;
    figure.values[row_of.at({row.member, row.threshold}) * properties.size() + (column - properties.begin())] =
        row.*value;
  }
  figure.low = 0;
  figure.annotate = properties.size() <= 16;
  figure.masked_label = "not measured, or no head with " + std::to_string(sweep.min_arcs) + " arcs";
  return figure;
}

std::string interval_text(const Interval& interval) {
  if (std::isnan(interval.low)) return "–";
  return svg::number(interval.low, 3) + " – " + svg::number(interval.high, 3);
}

std::vector<html::Section> sweep_sections(const Sweep& sweep,
                                          std::vector<std::pair<std::string, std::string>>& figures) {
  std::vector<html::Section> sections;
  std::string overview = "<p>" + std::to_string(sweep.members.size()) + " results";
  overview += sweep.corpus_sha256 == "several"
                  ? ", measured on <strong>different corpora</strong> (merged with --allow-different-corpora: "
                    "their proportions do not compare directly)"
                  : " of one corpus (sha256 <code>" + svg::escape(sweep.corpus_sha256) + "</code>)";
  overview += ". For every model, threshold θ and property: the best head among those with at least " +
              std::to_string(sweep.min_arcs) +
              " arcs in the property's denominator, its share of attention and 95% family-wise interval "
              "(Bonferroni over the property's eligible heads: a bootstrap over groups of sequences where the run "
              "kept <code>--groups</code>, else Wilson's, which is too narrow when a protein's arcs are "
              "correlated).</p><p>The best of many heads is biased upwards, and more so in a model with more "
              "heads: compare intervals and the heads that beat the null, not only the proportions.</p>";
  sections.push_back({"overview", "Overview", "", overview});

  std::vector<std::string> properties;
  for (const auto& property : property_order(sweep))
    if (property.rfind("aa_", 0) != 0) properties.push_back(property);
  html::Section heatmaps{"heatmaps", "Best heads by model, threshold and property", "", ""};
  if (properties.empty()) {
    heatmaps.body_html = "<p>No property other than the amino acids measured.</p>";
  } else {
    svg::HeatmapFigure proportion = sweep_heatmap(sweep, properties, &ComparisonRow::proportion);
    proportion.title = "Best head's share of attention";
    proportion.value_label = "proportion";
    svg::HeatmapFigure enrichment = sweep_heatmap(sweep, properties, &ComparisonRow::enrichment);
    enrichment.title = "Best head's enrichment over the background";
    enrichment.value_label = "proportion / background";
    enrichment.reference = 1;
    enrichment.reference_label = "no enrichment at";
    figures = {{"best_proportion", svg::heatmap(proportion)}, {"best_enrichment", svg::heatmap(enrichment)}};
    heatmaps.intro_html =
        "<p>Rows: model@θ; columns: the properties (amino acids in the table only). Each cell is the best head's "
        "value; grey: not measured, or no eligible head.</p>";
    for (const auto& [name, svg_text] : figures) heatmaps.body_html += "<figure>" + svg_text + "</figure>";
  }
  sections.push_back(heatmaps);

  std::vector<std::vector<std::string>> rows;
  for (const auto& property : property_order(sweep))
    for (const auto& row : sweep.rows) {
      if (row.property != property) continue;
      const bool none = row.layer < 0;
      rows.push_back({row.property, row_label(row), none ? "none eligible" : head_text(row),
                      svg::number(row.proportion, 4), interval_text(row.interval), row.interval_kind,
                      std::to_string(row.arcs), svg::number(row.enrichment, 3),
                      row.heads_beating_null < 0
                          ? "–"
                          : std::to_string(row.heads_beating_null) + " of " + std::to_string(row.eligible_heads)});
    }
  sections.push_back({"comparison", "Comparison", "",
                      html::table({"property", "model@θ", "best head", "proportion", "95% interval", "interval", "arcs",
                                   "enrichment", "heads beating the null"},
                                  rows, "The best head of every property (also in comparison.csv)")});

  std::vector<std::vector<std::string>> members;
  for (std::size_t m = 0; m < sweep.members.size(); ++m) {
    const SweepMember& member = sweep.members[m];
    std::string thresholds;
    for (double t : member.data.thresholds) thresholds += (thresholds.empty() ? "" : ", ") + shortest(t);
    members.push_back({member_name(m), member.source, attribute(member.data, "model"),
                       attribute(member.data, "architecture"), attribute(member.data, "weights_sha256"),
                       attribute(member.data, "corpus_sha256"), attribute(member.data, "n_sequences"), thresholds,
                       attribute(member.data, "command_line")});
  }
  sections.push_back({"members", "Members", "<p>Each result is kept whole in sweep.h5 under /members/NNN.</p>",
                      html::table({"member", "source", "model", "architecture", "weights_sha256", "corpus_sha256",
                                   "n_sequences", "thresholds", "command_line"},
                                  members, "Provenance of every result")});
  return sections;
}

}  // namespace

Sweep load_sweep(const std::vector<std::string>& paths, const MergeOptions& options) {
  require(!paths.empty(), "merge: no result files given");
  require(options.min_arcs >= 0, "merge: min_arcs must not be negative, got " + std::to_string(options.min_arcs));
  std::map<std::string, std::string> seen;  // identity → the path as given
  for (const auto& path : paths) {
    const auto [previous, inserted] = seen.emplace(identity(path), path);
    require(inserted, "merge: " + path + " is given twice" +
                          (previous->second == path ? "" : " (also as " + previous->second + ")"));
  }
  Sweep sweep;
  sweep.min_arcs = options.min_arcs;
  sweep.command_line = options.command_line;
  sweep.created = options.created;
  for (const auto& path : paths) {
    SweepMember member;
    member.data = io::read_result(path);
    member.source = fs::absolute(path).lexically_normal().string();
    member.source_sha256 = io::sha256_file(path);
    sweep.members.push_back(std::move(member));
  }
  check_corpora(paths, sweep.members, sweep, options.allow_different_corpora);
  // Two results of one model (e.g. on different corpora) keep apart in the tables.
  std::map<std::string, int> uses;
  for (std::size_t m = 0; m < sweep.members.size(); ++m) ++uses[model_name(sweep.members[m].data, m)];
  for (std::size_t m = 0; m < sweep.members.size(); ++m) {
    const std::string name = model_name(sweep.members[m].data, m);
    sweep.members[m].model = uses[name] > 1 ? name + "#" + member_name(m) : name;
  }
  sweep.rows = compare(sweep.members, options.min_arcs);
  return sweep;
}

std::vector<ComparisonRow> compare(const std::vector<SweepMember>& members, std::int64_t min_arcs) {
  std::vector<ComparisonRow> rows;
  for (std::size_t m = 0; m < members.size(); ++m) {
    const io::ResultData& data = members[m].data;
    for (double threshold : data.thresholds) {
      ReportOptions options;
      options.threshold = threshold;
      options.top_k = 1;
      options.min_arcs = min_arcs;
      Summary summary;
      try {
        summary = summarize(data, options);
      } catch (const Error& error) {
        throw Error(error.what(), ErrorContext{members[m].source});
      }
      const bool bootstrap = summary.bootstrap_resamples > 0;
      for (const auto& property : summary.properties) {
        ComparisonRow row;
        row.member = static_cast<int>(m);
        row.model = members[m].model;
        row.threshold = summary.threshold;
        row.property = property.label;
        row.interval_kind = bootstrap ? "bootstrap" : "wilson";
        row.eligible_heads = property.eligible_heads;
        row.heads_beating_null =
            summary.null_permutations > 0 ? static_cast<std::int64_t>(property.beats_null.size()) : -1;
        if (property.top_heads.empty()) {
          row.proportion = row.enrichment = nan;
          row.interval = {nan, nan};
        } else {
          const HeadStatistic& best = property.top_heads.front();
          row.layer = best.layer;
          row.head = best.head;
          row.proportion = best.proportion;
          row.interval = bootstrap ? best.bootstrap : best.interval;
          row.enrichment = best.enrichment;
          row.arcs = best.arcs;
        }
        rows.push_back(row);
      }
    }
  }
  return rows;
}

void write_sweep(const std::string& path, const Sweep& sweep, bool force) {
  require(!sweep.members.empty(), "merge: no results to write", ErrorContext{path});
  for (const auto& member : sweep.members)
    require(identity(member.source) != identity(path), "merge: the output is one of the inputs", ErrorContext{path});
  require(force || !fs::exists(path), "exists; --force replaces it", ErrorContext{path});
  io::write_atomically(path, [&sweep](const io::File& file) {
    for (std::size_t m = 0; m < sweep.members.size(); ++m) {
      const SweepMember& member = sweep.members[m];
      const std::string group = "members/" + member_name(m);
      io::copy_object(io::File::open_read(member.source), "/", file, group);
      io::write_attribute(file, group, "source", member.source);
      io::write_attribute(file, group, "source_sha256", member.source_sha256);
    }
    write_comparison_datasets(file, sweep.rows);
    io::write_attribute(file, "/", "kind", std::string("bertology sweep"));
    io::write_attribute(file, "/", "version", std::string(kVersion));
    io::write_attribute(file, "/", "command_line", sweep.command_line);
    io::write_attribute(file, "/", "created", sweep.created);
    io::write_attribute(file, "/", "members", static_cast<std::int64_t>(sweep.members.size()));
    io::write_attribute(file, "/", "corpus_sha256", sweep.corpus_sha256);
    io::write_attribute(file, "/", "min_arcs", sweep.min_arcs);
  });
}

void write_comparison(const Sweep& sweep, Format format, std::ostream& out) {
  switch (format) {
    case Format::text:
      write_text(sweep, out);
      break;
    case Format::csv:
      write_csv(sweep, out);
      break;
    case Format::json:
      write_json(sweep, out);
      break;
  }
}

std::string write_sweep_html(const Sweep& sweep, const std::string& directory) {
  std::vector<std::pair<std::string, std::string>> figures;
  const std::vector<html::Section> sections = sweep_sections(sweep, figures);
  std::string warning;
  for (std::size_t m = 0; m < sweep.members.size(); ++m)
    if (const std::string note = attribute(sweep.members[m].data, "weights_note"); !note.empty())
      warning += (warning.empty() ? "WEIGHTS: " : "; ") + sweep.members[m].model + ": " + note;
  if (!warning.empty()) warning += ". These numbers only exercise the pipeline.";
  const std::vector<std::pair<std::string, std::string>> provenance{{"kind", "bertology sweep"},
                                                                    {"version", kVersion},
                                                                    {"created", sweep.created},
                                                                    {"command_line", sweep.command_line},
                                                                    {"members", std::to_string(sweep.members.size())},
                                                                    {"corpus_sha256", sweep.corpus_sha256},
                                                                    {"min_arcs", std::to_string(sweep.min_arcs)}};
  const std::string page = html::page("bertology sweep: " + std::to_string(sweep.members.size()) + " results",
                                      provenance, warning, sections);

  const fs::path root(directory);
  std::error_code error;
  fs::create_directories(root / "figures", error);
  require(!error, "cannot create the report directory: " + error.message(), ErrorContext{directory});
  for (const auto& [name, svg_text] : figures) write_text_file((root / "figures" / (name + ".svg")).string(), svg_text);
  std::ostringstream csv;
  write_csv(sweep, csv);
  write_text_file((root / "comparison.csv").string(), csv.str());
  const std::string index = (root / "index.html").string();
  write_text_file(index, page);
  return index;
}

}  // namespace bertology::report
