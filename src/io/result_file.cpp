#include "bertology/io/result_file.h"

#include <cstdio>
#include <filesystem>

#include "bertology/error.h"
#include "bertology/io/hdf5.h"

namespace bertology::io {
namespace {

constexpr const char* kAboveThreshold = "above_threshold";

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  return rank;
}

std::vector<hsize_t> with_leading(hsize_t leading, const ResultData& data) {
  return {leading, static_cast<hsize_t>(data.layers), static_cast<hsize_t>(data.heads),
          static_cast<hsize_t>(data.thresholds.size())};
}

void write_null(const File& file, const ResultData& data) {
  if (data.null_permutations <= 0) return;
  const auto shape = with_leading(static_cast<hsize_t>(data.null_permutations), data);
  file.create_group("null");
  file.create_group("null/counts");
  file.create_group("null/known");
  for (const auto& [label, values] : data.null_counts)
    write_dataset(file, "null/counts/" + label, shape, values.data());
  for (const auto& [label, values] : data.null_known_counts)
    write_dataset(file, "null/known/" + label, shape, values.data());
  write_attribute(file, "null", "permutations", static_cast<std::int64_t>(data.null_permutations));
  write_attribute(file, "null", "seed", std::to_string(data.null_seed));
  write_attribute(file, "null", "method",
                  std::string("per-residue labels permuted within each sequence (Fisher-Yates); contacts from the "
                              "C-alpha coordinates read in an order shifted circularly by 6 to n-6 residues"));
}

void write_contact_precision(const File& file, const ResultData& data) {
  if (data.precision_cuts.empty()) return;
  const std::vector<hsize_t> shape{static_cast<hsize_t>(data.layers), static_cast<hsize_t>(data.heads)};
  file.create_group("contact_precision");
  for (const auto& cut : data.precision_cuts) {
    const std::string group = "contact_precision/" + cut;
    file.create_group(group);
    write_dataset(file, group + "/selected", shape, data.precision_selected.at(cut).data());
    write_dataset(file, group + "/contacts", shape, data.precision_contacts.at(cut).data());
  }
  write_attribute(file, "contact_precision", "cuts", data.precision_cuts);
  write_attribute(file, "contact_precision", "sequences", data.precision_sequences);
}

void write_optional_content(const File& file, const ResultData& data) {
  write_null(file, data);
  write_contact_precision(file, data);
  if (data.groups > 0) {
    const auto groups = static_cast<hsize_t>(data.groups);
    const std::vector<hsize_t> shape{groups, static_cast<hsize_t>(data.layers), static_cast<hsize_t>(data.heads),
                                     static_cast<hsize_t>(data.thresholds.size())};
    file.create_group("groups");
    file.create_group("groups/counts");
    file.create_group("groups/background");
    for (const auto& [label, values] : data.group_counts)
      write_dataset(file, "groups/counts/" + label, shape, values.data());
    if (!data.group_known_counts.empty()) file.create_group("groups/known");
    for (const auto& [label, values] : data.group_known_counts)
      write_dataset(file, "groups/known/" + label, shape, values.data());
    write_dataset(file, "groups/sequences", {groups}, data.group_sequences.data());
    for (const auto& [label, rates] : data.group_background) {
      std::vector<std::int64_t> pairs;
      for (const auto& rate : rates) {
        pairs.push_back(rate.positives);
        pairs.push_back(rate.eligible);
      }
      write_dataset(file, "groups/background/" + label, {groups, 2}, pairs.data());
    }
  }
  if (!data.block_seconds.empty()) {
    file.create_group("blocks");
    write_dataset(file, "blocks/seconds", {data.block_seconds.size()}, data.block_seconds.data());
  }
  if (!data.rank_hostnames.empty()) {
    file.create_group("ranks");
    write_strings(file, "ranks/hostname", data.rank_hostnames);
    write_strings(file, "ranks/device", data.rank_devices);
    write_dataset(file, "ranks/busy_seconds", {data.rank_busy_seconds.size()}, data.rank_busy_seconds.data());
    write_dataset(file, "ranks/blocks", {data.rank_blocks.size()}, data.rank_blocks.data());
  }
}

void write_content(const File& file, const ResultData& data) {
  const std::vector<hsize_t> shape{static_cast<hsize_t>(data.layers), static_cast<hsize_t>(data.heads),
                                   static_cast<hsize_t>(data.thresholds.size())};
  write_dataset(file, "thresholds", {data.thresholds.size()}, data.thresholds.data());
  file.create_group("counts");
  file.create_group("proportions");
  file.create_group("background");
  write_dataset(file, std::string("counts/") + kAboveThreshold, shape, data.counts.at(kAboveThreshold).data());
  if (!data.known_counts.empty()) file.create_group("known");
  for (const auto& [label, values] : data.known_counts) {
    write_dataset(file, "known/" + label, shape, values.data());
    write_attribute(file, "known/" + label, "description",
                    "arcs above the threshold whose key residue has a known " + label +
                        " label: the denominator of the " + label + " properties");
  }
  for (const auto& label : data.labels) {
    write_dataset(file, "counts/" + label, shape, data.counts.at(label).data());
    const auto denominator = data.denominator_label.find(label);
    write_attribute(file, "counts/" + label, "denominator",
                    denominator == data.denominator_label.end() ? std::string("counts/") + kAboveThreshold
                                                                : "known/" + denominator->second);
    const auto proportions = data.proportions(label);
    write_dataset(file, "proportions/" + label, shape, proportions.data());
    const auto found = data.background.find(label);
    require(found != data.background.end(), "the result has no background rate for '" + label + "'", {"", label});
    const auto& background = found->second;
    const double rate = background.rate();
    write_dataset(file, "background/" + label, {}, &rate);
    write_attribute(file, "background/" + label, "positives", background.positives);
    write_attribute(file, "background/" + label, "eligible", background.eligible);
  }
  write_attribute(file, "/", "labels", data.labels);
  write_attribute(file, "/", "thresholds", data.thresholds);
  write_attribute(file, "/", "layers", static_cast<std::int64_t>(data.layers));
  write_attribute(file, "/", "heads", static_cast<std::int64_t>(data.heads));
  for (const auto& [name, value] : data.text_attributes) write_attribute(file, "/", name, value);
  for (const auto& [name, value] : data.integer_attributes) write_attribute(file, "/", name, value);
  write_optional_content(file, data);
}

}  // namespace

