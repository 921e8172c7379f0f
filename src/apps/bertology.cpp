// The `bertology` executable: parses options into the pipeline's config structs and calls
// the library. Errors from any layer are caught once, here.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <type_traits>

#include "bertology/analysis/runtime.h"
#include "bertology/error.h"
#include "bertology/model/make_model.h"
#include "bertology/parallel/mpi.h"
#include "bertology/pipeline/commands.h"
#include "bertology/structure/structure_reader.h"
#include "bertology/version.h"
#include "options.h"

namespace po = boost::program_options;
using namespace bertology;
using apps::parse_bytes;
using apps::parse_numbers;
using apps::split_list;

namespace {

struct Invocation {
  std::vector<std::string> arguments;  // after the subcommand
  std::string command_line;            // the whole command line, for provenance
  parallel::Communicator comm;
  std::string command = {};                // the subcommand: its section of an INI file applies
  std::vector<std::string> commands = {};  // every subcommand: their sections are for them
  Device device = {};                      // where this rank computes (run, bench, attention)
};

// Parses the command line, then the INI file named by --config (command line wins).
// Returns false when --help was asked for (and printed).
bool parse(const Invocation& call, const std::string& usage, po::options_description& options,
           const po::positional_options_description& positional, po::variables_map& values) {
  const std::string config_help = "read options from an INI file (key = value; keys under [" + call.command +
                                  "] are for this command only; command line wins)";
  options.add_options()("config", po::value<std::string>()->value_name("FILE"), config_help.c_str())("help,h",
                                                                                                     "show this help");
  po::store(po::command_line_parser(call.arguments).options(options).positional(positional).run(), values);
  if (values.count("help")) {
    if (call.comm.root()) std::cout << usage << "\n\n" << options << "\n";
    return false;
  }
  if (values.count("config")) {
    const std::string path = values["config"].as<std::string>();
    std::ifstream file(path);
    require(static_cast<bool>(file), "cannot read the config file", ErrorContext{path});
    try {
      po::store(
          apps::command_options(po::parse_config_file(file, options, true), options, call.command, call.commands, path),
          values);
    } catch (const po::error& error) {
      throw Error(error.what(), ErrorContext{path});
    }
  }
  po::notify(values);
  return true;
}

int prepare_command(const Invocation& call) {
  pipeline::PrepareConfig config;
  std::string chains;
  po::options_description options("Options");
  options.add_options()("input", po::value(&config.inputs)->multitoken(),
                        "input files, or directories searched recursively for PDB/mmCIF files (positional)")(
      "output,o", po::value(&config.output)->required()->value_name("FILE"), "corpus file to write (corpus.h5)")(
      "format", po::value(&config.format)->value_name("NAME"),
      "fasta|proteinnet|provis|netsurfp|pdb|mmcif (default: guessed per file from extension and content)")(
      "label", po::value(&config.label)->value_name("NAME"),
      "label a provis JSONL file carries: binding_site|ptm (default: guessed from the file name)")(
      "chains", po::value(&chains)->value_name("LIST"),
      "structures: comma list of chain names to read (default: every protein chain)")(
      "binding-sites", po::value(&config.binding_sites)->default_value(config.binding_sites),
      "structures: none|ligands|annotated|both — binding_site from ligand proximity, binding_site_annotated "
      "from the file's SITE / struct_site_gen records")(
      "ligand-distance", po::value(&config.ligand_distance)->default_value(config.ligand_distance),
      "structures: Å between a residue's and a ligand's heavy atoms for a binding site")(
      "include-ions", po::bool_switch(&config.include_ions), "structures: metal and halide ions count as ligands")(
      "min-residues", po::value(&config.min_residues)->default_value(config.min_residues),
      "skip (and log) records with fewer residues")("dedupe", po::bool_switch(&config.dedupe),
                                                    "keep only the first record of identical sequences")(
      "strict", po::bool_switch(&config.strict),
      "a bad structure file fails the run instead of being skipped with its reason (malformed FASTA, ProteinNet, "
      "JSONL or CSV files always do)")(
      "block-size", po::value(&config.block_size)->default_value(0)->value_name("K"),
      "records per block, the unit of work of `run` (0 = N/1024 clamped to [4, 256] for N records; never "
      "depends on the number of ranks)")(
      "sample", po::value(&config.sample)->default_value(0)->value_name("N"),
      "keep N records drawn reproducibly (the N smallest hash(seed, record index)), in corpus order, the same at "
      "any number of ranks; 0 = all")("seed", po::value(&config.seed)->default_value(1), "seed of --sample")(
      "log", po::value(&config.log)->value_name("FILE"),
      "per-file log of what was read and skipped (default: OUTPUT.log)")("force", po::bool_switch(&config.force),
                                                                         "overwrite an existing output")(
      "quiet,q", po::bool_switch(&config.quiet), "no progress on stderr");
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map values;
  if (!parse(call,
             "bertology prepare FILE|DIR... -o corpus.h5\n"
             "Reads protein records (sequences, Cα/Cβ coordinates, per-residue labels) into one corpus file.\n"
             "Structures get ss4 (our DSSP), binding_site (ligands) and binding_site_annotated (SITE records).\n"
             "Under mpirun the ranks share the files (a FASTA file by byte ranges, streamed; plain or gzip) and write\n"
             "the corpus together; it is the same whatever the number of ranks, and its content_sha256 attribute\n"
             "(SHA-256 over the per-block digests in /blocks/sha256) is the corpus checksum.",
             options, positional, values))
    return 0;
  if (values.count("chains")) config.chains = split_list(chains, "--chains");
  config.command_line = call.command_line;
  pipeline::prepare(config, call.comm);
  return 0;
}

int run_command(const Invocation& call) {
  pipeline::RunConfig config;
  std::string properties, thresholds = "0.3", attention_memory;
  po::options_description options("Options");
  options.add_options()(
      "model,m", po::value(&config.model)->required()->value_name("DIR"),
      "model folder: config.json, model.safetensors (or model.safetensors.index.json and its shards), vocab.txt "
      "or spiece.model (Hugging Face / TAPE layout)")(
      "arch", po::value(&config.architecture)->value_name("NAME"),
      "architecture: tape_bert|prot_bert|prot_albert|prot_xlnet|esm2|torchscript (default: detected from config.json "
      "model_type or the folder)")("corpus,c", po::value(&config.corpus)->required()->value_name("FILE"),
                                   "corpus file from `bertology prepare`")(
      "properties,p", po::value(&properties)->value_name("LIST"),
      "comma list of contact, binding_site, ptm, ss4, aa or any corpus label "
      "(default: everything the corpus provides)")(
      "thresholds,t", po::value(&thresholds)->value_name("LIST"),
      "comma list of attention thresholds θ, ascending, each in (0,1); α > θ counts (default 0.3)")(
      "output,o", po::value(&config.output)->required()->value_name("FILE"), "result file to write (result.h5)")(
      "max-residues", po::value(&config.max_residues)->default_value(0),
      "cut sequences at this many residues, the C-terminal end dropped (0 = 510 as the paper, or fewer when the "
      "model's position table is smaller; more than it allows is an error; ESM-2 takes any length)")(
      "attention-memory", po::value(&attention_memory)->value_name("SIZE"),
      "bytes one layer's attention may take on a rank (e.g. 2GiB, 512M; default 4GiB): beyond it each layer is "
      "computed in blocks of query rows (multiples of 32 on a CPU, 256 on a GPU), so long proteins need memory "
      "linear in their length; the maps are the same bit for bit; contact precision needs whole layers")(
      "contact-atom", po::value(&config.contact_atom)->default_value("ca"),
      "contact distance between ca (Cα, the paper) or cb (Cβ, Cα for glycine) atoms, < 8 Å")(
      "batch-size", po::value(&config.batch_size)->default_value(0),
      "sequences per batch, cut inside each block by length (0 = suits the device: 1 on a CPU, where padded "
      "batches run slower; 16 and --max-tokens 16384 on a GPU)")(
      "max-tokens", po::value(&config.max_tokens)->default_value(0),
      "at most this many padded tokens per batch (0 = no limit)")(
      "groups", po::value(&config.groups)->default_value(0),
      "also keep the counts of G groups of consecutive blocks (/groups/..., for bootstrap intervals over "
      "sequences); 0 = none")(
      "null", po::value(&config.null_permutations)->default_value(0)->value_name("K"),
      "null control: also count K times with every per-residue label permuted within its sequence and the "
      "coordinates' order shifted circularly (/null/...), for permutation p-values in `report`; 0 = none")(
      "null-seed", po::value(&config.null_seed)->default_value(1), "seed of the null permutations")(
      "contact-precision", po::value(&config.contact_precision)->default_value("auto")->value_name("auto|on|off"),
      "per-head contact precision: each head's map symmetrised and APC-corrected, its top L/5, L/2, L "
      "long-range pairs (|i-j| >= 24) checked against Cβ < 8 Å contacts (/contact_precision/...); auto = when "
      "the corpus has coordinates and the attention is in host memory")(
      "resume", po::bool_switch(&config.resume),
      "continue an interrupted run from its checkpoint (same settings, any number of ranks); without a "
      "checkpoint, start from the beginning")(
      "checkpoint-dir", po::value(&config.checkpoint_directory)->value_name("DIR"),
      "where each rank saves its state (default: OUTPUT.checkpoint; removed when the result is written)")(
      "checkpoint-interval", po::value(&config.checkpoint_interval)->default_value(300),
      "seconds between each rank's saves (0 = only when stopped); SIGTERM or SIGUSR1 saves every rank's state "
      "and exits with status 75")(
      "precision", po::value(&config.precision)->default_value("float32"),
      "float32|bfloat16|float16; reduced precision is CUDA autocast with the softmax in float32")(
      "threads", po::value(&config.threads)->default_value(0),
      "threads per rank for LibTorch and OpenBLAS (0 = SLURM_CPUS_PER_TASK, else 1); counts are bit-identical "
      "across rank counts for the same threads per rank")("force", po::bool_switch(&config.force),
                                                          "overwrite an existing output")(
      "quiet,q", po::bool_switch(&config.quiet), "no progress or timings on stderr");
  po::variables_map values;
  if (!parse(call,
             "mpirun -np N bertology run --model DIR --corpus corpus.h5 [--properties LIST] [--thresholds LIST] "
             "-o result.h5\n"
             "Counts, for every layer and head, the attention above each θ and how much of it lands on each "
             "property.\n"
             "Ranks take blocks of consecutive records (block size fixed by the corpus) most expensive first; counts "
             "are identical at any number of ranks and after a resume (for the same threads per rank).\n"
             "Exit status: 0 done, 75 stopped by SIGTERM/SIGUSR1 with the state saved (rerun with --resume), "
             "1 error, 2 bad options.",
             options, {}, values))
    return 0;
  if (values.count("properties")) {
    config.properties = split_list(properties, "--properties");
    config.properties_given = true;
  }
  config.thresholds = parse_numbers<double>(thresholds, "--thresholds");
  if (values.count("attention-memory")) config.attention_memory = parse_bytes(attention_memory, "--attention-memory");
  config.device = call.device;
  config.command_line = call.command_line;
  return pipeline::run(config, call.comm) == pipeline::RunOutcome::complete ? 0 : pipeline::kInterruptedExitStatus;
}

int plan_command(const Invocation& call) {
  pipeline::PlanConfig config;
  std::string ranks = "1";
  po::options_description options("Options");
  options.add_options()("corpus,c", po::value(&config.corpus)->required()->value_name("FILE"),
                        "corpus file from `bertology prepare`")("ranks,n", po::value(&ranks)->value_name("LIST"),
                                                                "comma list of rank counts to plan for (default 1)")(
      "result", po::value(&config.result)->value_name("FILE"),
      "replay the measured block times of an earlier result of this corpus (/blocks/seconds)")(
      "hidden", po::value(&config.hidden)->default_value(config.hidden),
      "the model's hidden size, for the estimated cost (768 TapeBert, 1024 ProtBert, 4096 ProtAlbert)")(
      "special-tokens", po::value(&config.special_tokens)->default_value(config.special_tokens),
      "tokens the model adds to each sequence")(
      "max-residues", po::value(&config.max_residues)->default_value(config.max_residues), "as run --max-residues")(
      "batch-size", po::value(&config.batch_size)->default_value(config.batch_size), "as run --batch-size")(
      "max-tokens", po::value(&config.max_tokens)->default_value(config.max_tokens), "as run --max-tokens");
  po::variables_map values;
  if (!parse(call,
             "bertology plan --corpus corpus.h5 --ranks 2,64,4096 [--result result.h5]\n"
             "The schedule `run` would follow on each number of ranks (blocks most expensive first, each to the "
             "first free rank): the expected time and the imbalance between the slowest rank and the mean.",
             options, {}, values))
    return 0;
  config.ranks = parse_numbers<int>(ranks, "--ranks");
  pipeline::plan(config, call.comm, std::cout);
  return 0;
}

int attention_command(const Invocation& call) {
  pipeline::AttentionConfig config;
  std::string input_ids, attention_memory;
  po::options_description options("Options");
  options.add_options()("model,m", po::value(&config.model)->required()->value_name("DIR"),
                        "model folder, as run --model")("arch", po::value(&config.architecture)->value_name("NAME"),
                                                        "architecture (default: detected)")(
      "sequence,s", po::value(&config.sequence)->value_name("RESIDUES"), "one-letter residues to tokenize")(
      "input-ids", po::value(&input_ids)->value_name("LIST"), "comma list of token ids (bypasses the tokenizer)")(
      "output,o", po::value(&config.output)->required()->value_name("FILE"),
      "HDF5 file: /input_ids int64 [T], /attentions float32 [layer, head, query, key]")(
      "threads", po::value(&config.threads)->default_value(0), "LibTorch threads (0 = default)")(
      "precision", po::value(&config.precision)->default_value("float32"),
      "float32|bfloat16|float16; reduced precision is CUDA autocast with the softmax in float32")(
      "attention-memory", po::value(&attention_memory)->value_name("SIZE"),
      "bytes one layer's attention may take on a rank (e.g. 2GiB, 512M; default 4GiB): beyond it each layer is "
      "computed in blocks of query rows (multiples of 32 on a CPU, 256 on a GPU), so long proteins need memory "
      "linear in their length; the maps are the same bit for bit")("force", po::bool_switch(&config.force),
                                                                   "overwrite an existing output");
  po::variables_map values;
  if (!parse(call,
             "bertology attention --model DIR (--sequence SEQ | --input-ids 2,5,...) -o attn.h5\n"
             "Writes every layer's full attention maps for one sequence, all tokens included.",
             options, {}, values))
    return 0;
  if (values.count("input-ids")) config.input_ids = parse_numbers<std::int64_t>(input_ids, "--input-ids");
  if (values.count("attention-memory")) config.attention_memory = parse_bytes(attention_memory, "--attention-memory");
  config.device = call.device;
  if (call.comm.root()) pipeline::attention(config);
  return 0;
}

int report_command(const Invocation& call) {
  pipeline::ReportConfig config;
  po::options_description options("Options");
  options.add_options()("result", po::value(&config.result)->required()->value_name("FILE"),
                        "result.h5 from `bertology run` (positional)")(
      "format,f", po::value(&config.format)->default_value("text"), "text|csv|json")(
      "output,o", po::value(&config.output)->value_name("FILE"), "write here instead of stdout")(
      "top", po::value(&config.top)->default_value(10), "top heads per property")(
      "threshold", po::value(&config.threshold)->default_value(0.0), "θ to report (default: the one closest to 0.3)")(
      "min-arcs", po::value(&config.min_arcs)->default_value(100),
      "heads with fewer arcs above θ cannot be top heads (paper: 100)")(
      "html", po::value(&config.html)->value_name("DIR"),
      "also write DIR/index.html (one self-contained page: heatmaps, layer profile, amino acids vs BLOSUM62, "
      "contact precision, every table, the provenance), DIR/figures/*.svg and DIR/heads.csv (every head's counts)")(
      "png", po::bool_switch(&config.png), "with --html: also PNG figures (needs rsvg-convert, Debian librsvg2-bin)")(
      "bootstrap", po::value(&config.bootstrap)->default_value(0),
      "bootstrap resamples over the result's groups of sequences (run --groups); 0 = enough for the "
      "Bonferroni-corrected percentiles, at least 1000")("seed", po::value(&config.seed)->default_value(1),
                                                         "seed of the bootstrap");
  po::positional_options_description positional;
  positional.add("result", 1);
  po::variables_map values;
  if (!parse(call,
             "bertology report result.h5 [--format text|csv|json] [--html DIR]\n"
             "Top heads per property (layer-head, 1-based) with 95% Bonferroni-corrected intervals (Wilson, and a "
             "bootstrap over groups of sequences when the run kept --groups), enrichment over the background, "
             "permutation p-values when the run had --null, layer profiles, the amino-acid similarity against "
             "BLOSUM62 and per-head contact precision; --html writes the figures and tables as one page.",
             options, positional, values))
    return 0;
  if (call.comm.root()) pipeline::report(config);
  return 0;
}

int merge_command(const Invocation& call) {
  pipeline::MergeConfig config;
  config.command_line = call.command_line;
  po::options_description options("Options");
  options.add_options()("results", po::value(&config.results)->multitoken()->required()->value_name("FILE"),
                        "result.h5 files of `bertology run` (positional), e.g. one per model, each with one or "
                        "more thresholds; members 000, 001, ... in this order")(
      "sweep,o", po::value(&config.sweep)->required()->value_name("FILE"),
      "sweep.h5 to write: every result copied whole (its provenance included) under /members/NNN with its "
      "source path and sha256, the comparison as parallel datasets under /comparison")(
      "force", po::bool_switch(&config.force), "replace an existing sweep.h5")(
      "allow-different-corpora", po::bool_switch(&config.allow_different_corpora),
      "merge results whose corpus_sha256 differ or are missing (the sweep's corpus_sha256 then reads "
      "\"several\"); refused by default, as proportions over different corpora do not compare")(
      "format,f", po::value(&config.format)->default_value("text"),
      "text|csv|json: the comparison printed (text: one block per property, a row per model@θ)")(
      "table", po::value(&config.output)->value_name("FILE"),
      "write the printed comparison here instead of stdout (the sweep file is -o)")(
      "min-arcs", po::value(&config.min_arcs)->default_value(100),
      "heads with fewer arcs above θ (in the property's denominator) cannot be best (paper: 100)")(
      "html", po::value(&config.html)->value_name("DIR"),
      "also write DIR/index.html (one self-contained page: heatmaps of the best head's proportion and enrichment "
      "per model@θ and property, the comparison table, every member's provenance), DIR/figures/*.svg and "
      "DIR/comparison.csv");
  po::positional_options_description positional;
  positional.add("results", -1);
  po::variables_map values;
  if (!parse(call,
             "bertology merge result1.h5 result2.h5 ... -o sweep.h5 [--allow-different-corpora] "
             "[--format text|csv|json] [--table FILE] [--min-arcs 100] [--html DIR] [--force]\n"
             "One file and one comparison for a sweep over models and thresholds: for every result, threshold and "
             "property, the best head (layer-head, 1-based, among those with --min-arcs arcs) with its proportion, "
             "95% family-wise interval (the bootstrap over groups of sequences when the run kept --groups, else "
             "Wilson; the interval column says which), enrichment over the background and the heads that beat the "
             "null (when the run had --null). Results of different corpora are refused unless "
             "--allow-different-corpora; `bertology report` on one result gives its details.",
             options, positional, values))
    return 0;
  if (call.comm.root()) pipeline::merge(config);
  return 0;
}

int info_command(const Invocation& call) {
  std::string path;
  po::options_description options("Options");
  options.add_options()("file", po::value(&path)->required()->value_name("FILE"),
                        "corpus.h5 or result.h5 (positional)");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  if (!parse(call, "bertology info FILE\nSummarises a corpus or result file.", options, positional, values)) return 0;
  if (call.comm.root()) pipeline::info(path, std::cout);
  return 0;
}

int make_model_command(const Invocation& call) {
  model::MakeModelOptions config;
  std::string architecture = "prot_bert";
  po::options_description options("Options");
  options.add_options()("arch", po::value(&architecture)->default_value("prot_bert"),
                        "public layout: tape_bert|prot_bert|prot_albert|prot_xlnet|esm2")(
      "layers", po::value(&config.layers)->default_value(config.layers), "encoder layers")(
      "heads", po::value(&config.heads)->default_value(config.heads), "attention heads per layer")(
      "hidden", po::value(&config.hidden)->default_value(config.hidden), "hidden size (a multiple of heads)")(
      "intermediate", po::value(&config.intermediate)->default_value(0), "feed-forward size (0 = 4 × hidden)")(
      "max-positions", po::value(&config.max_positions)->default_value(config.max_positions),
      "position embeddings (tokens, special tokens included; ignored for prot_xlnet)")(
      "embedding", po::value(&config.embedding)->default_value(0),
      "prot_albert's factorised embedding size (0 = min(128, hidden))")(
      "seed", po::value(&config.seed)->default_value(config.seed), "seed of the weight generator")(
      "shards", po::value(&config.shards)->default_value(config.shards),
      "weight files: N > 1 writes N shards and model.safetensors.index.json, the hub's layout of large models")(
      "output,o", po::value(&config.output)->required()->value_name("DIR"), "model folder to write")(
      "force", po::bool_switch(&config.force), "overwrite an existing model folder");
  po::variables_map values;
  if (!parse(call,
             "bertology make-model --arch prot_bert --layers 4 --heads 4 --hidden 64 -o DIR\n"
             "Writes a model folder in a public checkpoint layout with SEEDED RANDOM weights (demo, tests, "
             "benchmarks).\nRandom weights measure nothing biological.",
             options, {}, values))
    return 0;
  config.architecture = model::parse_architecture(architecture);
  if (call.comm.root()) model::make_model(config);
  return 0;
}

int bench_command(const Invocation& call) {
  pipeline::BenchConfig config;
  std::string thresholds = "0.1,0.3,0.5", attention_memory;
  po::options_description options("Options");
  options.add_options()("model,m", po::value(&config.model)->value_name("DIR"),
                        "an existing model folder (default: a seeded model of the shape below)")(
      "arch", po::value(&config.architecture)->default_value(config.architecture),
      "layout of the seeded model: tape_bert|prot_bert|prot_albert|prot_xlnet|esm2")(
      "layers", po::value(&config.layers)->default_value(config.layers), "layers of the seeded model")(
      "heads", po::value(&config.heads)->default_value(config.heads), "heads of the seeded model")(
      "hidden", po::value(&config.hidden)->default_value(config.hidden), "hidden size of the seeded model")(
      "sequences", po::value(&config.sequences)->default_value(config.sequences), "synthetic proteins")(
      "min-length", po::value(&config.min_length)->default_value(config.min_length), "shortest protein (residues)")(
      "max-length", po::value(&config.max_length)->default_value(config.max_length), "longest protein (residues)")(
      "batch-size", po::value(&config.batch_size)->default_value(config.batch_size), "sequences per batch")(
      "max-tokens", po::value(&config.max_tokens)->default_value(0), "padded tokens per batch (0 = no limit)")(
      "thresholds,t", po::value(&thresholds)->value_name("LIST"), "attention thresholds (default 0.1,0.3,0.5)")(
      "threads", po::value(&config.threads)->default_value(0), "threads (0 = SLURM_CPUS_PER_TASK, else 1)")(
      "precision", po::value(&config.precision)->default_value("float32"),
      "float32|bfloat16|float16; reduced precision is CUDA autocast with the softmax in float32")(
      "attention-memory", po::value(&attention_memory)->value_name("SIZE"),
      "bytes one layer's attention may take on a rank (e.g. 2GiB, 512M; default 4GiB): beyond it each layer is "
      "computed in blocks of query rows (multiples of 32 on a CPU, 256 on a GPU), so long proteins need memory "
      "linear in their length; the maps are the same bit for bit")(
      "seed", po::value(&config.seed)->default_value(config.seed), "seed of the weights and the proteins");
  po::variables_map values;
  if (!parse(call,
             "bertology bench [--layers 30 --heads 16 --hidden 1024] [--sequences 16 --min-length 100 "
             "--max-length 500]\n"
             "One rank's sequences/s, residues/s, forward vs analysis time and peak memory on synthetic proteins,\n"
             "printed with the machine it ran on. Run it under mpirun to load every core like a real run.",
             options, {}, values))
    return 0;
  config.thresholds = parse_numbers<double>(thresholds, "--thresholds");
  if (values.count("attention-memory")) config.attention_memory = parse_bytes(attention_memory, "--attention-memory");
  config.device = call.device;
  pipeline::bench(config, call.comm.root() ? std::cout : std::clog);
  return 0;
}

int dssp_command(const Invocation& call) {
  std::string path;
  po::options_description options("Options");
  options.add_options()("file", po::value(&path)->required()->value_name("FILE"),
                        "PDB or mmCIF file, gzipped or not (positional)");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  if (!parse(call,
             "bertology dssp FILE\n"
             "Prints our DSSP of every protein chain of the first model: a header per chain, the observed\n"
             "residues, and one 8-state character each (H G I E B T S; '-' for coil or incomplete backbone),\n"
             "to compare with mkdssp. The same assignment gives the ss4 labels of `prepare`.",
             options, positional, values))
    return 0;
  if (!call.comm.root()) return 0;
  for (const auto& chain : structure::read_secondary_structure(path)) {
    std::string states = chain.states;
    std::replace(states.begin(), states.end(), ' ', '-');
    std::cout << ">" << (chain.chain.empty() ? "(blank)" : chain.chain) << " residues "
              << (chain.numbers.empty() ? "" : chain.numbers.front() + "-" + chain.numbers.back()) << " ("
              << chain.residues.size() << " observed)\n"
              << chain.residues << "\n"
              << states << "\n";
  }
  return 0;
}

const std::map<std::string, std::pair<std::function<int(const Invocation&)>, const char*>>& commands() {
  static const std::map<std::string, std::pair<std::function<int(const Invocation&)>, const char*>> table{
      {"prepare",
       {prepare_command, "input files (FASTA, ProteinNet, provis JSONL, NetSurfP CSV, PDB/mmCIF) -> corpus.h5"}},
      {"run", {run_command, "corpus.h5 + model -> result.h5 (per-head attention counts; use under mpirun/srun)"}},
      {"attention", {attention_command, "one sequence -> all attention maps (checks a model against its reference)"}},
      {"report", {report_command, "result.h5 -> top heads, intervals, null p-values, figures (text, CSV, JSON, HTML)"}},
      {"merge",
       {merge_command, "result.h5 files of a sweep -> sweep.h5 and the best heads compared (text, CSV, JSON, HTML)"}},
      {"dssp", {dssp_command, "our DSSP (8 states) of a PDB/mmCIF file, to compare with mkdssp"}},
      {"plan", {plan_command, "the schedule and imbalance `run` would have on N ranks (estimated or replayed)"}},
      {"info", {info_command, "summary of a corpus.h5 or result.h5"}},
      {"bench", {bench_command, "throughput and peak memory of one rank for a model shape (synthetic proteins)"}},
      {"make-model", {make_model_command, "model folder in a public layout with seeded random weights"}},
  };
  return table;
}

void print_usage(std::ostream& out) {
  out << "bertology " << kVersion
      << " — what do the attention heads of a protein language model line up with?\n\n"
         "usage: bertology COMMAND [options]   (bertology COMMAND --help for its options)\n\ncommands:\n";
  for (const auto& [name, entry] : commands()) {
    out << "  " << name << std::string(12 - name.size(), ' ') << entry.second << "\n";
  }
}

}  // namespace

