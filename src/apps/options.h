#pragma once
// The command line's option helpers, shared by the `bertology` driver and the INI fuzz target
// (tests/fuzz/targets/ini.cpp), so that what is fuzzed is what runs.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdint>
#include <iterator>
#include <utility>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "bertology/error.h"

namespace bertology::apps {

// Splits "a,b,c"; empty items are errors naming the option.
inline std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    require(!item.empty(), option + " '" + text + "': empty item in the comma list");
    items.push_back(item);
  }
  return items;
}

// "0.1,0.3" → numbers; anything that is not wholly a number is an error naming the option.
template <typename Number>
std::vector<Number> parse_numbers(const std::string& text, const std::string& option) {
  std::vector<Number> values;
  for (const auto& item : split_list(text, option)) {
    std::istringstream stream(item);
    Number value{};
    stream >> value;
    require(
        stream && stream.peek() == std::char_traits<char>::eof(),
        option + " '" + text + "': '" + item + "' is not " + (std::is_integral_v<Number> ? "an integer" : "a number"));
    values.push_back(value);
  }
  return values;
}

// "4GiB", "512M", "2.5G", "1000000": a size in bytes. K/M/G/T and KiB/MiB/GiB/TiB are powers of
// 1024 (as Slurm's --mem), kB/MB/GB/TB powers of 1000; anything else is an error naming the option.
inline std::uint64_t parse_bytes(const std::string& text, const std::string& option) {
  std::istringstream stream(text);
  double number = 0;
  const bool read = static_cast<bool>(stream >> number);
  std::string unit, rest;
  stream >> unit >> rest;
  const std::pair<const char*, double> units[] = {
      {"", 1},          {"B", 1},           {"K", 0x1p10},       {"KiB", 0x1p10}, {"kB", 1e3}, {"M", 0x1p20},
      {"MiB", 0x1p20},  {"MB", 1e6},        {"G", 0x1p30},       {"GiB", 0x1p30}, {"GB", 1e9}, {"T", 0x1p40},
      {"TiB", 0x1p40},  {"TB", 1e12}};
  const auto found = std::find_if(std::begin(units), std::end(units), [&](const auto& u) { return unit == u.first; });
  const bool whole = read && rest.empty() && found != std::end(units);
  const double bytes = whole ? number * found->second : 0;
  require(whole && bytes >= 1 && bytes < 0x1p63,
          option + " '" + text + "' is not a size (a number of bytes, or with K, M, G, T for KiB … TiB; kB, MB, GB, "
                                 "TB for powers of 1000)");
  return static_cast<std::uint64_t>(bytes);
}

// The options of an INI file that are `command`'s: keys outside any section, and those of the
// section named after the command ([run], [prepare], ...), which one file such as
// configs/paper.ini can hold side by side. Sections of the other `commands` are skipped; an
// unknown key or section is an error naming the file.
inline boost::program_options::parsed_options command_options(
    boost::program_options::parsed_options parsed, const boost::program_options::options_description& options,
    const std::string& command, const std::vector<std::string>& commands, const std::string& path) {
  std::vector<boost::program_options::option> kept;
  for (boost::program_options::option& option : parsed.options) {
    if (!option.unregistered) {
      kept.push_back(option);
      continue;
    }
    const std::string key = option.string_key;
    const auto dot = key.find('.');
    const std::string section = dot == std::string::npos ? "" : key.substr(0, dot);
    if (!section.empty() && section == command) {
      option.string_key = key.substr(dot + 1);
      option.unregistered = false;
      require(options.find_nothrow(option.string_key, false) != nullptr,
              "unknown option '" + option.string_key + "' in section [" + section + "]", ErrorContext{path});
      kept.push_back(option);
    } else if (section.empty() || std::find(commands.begin(), commands.end(), section) == commands.end()) {
      throw Error(section.empty() ? "unknown option '" + key + "'"
                                  : "unknown section [" + section + "] (sections are named after commands)",
                  ErrorContext{path});
    }
  }
  parsed.options = std::move(kept);
  return parsed;
}

}  // namespace bertology::apps