std::string partial_path(const std::string& path) {
  std::filesystem::path target(path);
  return (target.parent_path() / ("." + target.filename().string() + ".partial")).string();
}

void write_atomically(const std::string& path, const std::function<void(const File&)>& write) {
  const std::string temporary = partial_path(path);
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  try {
    File file = File::create(temporary);
    write(file);
    file.flush();  // without it a truncated file would be renamed into place
  } catch (...) {
    std::filesystem::remove(temporary, ignored);
    throw;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, ignored);
    throw Error("cannot rename " + temporary + " into place: " + error.message(), ErrorContext{path});
  }
}

void write_result(const std::string& path, const ResultData& data, MPI_Comm comm) {
  if (comm_rank(comm) == 0) write_atomically(path, [&data](const File& file) { write_content(file, data); });
  if (comm != MPI_COMM_NULL) MPI_Barrier(comm);
}

ResultData read_result(const std::string& path) {
  File file = File::open_read(path);
  require(file.exists("counts/above_threshold") && file.exists("thresholds"),
          "not a bertology result file (no /counts/above_threshold)", ErrorContext{path});
  ResultData data;
  data.thresholds = read_dataset<double>(file, "thresholds");
  const auto shape = dataset_shape(file, std::string("counts/") + kAboveThreshold);
  require(shape.size() == 3 && shape[2] == data.thresholds.size(), "/counts/above_threshold has the wrong shape",
          ErrorContext{path});
  data.layers = static_cast<int>(shape[0]);
  data.heads = static_cast<int>(shape[1]);
  data.counts[kAboveThreshold] = read_dataset<std::int64_t>(file, std::string("counts/") + kAboveThreshold);
  for (const auto& label : file.members("counts")) {
    if (label == kAboveThreshold) continue;
    data.labels.push_back(label);
    data.counts[label] = read_dataset<std::int64_t>(file, "counts/" + label);
    require(data.counts[label].size() == data.counts[kAboveThreshold].size(),
            "/counts/" + label + " has the wrong shape", ErrorContext{path});
    if (file.exists("background/" + label)) {
      data.background[label] = BackgroundRate{read_integer_attribute(file, "background/" + label, "positives"),
                                              read_integer_attribute(file, "background/" + label, "eligible")};
    }
  }
  if (has_attribute(file, "/", "labels")) data.labels = read_strings_attribute(file, "/", "labels");
  const auto full_size = data.counts[kAboveThreshold].size();
  const auto read_counts_of = [&](const std::string& path, std::size_t multiple) {
    auto values = read_dataset<std::int64_t>(file, path);
    require(values.size() == multiple * full_size, "/" + path + " has the wrong shape", ErrorContext{path});
    return values;
  };
  if (file.exists("known"))
    for (const auto& label : file.members("known")) data.known_counts[label] = read_counts_of("known/" + label, 1);
  for (const auto& label : data.labels) {
    if (!has_attribute(file, "counts/" + label, "denominator")) continue;
    const std::string denominator = read_string_attribute(file, "counts/" + label, "denominator");
    if (denominator.rfind("known/", 0) != 0) continue;
    data.denominator_label[label] = denominator.substr(6);
    require(data.known_counts.count(denominator.substr(6)) == 1,
            "/counts/" + label + " names the denominator /" + denominator + ", which the file lacks",
            ErrorContext{path});
  }
  if (file.exists("null")) {
    data.null_permutations = static_cast<int>(read_integer_attribute(file, "null", "permutations"));
    data.null_seed = std::stoull(read_string_attribute(file, "null", "seed"));
    for (const auto& label : file.members("null/counts"))
      data.null_counts[label] = read_counts_of("null/counts/" + label, data.null_permutations);
    for (const auto& label : file.members("null/known"))
      data.null_known_counts[label] = read_counts_of("null/known/" + label, data.null_permutations);
  }
  if (file.exists("contact_precision")) {
    data.precision_cuts = read_strings_attribute(file, "contact_precision", "cuts");
    data.precision_sequences = read_integer_attribute(file, "contact_precision", "sequences");
    const std::size_t heads = static_cast<std::size_t>(data.layers) * data.heads;
    for (const auto& cut : data.precision_cuts) {
      data.precision_selected[cut] = read_dataset<std::int64_t>(file, "contact_precision/" + cut + "/selected");
      data.precision_contacts[cut] = read_dataset<std::int64_t>(file, "contact_precision/" + cut + "/contacts");
      require(data.precision_selected[cut].size() == heads && data.precision_contacts[cut].size() == heads,
              "/contact_precision/" + cut + " has the wrong shape", ErrorContext{path});
    }
  }
  if (file.exists("groups/sequences")) {
    data.group_sequences = read_dataset<std::int64_t>(file, "groups/sequences");
    data.groups = static_cast<std::int64_t>(data.group_sequences.size());
    for (const auto& label : file.members("groups/counts")) {
      data.group_counts[label] = read_dataset<std::int64_t>(file, "groups/counts/" + label);
      require(data.group_counts[label].size() ==
                  static_cast<std::size_t>(data.groups) * data.counts[kAboveThreshold].size(),
              "/groups/counts/" + label + " has the wrong shape", ErrorContext{path});
    }
    if (file.exists("groups/known"))
      for (const auto& label : file.members("groups/known"))
        data.group_known_counts[label] = read_counts_of("groups/known/" + label, static_cast<std::size_t>(data.groups));
    for (const auto& label : file.members("groups/background")) {
      const auto pairs = read_dataset<std::int64_t>(file, "groups/background/" + label);
      require(pairs.size() == 2 * static_cast<std::size_t>(data.groups),
              "/groups/background/" + label + " has the wrong shape", ErrorContext{path});
      for (std::size_t g = 0; g < pairs.size(); g += 2)
        data.group_background[label].push_back(BackgroundRate{pairs[g], pairs[g + 1]});
    }
  }
  if (file.exists("blocks/seconds")) data.block_seconds = read_dataset<double>(file, "blocks/seconds");
  if (file.exists("ranks/hostname")) {
    data.rank_hostnames = read_strings(file, "ranks/hostname");
    data.rank_devices = read_strings(file, "ranks/device");
    data.rank_busy_seconds = read_dataset<double>(file, "ranks/busy_seconds");
    data.rank_blocks = read_dataset<std::int64_t>(file, "ranks/blocks");
  }
  for (const auto& name : attribute_names(file, "/")) {
    if (name == "labels" || name == "thresholds" || name == "layers" || name == "heads") continue;
    if (attribute_is_string(file, "/", name))
      data.text_attributes[name] = read_string_attribute(file, "/", name);
    else
      data.integer_attributes[name] = read_integer_attribute(file, "/", name);
  }
  return data;
}

}  // namespace bertology::io
