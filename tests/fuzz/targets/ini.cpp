// Fuzz target: the INI path of `bertology --config FILE` (src/apps/bertology.cpp, parse()):
// boost::program_options::parse_config_file with the `run` command's options description (the
// same names and value types), the section filter command_options, store, notify, and the
// comma lists of --properties and --thresholds, through the driver's own helpers
// (src/apps/options.h); a boost exception (po::error) is the expected rejection, as
// bertology.cpp turns it into an Error.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "bertology/error.h"
#include "fuzz_support.h"
#include "options.h"

namespace po = boost::program_options;

namespace {

const std::vector<std::string> kCommands = {"prepare", "dssp",  "run",  "plan",       "attention",
                                            "report",  "merge", "info", "make-model", "bench"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The run command's options (src/apps/bertology.cpp run_command), with the value types of
  // pipeline::RunConfig; descriptions left out.
  std::string model, architecture, corpus, properties, thresholds = "0.3", output, contact_atom, precision,
                                                       contact_precision, checkpoint_directory, config;
  std::int64_t max_residues = 0, batch_size = 0, max_tokens = 0, groups = 0;
  int null_permutations = 0, threads = 0;
  std::uint64_t null_seed = 0;
  double checkpoint_interval = 0;
  bool resume = false, force = false, quiet = false;
  po::options_description options("Options");
  options.add_options()("model,m", po::value(&model)->required(), "")("arch", po::value(&architecture), "")(
      "corpus,c", po::value(&corpus)->required(), "")("properties,p", po::value(&properties), "")(
      "thresholds,t", po::value(&thresholds), "")("output,o", po::value(&output)->required(), "")(
      "max-residues", po::value(&max_residues)->default_value(510), "")(
      "contact-atom", po::value(&contact_atom)->default_value("ca"), "")("batch-size",
                                                                         po::value(&batch_size)->default_value(0), "")(
      "max-tokens", po::value(&max_tokens)->default_value(0), "")("groups", po::value(&groups)->default_value(0), "")(
      "null", po::value(&null_permutations)->default_value(0), "")("null-seed", po::value(&null_seed)->default_value(1),
                                                                   "")(
      "contact-precision", po::value(&contact_precision)->default_value("auto"), "")(
      "resume", po::bool_switch(&resume), "")("checkpoint-dir", po::value(&checkpoint_directory), "")(
      "checkpoint-interval", po::value(&checkpoint_interval)->default_value(300), "")(
      "precision", po::value(&precision)->default_value("float32"), "")(
      "threads", po::value(&threads)->default_value(0), "")("force", po::bool_switch(&force), "")(
      "quiet,q", po::bool_switch(&quiet), "")("config", po::value(&config), "")("help,h", "");

  const std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream file(text);
  po::variables_map values;
  try {
    po::store(bertology::apps::command_options(po::parse_config_file(file, options, true), options, "run", kCommands,
                                               "fuzz.ini"),
              values);
    po::notify(values);
    if (values.count("properties")) (void)bertology::apps::split_list(properties, "--properties");
    (void)bertology::apps::parse_numbers<double>(thresholds, "--thresholds");
  } catch (const bertology::Error&) {
  } catch (const po::error&) {
  }
  return 0;
}
