#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <utility>

#include "bertology/report/report.h"
#include "csv.h"
#include "number_format.h"

namespace bertology::report {

namespace {

// Set by the run when the model's weights are seeded rather than trained.
const std::string weights_note_key = "weights_note";

std::string weights_note(const io::ResultData& data) {
  const auto found = data.text_attributes.find(weights_note_key);
  return found == data.text_attributes.end() ? std::string() : found->second;
}

std::string joined(const std::vector<double>& values) {
  std::string text;
  for (double v : values) text += (text.empty() ? "" : ", ") + shortest(v);
  return text;
}

// Provenance in the order a reader scans it; attributes this list does not know follow by name.
std::vector<std::pair<std::string, std::string>> provenance(const io::ResultData& data) {
  static const std::vector<std::string> order = {
      "model",         "architecture",   "version",    "ranks",    "n_sequences", "n_residues",  "thresholds",
      "corpus_sha256", "weights_sha256", "start_time", "end_time", "hostname",    "command_line"};
  std::map<std::string, std::string> remaining;
  for (const auto& [key, value] : data.text_attributes)
    if (key != weights_note_key) remaining[key] = value;
  for (const auto& [key, value] : data.integer_attributes) remaining[key] = std::to_string(value);
  remaining["thresholds"] = joined(data.thresholds);
  std::vector<std::pair<std::string, std::string>> ordered;
  for (const auto& key : order)
    if (const auto found = remaining.find(key); found != remaining.end()) {
      ordered.push_back(*found);
      remaining.erase(found);
    }
  ordered.insert(ordered.end(), remaining.begin(), remaining.end());
  return ordered;
}

template <typename... Args>
std::string printed(const char* format, Args... args) {
  char line[256];
  std::snprintf(line, sizeof line, format, args...);
  return line;
}

// One block character per layer, scaled to the best layer; '·' where no head is eligible.
std::string layer_profile(const std::vector<double>& means) {
  static const char* const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double highest = 0;
  for (double m : means)
    if (!std::isnan(m)) highest = std::max(highest, m);
  std::string line;
  for (double m : means) {
    if (std::isnan(m)) {
      line += "·";
      continue;
    }
    const int level = highest > 0 ? static_cast<int>(std::lround(m / highest * 7)) : 0;
    line += blocks[level];
  }
  return line;
}

void write_text_extras(const Summary& summary, std::ostream& out) {
  if (summary.amino_acids) {
    const AminoAcidSummary& aa = *summary.amino_acids;
    out << "\namino acids: attention similarity (Pearson of per-head shares over " << aa.heads << " heads, "
        << aa.letters.size() << " letters) vs BLOSUM62: r = " << printed("%.3f", aa.correlation)
        << " (paper: 0.73 TapeBert, 0.60-0.75 across models, -0.05 to 0.21 for random weights)\n";
  }
  if (summary.precision) {
    const PrecisionSummary& precision = *summary.precision;
    out << "\ncontact precision per head over " << precision.sequences << " sequences: " << precision.definition
        << "\n";
    out << printed("  %4s  %-6s", "rank", "head");
    for (const auto& label : precision.cut_labels) out << printed("  %10s", ("P@" + label).c_str());
    out << "\n";
    for (std::size_t rank = 0; rank < precision.top_heads.size(); ++rank) {
      const auto& h = precision.top_heads[rank];
      out << printed("  %4zu  %-6s", rank + 1, head_name(h.layer, h.head).c_str());
      for (double p : h.precision) out << printed("  %10.4f", p);
      out << "\n";
    }
  }
}

void write_text(const io::ResultData& data, const ReportOptions& options, const Summary& summary, std::ostream& out) {
  if (const auto note = weights_note(data); !note.empty()) {
    const std::string rule(78, '*');
    out << rule << "\n* WEIGHTS: " << note
        << "\n* Attention of random weights measures nothing biological; these numbers only exercise the pipeline.\n"
        << rule << "\n\n";
  }
  out << "bertology report\n";
  const auto entries = provenance(data);
  std::size_t width = 0;
  for (const auto& entry : entries) width = std::max(width, entry.first.size());
  for (const auto& [key, value] : entries)
    out << "  " << key << std::string(width - key.size() + 2, ' ') << value << "\n";

  const int total_heads = data.layers * data.heads;
  out << "\nthreshold θ = " << shortest(summary.threshold) << ": " << summary.eligible_heads << " of " << total_heads
      << " heads have at least " << options.min_arcs << " arcs above θ; the others are masked\n";
  if (summary.eligible_heads > 0)
    out << "intervals: " << shortest(options.confidence * 100) << "%, family-wise. Conclusions rest on the "
        << summary.interval_basis << "\n";
  if (summary.null_permutations > 0)
    out << "null control: " << summary.null_permutations
        << " permutations of the labels within each sequence; p = permutation p-value, max-T adjusted over the "
           "property's eligible heads (the smallest possible is "
        << printed("%.3g", 1.0 / (summary.null_permutations + 1)) << ")\n";

  for (const auto& property : summary.properties) {
    out << "\n" << property.label << "  background ";
    if (property.background.eligible > 0)
      out << printed("%.4g (%lld of %lld)", property.background.rate(),
                     static_cast<long long>(property.background.positives),
                     static_cast<long long>(property.background.eligible));
    else
      out << "unknown";
    out << "; denominator " << (property.denominator == "above_threshold" ? "all arcs above θ" : property.denominator)
        << "; " << property.eligible_heads << " eligible heads\n";
    if (property.top_heads.empty()) {
      out << "  no eligible head\n";
      continue;
    }
    const bool bootstrap = summary.bootstrap_resamples > 0;
    const bool null = summary.null_permutations > 0;
    out << printed("  %4s  %-6s  %10s  %-16s  %-16s  %10s  %-19s", "rank", "head", "proportion", "Wilson CI",
                   bootstrap ? "bootstrap CI" : "", "arcs", "enrichment (CI)")
        << (null ? printed("  %8s  %8s", "null", "p (FWER)") : "") << "\n";
    for (std::size_t rank = 0; rank < property.top_heads.size(); ++rank) {
      const auto& h = property.top_heads[rank];
      const Interval& enrichment = bootstrap ? h.enrichment_bootstrap : h.enrichment_interval;
      out << printed("  %4zu  %-6s  %10.4f  [%.4f, %.4f]  ", rank + 1, head_name(h.layer, h.head).c_str(), h.proportion,
                     h.interval.low, h.interval.high)
          << (bootstrap ? printed("[%.4f, %.4f]", h.bootstrap.low, h.bootstrap.high) : std::string(16, ' '))
          << printed("  %10lld  ", static_cast<long long>(h.arcs))
          << (std::isnan(h.enrichment)
                  ? printed("%-19s", "n/a")
                  : printed("%-19s",
                            printed("%.2f (%.2f-%.2f)", h.enrichment, enrichment.low, enrichment.high).c_str()))
          << (null ? printed("  %8.4f  %8.3g", h.null_proportion, h.null_p_family) : "") << "\n";
    }
    if (null)
      out << "  heads above the null after correction: " << property.beats_null.size() << " of "
          << property.eligible_heads << "\n";
    out << "  layers 1-" << data.layers << " " << layer_profile(property.layer_means) << "  best layer "
        << property.best_layer + 1 << printed(" (mean proportion %.4f)", property.layer_means[property.best_layer])
        << printed("; centre of gravity: layer %.2f", property.centre_of_gravity) << "\n";
  }
  write_text_extras(summary, out);
}

void write_csv(const io::ResultData& data, const Summary& summary, std::ostream& out) {
  const std::string note = csv_field(weights_note(data));
  out << "property,threshold,rank,head,layer,head_index,proportion,ci_low,ci_high,arcs,background,enrichment,"
         "hits,denominator,bootstrap_low,bootstrap_high,enrichment_low,enrichment_high,null_proportion,null_p,"
         "null_p_family,weights_note\n";
  for (const auto& property : summary.properties) {
    const std::string background = shortest(property.background.rate());
    for (std::size_t rank = 0; rank < property.top_heads.size(); ++rank) {
      const auto& h = property.top_heads[rank];
      out << csv_field(property.label) << ',' << shortest(summary.threshold) << ',' << rank + 1 << ','
          << head_name(h.layer, h.head) << ',' << h.layer + 1 << ',' << h.head + 1 << ',' << shortest(h.proportion)
          << ',' << shortest(h.interval.low) << ',' << shortest(h.interval.high) << ',' << h.arcs << ',' << background
          << ',' << shortest(h.enrichment) << ',' << h.hits << ',' << property.denominator << ','
          << shortest(h.bootstrap.low) << ',' << shortest(h.bootstrap.high) << ','
          << shortest(summary.bootstrap_resamples > 0 ? h.enrichment_bootstrap.low : h.enrichment_interval.low) << ','
          << shortest(summary.bootstrap_resamples > 0 ? h.enrichment_bootstrap.high : h.enrichment_interval.high) << ','
          << shortest(h.null_proportion) << ',' << shortest(h.null_p) << ',' << shortest(h.null_p_family) << ',' << note
          << '\n';
    }
  }
}

nlohmann::json number_or_null(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

nlohmann::json amino_acids_json(const Summary& summary) {
  if (!summary.amino_acids) return nullptr;
  const AminoAcidSummary& aa = *summary.amino_acids;
  nlohmann::json similarity = nlohmann::json::array(), blosum = nlohmann::json::array();
  for (std::size_t e = 0; e < aa.similarity.size(); ++e) {
    similarity.push_back(number_or_null(aa.similarity[e]));
    blosum.push_back(number_or_null(aa.blosum[e]));
  }
  return {{"letters", aa.letters},
          {"heads", aa.heads},
          {"correlation_with_blosum62", number_or_null(aa.correlation)},
          {"similarity", similarity},
          {"blosum62", blosum}};
}

nlohmann::json precision_json(const Summary& summary) {
  if (!summary.precision) return nullptr;
  const PrecisionSummary& precision = *summary.precision;
  nlohmann::json heads = nlohmann::json::array();
  for (const auto& h : precision.top_heads) {
    nlohmann::json entry = {{"head", head_name(h.layer, h.head)}, {"layer", h.layer + 1}, {"head_index", h.head + 1}};
    for (std::size_t c = 0; c < precision.cuts.size(); ++c) {
      entry["precision_" + precision.cuts[c]] = number_or_null(h.precision[c]);
      entry["contacts_" + precision.cuts[c]] = h.contacts[c];
      entry["selected_" + precision.cuts[c]] = h.selected[c];
    }
    heads.push_back(entry);
  }
  return {{"sequences", precision.sequences}, {"definition", precision.definition}, {"top_heads", heads}};
}

void write_json(const io::ResultData& data, const ReportOptions& options, const Summary& summary, std::ostream& out) {
  nlohmann::json provenance = nlohmann::json::object();
  for (const auto& [key, value] : data.text_attributes)
    if (key != weights_note_key) provenance[key] = value;
  for (const auto& [key, value] : data.integer_attributes) provenance[key] = value;
  provenance["thresholds"] = data.thresholds;

  nlohmann::json properties = nlohmann::json::array();
  for (const auto& property : summary.properties) {
    nlohmann::json heads = nlohmann::json::array();
    for (std::size_t rank = 0; rank < property.top_heads.size(); ++rank) {
      const auto& h = property.top_heads[rank];
      heads.push_back(
          {{"rank", rank + 1},
           {"head", head_name(h.layer, h.head)},
           {"layer", h.layer + 1},
           {"head_index", h.head + 1},
           {"proportion", h.proportion},
           {"ci_low", h.interval.low},
           {"ci_high", h.interval.high},
           {"arcs", h.arcs},
           {"enrichment", number_or_null(h.enrichment)},
           {"hits", h.hits},
           {"bootstrap_low", number_or_null(h.bootstrap.low)},
           {"bootstrap_high", number_or_null(h.bootstrap.high)},
           {"enrichment_low",
            number_or_null(summary.bootstrap_resamples > 0 ? h.enrichment_bootstrap.low : h.enrichment_interval.low)},
           {"enrichment_high",
            number_or_null(summary.bootstrap_resamples > 0 ? h.enrichment_bootstrap.high : h.enrichment_interval.high)},
           {"null_proportion", number_or_null(h.null_proportion)},
           {"null_p", number_or_null(h.null_p)},
           {"null_p_family", number_or_null(h.null_p_family)}});
    }
    nlohmann::json layer_means = nlohmann::json::array();
    for (double m : property.layer_means) layer_means.push_back(number_or_null(m));
    properties.push_back(
        {{"label", property.label},
         {"background",
          {{"positives", property.background.positives},
           {"eligible", property.background.eligible},
           {"rate", number_or_null(property.background.rate())}}},
         {"denominator", property.denominator},
         {"eligible_heads", property.eligible_heads},
         {"z", number_or_null(property.z)},
         {"top_heads", heads},
         {"layer_share",
          [&] {
            nlohmann::json share = nlohmann::json::array();
            for (double v : property.layer_share) share.push_back(number_or_null(v));
            return share;
          }()},
         {"centre_of_gravity", number_or_null(property.centre_of_gravity)},
         {"heads_beating_null", property.beats_null.size()},
         {"layer_means", layer_means},
         {"best_layer", property.best_layer >= 0 ? nlohmann::json(property.best_layer + 1) : nlohmann::json()}});
  }

  const std::string note = weights_note(data);
  const nlohmann::json report = {{"provenance", provenance},
                                 {"weights_note", note.empty() ? nlohmann::json() : nlohmann::json(note)},
                                 {"layers", data.layers},
                                 {"heads", data.heads},
                                 {"threshold", summary.threshold},
                                 {"top_k", options.top_k},
                                 {"min_arcs", options.min_arcs},
                                 {"confidence", options.confidence},
                                 {"eligible_heads", summary.eligible_heads},
                                 {"z", number_or_null(summary.z)},
                                 {"properties", properties},
                                 {"interval_basis", summary.interval_basis},
                                 {"groups", summary.groups},
                                 {"bootstrap_resamples", summary.bootstrap_resamples},
                                 {"null_permutations", summary.null_permutations},
                                 {"amino_acids", amino_acids_json(summary)},
                                 {"contact_precision", precision_json(summary)}};
  out << report.dump(2) << "\n";
}

}  // namespace

void write_report(const io::ResultData& data, const ReportOptions& options, Format format, std::ostream& out) {
  const Summary summary = summarize(data, options);
  switch (format) {
    case Format::text:
      write_text(data, options, summary, out);
      break;
    case Format::csv:
      write_csv(data, summary, out);
      break;
    case Format::json:
      write_json(data, options, summary, out);
      break;
  }
}

}  // namespace bertology::report