// Model weights are memory-mapped and read in place: a weights file truncated while a job runs
// faults the next read with SIGBUS, which would end the rank with no more than "Bus error".
extern "C" void explain_bus_error(int signal) {
  static const char message[] =
      "bertology: bus error (SIGBUS) reading a memory-mapped file: was a model's weights file truncated or "
      "rewritten while this job ran? Weights are read where they lie; replace them by renaming a new file into "
      "place, never by writing over one in use\n";
  const ssize_t written = ::write(STDERR_FILENO, message, sizeof message - 1);
  static_cast<void>(written);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

int main(int argc, char** argv) {
  // A write past `ulimit -f` raises SIGXFSZ, which kills the process without a message (and
  // before a temporary file is removed); ignored, the write fails with EFBIG and the error
  // names the file.
  std::signal(SIGXFSZ, SIG_IGN);
  std::signal(SIGBUS, explain_bus_error);
  parallel::Environment mpi(argc, argv);
  parallel::Communicator comm;
  std::string command = argc > 1 ? argv[1] : "";
  int status = 0;
  try {
    // The one place that decides where this rank computes: LibTorch and Kokkos both get it.
    const bool computes = command == "run" || command == "bench" || command == "attention";
    const Device device = computes ? model::choose_device(comm.node_local_rank()) : Device{};
    require(!computes || device.kind == analysis::analysis_device_kind(),
            "LibTorch computes on " + device.str() + " but this build's Kokkos counts on the " +
                (analysis::analysis_device_kind() == DeviceKind::cpu ? "host" : "GPU") +
                ": build against a Kokkos with the matching backend (env/spack.yaml), or hide the GPUs with "
                "CUDA_VISIBLE_DEVICES= to run on the CPU");
    analysis::KokkosScope kokkos(device);
    if (command.empty() || command == "--help" || command == "-h" || command == "help") {
      if (comm.root()) print_usage(command.empty() ? std::cerr : std::cout);
      return command.empty() ? 2 : 0;
    }
    if (command == "--version") {
      if (comm.root()) std::cout << "bertology " << kVersion << "\n";
      return 0;
    }
    auto found = commands().find(command);
    if (found == commands().end()) {
      if (comm.root()) {
        std::cerr << "bertology: unknown command '" << command << "'\n\n";
        print_usage(std::cerr);
      }
      return 2;
    }
    Invocation call{std::vector<std::string>(argv + 2, argv + argc), "", comm, command, {}, device};
    for (const auto& entry : commands()) call.commands.push_back(entry.first);
    for (int i = 0; i < argc; ++i) call.command_line += (i ? " " : "") + std::string(argv[i]);
    status = found->second.first(call);
  } catch (const po::error& error) {
    std::fprintf(stderr, "bertology %s: %s (see bertology %s --help)\n", command.c_str(), error.what(),
                 command.c_str());
    parallel::abort_job(2);
  } catch (const std::exception& error) {
    if (comm.size() > 1)
      std::fprintf(stderr, "bertology %s: error on rank %d: %s\n", command.c_str(), comm.rank(), error.what());
    else
      std::fprintf(stderr, "bertology %s: error: %s\n", command.c_str(), error.what());
    std::fflush(stderr);
    parallel::abort_job(1);
  }
  return status;
}
