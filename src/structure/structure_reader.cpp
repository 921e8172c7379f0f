// PDB/mmCIF → labelled Records with gemmi 0.5 (header-only). The file is decompressed here with
// zlib, not by gemmi: gemmi sizes its buffer from the gzip trailer and stops quietly at a
// truncated stream, and we want a truncated download to be an error.
#include "bertology/structure/structure_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <gemmi/mmread.hpp>
#include <gemmi/polyheur.hpp>
#include <gemmi/resinfo.hpp>
#include <gemmi/seqalign.hpp>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>

#include "bertology/error.h"
#include "bertology/structure/dssp.h"
#include "binding_sites.h"

namespace bertology::structure {

BindingSiteSource parse_binding_site_source(const std::string& name) {
  if (name == "none") return BindingSiteSource::none;
  if (name == "ligands") return BindingSiteSource::ligands;
  if (name == "annotated") return BindingSiteSource::annotated;
  if (name == "both") return BindingSiteSource::both;
  throw Error("unknown binding-site source '" + name + "' (none, ligands, annotated or both)");
}

std::string binding_site_source_name(BindingSiteSource source) {
  switch (source) {
    case BindingSiteSource::none:
      return "none";
    case BindingSiteSource::ligands:
      return "ligands";
    case BindingSiteSource::annotated:
      return "annotated";
    case BindingSiteSource::both:
      return "both";
  }
  return "both";
}

namespace {

// ---------------------------------------------------------------------------------------------
// The file

// Whole file, gunzipped when it is gzip (zlib passes plain files through unchanged).
std::string read_text(const std::string& path) {
  require(std::filesystem::is_regular_file(path), "no such file", {path});
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  require(file != nullptr, "cannot open file for reading", {path});
  std::string text;
  std::vector<char> chunk(1 << 20);
  while (true) {
    int got = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got > 0) text.append(chunk.data(), static_cast<std::size_t>(got));
    if (got < static_cast<int>(chunk.size())) {
      int code = Z_OK;
      const char* message = gzerror(file.get(), &code);
      // Z_BUF_ERROR here is zlib's "unexpected end of file": a truncated gzip stream.
      require(code == Z_OK, std::string("cannot decompress (truncated or corrupt gzip?): ") + message, {path});
      break;
    }
  }
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "x/1abc.cif.gz" → "1abc"
std::string structure_stem(const std::string& path) {
  std::filesystem::path name = std::filesystem::path(path).filename();
  if (lower(name.extension().string()) == ".gz") name = name.stem();
  return name.stem().string();
}

gemmi::CoorFormat coordinate_format(const std::string& path, const std::string& text, const StructureOptions& options) {
  if (options.format) {
    require(*options.format == corpus::Format::pdb || *options.format == corpus::Format::mmcif,
            "read_structure reads pdb or mmcif, not " + corpus::format_name(*options.format), {path});
    return *options.format == corpus::Format::pdb ? gemmi::CoorFormat::Pdb : gemmi::CoorFormat::Mmcif;
  }
  std::string name = lower(std::filesystem::path(path).filename().string());
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  gemmi::CoorFormat format = gemmi::coor_format_from_ext(name);
  if (format == gemmi::CoorFormat::Unknown)
    format = gemmi::coor_format_from_content(text.data(), text.data() + text.size());
  require(format == gemmi::CoorFormat::Pdb || format == gemmi::CoorFormat::Mmcif,
          "not a PDB or mmCIF file (by extension and content)", {path});
  return format;
}

// Columns 77-78 of ATOM/HETATM hold the element, 79-80 the charge ("2+"). Some files put their
// own serial numbers across columns 73-80 ("1CIH 206" in ASTRAL/SCOP files, "00572C21" in the
// theseus trypsins): gemmi rejects such a charge and reads "2C" as an unknown element, which
// would make every atom of those files a non-carbon. What is neither an element nor a charge
// is blanked before parsing, so gemmi takes the element from the atom name, as it does for
// files without one. Returns the number of lines changed.
std::size_t blank_columns_77_to_80_noise(std::string& text) {
  auto is_sign = [](char c) { return c == '+' || c == '-'; };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t changed = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::size_t length = end - start;
    if (length > 0 && text[end - 1] == '\r') --length;
    if (length > 76 && (text.compare(start, 6, "ATOM  ") == 0 || text.compare(start, 6, "HETATM") == 0)) {
      bool line_changed = false;
      char* element = &text[start + 76];
      const std::size_t element_width = std::min<std::size_t>(2, length - 76);
      std::string symbol;
      for (std::size_t k = 0; k < element_width; ++k)
        if (element[k] != ' ') symbol += element[k];
      if (!symbol.empty() && gemmi::find_element(symbol.c_str()) == gemmi::El::X) {
        for (std::size_t k = 0; k < element_width; ++k) element[k] = ' ';
        line_changed = true;
      }
      if (length >= 80) {
        char& first = text[start + 78];
        char& second = text[start + 79];
        bool blank = first == ' ' && second == ' ';
        bool charge = (is_digit(first) && is_sign(second)) || (is_sign(first) && is_digit(second));
        if (!blank && !charge) {
          first = second = ' ';
          line_changed = true;
        }
      }
      changed += line_changed;
    }
    start = end + 1;
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Numbers gemmi does not check

// gemmi reads the numbers of a PDB file with fast_from_chars and ignores what does not parse:
// an x of "abc.def" becomes 0 and "1.5x" 1.5, made-up coordinates that give wrong contacts with
// no word said. So every numeric field gemmi reads from an ATOM/HETATM line must be a number
// from end to end before its value is used.

std::string_view trimmed(std::string_view field) {
  while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
  while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
  return field;
}

// Columns [begin, begin + width) of a line, what of them the line has.
std::string_view columns(std::string_view line, std::size_t begin, std::size_t width) {
  return begin < line.size() ? line.substr(begin, width) : std::string_view();
}

// An integer as gemmi reads it: decimal, or hybrid-36 (a letter first, the whole field in
// digits and upper-case letters, or digits and lower-case ones) for serials past 99999 and
// residue numbers past 9999.
bool is_pdb_integer(std::string_view field) {
  auto all_of = [&](auto pred) { return std::all_of(field.begin(), field.end(), pred); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!field.empty() && std::isalpha(static_cast<unsigned char>(field.front()))) {
    return all_of([&](char c) { return digit(c) || (c >= 'A' && c <= 'Z'); }) ||
           all_of([&](char c) { return digit(c) || (c >= 'a' && c <= 'z'); });
  }
  field = trimmed(field);
  if (!field.empty() && (field.front() == '-' || field.front() == '+')) field.remove_prefix(1);
  return !field.empty() && all_of(digit);
}

// The fixed-point decimals PDB files hold ([+-], digits, at most one '.'): always a finite number
// that gemmi's parser reads whole. Checked by hand because this runs for five fields of every
// atom, and twice as fast as parsing them again.
bool is_plain_decimal(std::string_view field) {
  std::size_t k = field.front() == '+' || field.front() == '-' ? 1 : 0;
  bool digits = false, point = false;
  for (; k < field.size(); ++k) {
    const char c = field[k];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  return digits;
}

// Anything else (an exponent, "nan", "abc.def") goes through gemmi's own parser, so that what
// passes is exactly a value gemmi stored.
enum class Decimal { blank, number, not_a_number, not_finite };
Decimal check_decimal(std::string_view field) {
  field = trimmed(field);
  if (field.empty()) return Decimal::blank;
  if (is_plain_decimal(field)) return Decimal::number;
  double value = 0;
  const char* end = field.data() + field.size();
  gemmi::from_chars_result result = gemmi::fast_from_chars(field.data(), end, value);
  if (result.ec != std::errc() || result.ptr != end) return Decimal::not_a_number;
  return std::isfinite(value) ? Decimal::number : Decimal::not_finite;
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The ATOM/HETATM lines gemmi reads (its record test: case-insensitive, up to END): serial,
// residue number and x y z must be numbers, occupancy and B-factor numbers or blank (the format
// allows those blank). Residue numbers out of order are the file's business (insertion codes,
// odd numbering schemes), not checked.
void require_pdb_numbers(const std::string& text, const std::string& path) {
  struct Field {
    const char* name;
    std::size_t begin, width;
    bool blank_allowed;
  };
  static constexpr Field kDecimals[] = {{"x coordinate", 30, 8, false},
                                        {"y coordinate", 38, 8, false},
                                        {"z coordinate", 46, 8, false},
                                        {"occupancy", 54, 6, true},
                                        {"B-factor", 60, 6, true}};
  long line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    ++line_number;
    char head[4] = {0, 0, 0, 0};
    std::copy_n(line.begin(), std::min<std::size_t>(4, line.size()), head);
    if (gemmi::pdb_impl::is_record_type3(head, "END")) break;
    if (!gemmi::pdb_impl::is_record_type(head, "ATOM") && !gemmi::pdb_impl::is_record_type(head, "HETATM")) continue;
    auto where = [&] { return ErrorContext{path, {}, line_number}; };
    const std::string_view serial = columns(line, 6, 5);
    // Messages (and the context) are built only on failure: this runs for every atom.
    if (!is_pdb_integer(serial))
      throw Error("atom serial number " + in_quotes(trimmed(serial)) + " is not a number", where());
    const std::string_view residue = columns(line, 22, 4);
    if (!is_pdb_integer(residue))
      throw Error("residue number " + in_quotes(trimmed(residue)) + " is not a number", where());
    for (const Field& field : kDecimals) {
      const std::string_view found = columns(line, field.begin, field.width);
      switch (check_decimal(found)) {
        case Decimal::number:
          break;
        case Decimal::blank:
          if (!field.blank_allowed) throw Error(std::string(field.name) + " is blank", where());
          break;
        case Decimal::not_a_number:
          throw Error(std::string(field.name) + " " + in_quotes(trimmed(found)) + " is not a number", where());
        case Decimal::not_finite:
          throw Error(std::string(field.name) + " " + in_quotes(trimmed(found)) + " is not a finite number", where());
      }
    }
  }
}

// mmCIF: gemmi makes a coordinate that is not a number ("?", ".", "abc", "1e999") NaN, or inf;
// every atom_site row becomes an atom, so every row's Cartn_x/y/z must be a finite number.
void require_mmcif_coordinates(gemmi::cif::Block& block, const std::string& path) {
  // The atom named in an error as gemmi names it: author ids where the file has them.
  gemmi::cif::Table atoms = block.find(
      "_atom_site.", {"Cartn_x", "Cartn_y", "Cartn_z", "?id", "?auth_atom_id", "?label_atom_id", "?auth_comp_id",
                      "?label_comp_id", "?auth_asym_id", "?label_asym_id", "?auth_seq_id", "?label_seq_id"});
  static constexpr const char* kAxes[] = {"x coordinate", "y coordinate", "z coordinate"};
  for (std::size_t r = 0; r < atoms.length(); ++r) {
    gemmi::cif::Table::Row row = atoms[static_cast<int>(r)];
    for (std::size_t axis = 0; axis < 3; ++axis) {
      const double value = gemmi::cif::as_number(row[axis]);
      if (std::isfinite(value)) continue;
      std::string atom = "atom";
      if (row.has(3)) atom += " " + row[3];
      std::string label;
      for (std::size_t k = 4; k < 12; k += 2) {
        const std::size_t column = row.has(k) ? k : k + 1;
        if (row.has(column)) label += (label.empty() ? "" : " ") + gemmi::cif::as_string(row[column]);
      }
      if (!label.empty()) atom += " (" + label + ")";
      throw Error(atom + ": " + kAxes[axis] + " " + in_quotes(row[axis]) +
                      (std::isnan(value) ? " is not a number" : " is not a finite number"),
                  {path});
    }
  }
}

struct ParsedFile {
  gemmi::Structure structure;
  gemmi::CoorFormat format = gemmi::CoorFormat::Unknown;
  std::optional<std::set<detail::ResidueKey>> sites;  // the file's site annotation, if any
};

ParsedFile parse_file(const std::string& path, const StructureOptions& options, std::vector<std::string>& notes) {
  std::string text = read_text(path);
  require(!text.empty(), "empty file", {path});
  ParsedFile parsed;
  parsed.format = coordinate_format(path, text, options);
  const bool pdb = parsed.format == gemmi::CoorFormat::Pdb;
  try {
    if (pdb) {
      if (std::size_t changed = blank_columns_77_to_80_noise(text)) {
        notes.push_back("columns 77-80 of " + std::to_string(changed) +
                        " ATOM/HETATM lines hold neither an element nor a charge; ignored (elements from "
                        "the atom names)");
      }
      parsed.structure = gemmi::read_pdb_from_memory(text.data(), text.size(), path);
      require_pdb_numbers(text, path);
      parsed.sites = detail::pdb_site_residues(text);
    } else {
      gemmi::cif::Document document = gemmi::cif::read_memory(text.data(), text.size(), path.c_str());
      parsed.structure = gemmi::make_structure(document);
      require_mmcif_coordinates(document.blocks.at(0), path);
      parsed.sites = detail::mmcif_site_residues(document.blocks.at(0));
    }
  } catch (const Error&) {
    throw;  // ours, already saying what is wrong where
  } catch (const std::exception& e) {
    throw Error(std::string("cannot parse ") + (pdb ? "PDB" : "mmCIF") + ": " + e.what(), {path});
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Residues

std::string chain_label(const std::string& name) { return name.empty() ? "blank chain" : "chain " + name; }

std::string residue_label(const gemmi::Residue& residue) { return residue.name + " " + residue.seqid.str(); }

// The atom named CA, whatever its element column says. In an amino-acid residue an atom named
// CA is the Cα (calcium ions are residues of their own).
const gemmi::Atom* alpha_carbon(const gemmi::Residue& residue) { return residue.find_atom("CA", '*'); }

double mean_occupancy(const gemmi::Residue& residue, char altloc) {
  double sum = 0;
  int atoms = 0;
  for (const gemmi::Atom& atom : residue.atoms) {
    if (atom.altloc != altloc) continue;
    sum += atom.occ;
    ++atoms;
  }
  return atoms ? sum / atoms : 0.0;
}

// Alternative locations: the one with the highest mean occupancy (the first on a tie) stays,
// with the atoms that have none.
void keep_one_altloc(gemmi::Residue& residue) {
  char best = '\0';
  double best_occupancy = -1;
  for (const gemmi::Atom& atom : residue.atoms) {
    if (atom.altloc == '\0' || atom.altloc == best) continue;
    double occupancy = mean_occupancy(residue, atom.altloc);
    if (occupancy > best_occupancy) {
      best = atom.altloc;
      best_occupancy = occupancy;
    }
  }
  if (best == '\0') return;
  gemmi::vector_remove_if(residue.atoms, [best](const gemmi::Atom& a) { return a.altloc != '\0' && a.altloc != best; });
  for (gemmi::Atom& atom : residue.atoms) atom.altloc = '\0';
}

double mean_occupancy(const gemmi::Residue& residue) {
  double sum = 0;
  for (const gemmi::Atom& atom : residue.atoms) sum += atom.occ;
  return residue.atoms.empty() ? 0.0 : sum / static_cast<double>(residue.atoms.size());
}

// One conformer per position: within a residue the best alternative location, and where two
// residue types share a number (microheterogeneity, listed one after the other) the one with
// the higher occupancy.
void keep_highest_occupancy_conformer(gemmi::Model& model, std::vector<std::string>& notes) {
  for (gemmi::Chain& chain : model.chains) {
    for (gemmi::Residue& residue : chain.residues) keep_one_altloc(residue);
    auto& residues = chain.residues;
    for (std::size_t k = 1; k < residues.size();) {
      if (residues[k].seqid != residues[k - 1].seqid) {
        ++k;
        continue;
      }
      const bool keep_later = mean_occupancy(residues[k]) > mean_occupancy(residues[k - 1]);
      const gemmi::Residue& kept = residues[keep_later ? k : k - 1];
      const gemmi::Residue& dropped = residues[keep_later ? k - 1 : k];
      notes.push_back(chain_label(chain.name) + ": " + residue_label(dropped) + " shares its number with " + kept.name +
                      "; kept " + kept.name + " (higher occupancy)");
      residues.erase(residues.begin() + static_cast<std::ptrdiff_t>(keep_later ? k - 1 : k));
    }
  }
}

// Residues that may belong to a chain's sequence: those gemmi marked as polymer, those it could
// not classify, and every ATOM record. gemmi 0.5's own polymer heuristic needs TER records or
// mmCIF entities: without them it rejects chains that start with a cap (ACE in 3ldh_A of
// theseus-examples) or hold more waters than residues (1a5z_A), so we do not use it for
// unclassified residues; and it marks as non-polymer every part of a chain that follows the
// chain's TER record, although files that split a chain around another one put ATOM records there.
bool may_be_sequence(const gemmi::Residue& residue) {
  return residue.entity_type == gemmi::EntityType::Polymer || residue.entity_type == gemmi::EntityType::Unknown ||
         residue.het_flag == 'A';
}

char letter_of_amino_acid(const gemmi::ResidueInfo& info) {
  char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(info.one_letter_code)));
  return corpus::is_residue_letter(letter) ? letter : 'X';
}

// Amino acids take their (parent's) letter from gemmi's table: standard ones are upper case
// there, modified ones lower case (MSE 'm' → M). Residues gemmi does not know count as X when
// they have a CA. Not residues: tabulated non-amino acids (ACE/NH2 caps, ligands, waters) and,
// outside a known polymer, standard amino acids written as HETATM (free amino acids, as gemmi
// assumes too).
std::optional<char> residue_letter(const gemmi::Residue& residue, const gemmi::ResidueInfo& info) {
  if (!info.found()) return alpha_carbon(residue) ? std::optional<char>('X') : std::nullopt;
  if (!info.is_amino_acid()) return std::nullopt;
  if (info.is_standard() && residue.het_flag == 'H' && residue.entity_type != gemmi::EntityType::Polymer) {
    return std::nullopt;
  }
  return letter_of_amino_acid(info);
}

// A residue of a full sequence (SEQRES, entity_poly_seq): amino acids as above, unknown codes
// as X; caps and other non-amino acids are not part of the protein sequence.
std::optional<char> full_sequence_letter(const std::string& code) {
  gemmi::ResidueInfo info = gemmi::find_tabulated_residue(gemmi::Entity::first_mon(code));
  if (!info.found()) return 'X';
  if (!info.is_amino_acid()) return std::nullopt;
  return letter_of_amino_acid(info);
}

struct ObservedResidue {
  const gemmi::Residue* residue;
  char letter;
};

struct ProteinChain {
  const gemmi::Chain* chain;
  std::vector<ObservedResidue> residues;  // in chain order
};

// The amino acids of a chain; none when the chain is not a protein (amino acids must outnumber
// nucleotides).
std::vector<ObservedResidue> observed_residues(const gemmi::Chain& chain) {
  std::vector<ObservedResidue> observed;
  std::size_t nucleotides = 0;
  for (const gemmi::Residue& residue : chain.residues) {
    if (!may_be_sequence(residue)) continue;
    gemmi::ResidueInfo info = gemmi::find_tabulated_residue(residue.name);
    nucleotides += info.is_nucleic_acid();
    if (std::optional<char> letter = residue_letter(residue, info)) observed.push_back({&residue, *letter});
  }
  if (observed.size() <= nucleotides) observed.clear();
  return observed;
}

// Files list a chain's ligands and waters after all chains, and some split a chain's residues
// around another chain: each name becomes one chain, its parts in file order.
void join_chain_parts(gemmi::Model& model, std::vector<std::string>& notes) {
  std::map<std::string, int> protein_parts;
  for (const gemmi::Chain& chain : model.chains) {
    if (!observed_residues(chain).empty()) ++protein_parts[chain.name];
  }
  for (const auto& [name, parts] : protein_parts) {
    if (parts > 1) {
      notes.push_back(chain_label(name) + ": amino acids in " + std::to_string(parts) +
                      " separate parts of the file; joined in file order");
    }
  }
  model.merge_chain_parts();
}

std::vector<ProteinChain> protein_chains(const gemmi::Model& model) {
  std::vector<ProteinChain> chains;
  for (const gemmi::Chain& chain : model.chains) {
    std::vector<ObservedResidue> residues = observed_residues(chain);
    if (!residues.empty()) chains.push_back({&chain, std::move(residues)});
  }
  return chains;
}

std::vector<const ProteinChain*> select_chains(const std::vector<ProteinChain>& chains,
                                               const std::vector<std::string>& wanted, const std::string& path,
                                               std::vector<std::string>& notes) {
  std::vector<const ProteinChain*> selected;
  if (wanted.empty()) {
    for (const ProteinChain& chain : chains) selected.push_back(&chain);
    return selected;
  }
  std::string asked;
  for (const std::string& name : wanted) {
    asked += (asked.empty() ? "" : ", ") + ("'" + name + "'");
    auto found =
        std::find_if(chains.begin(), chains.end(), [&](const ProteinChain& c) { return c.chain->name == name; });
    if (found == chains.end()) {
      notes.push_back(chain_label(name) + ": asked for, but not a protein chain of the first model");
    } else if (std::find(selected.begin(), selected.end(), &*found) == selected.end()) {
      selected.push_back(&*found);
    }
  }
  require(!selected.empty(), "none of the chains asked for (" + asked + ") is a protein chain of the first model",
          {path});
  return selected;
}

// ---------------------------------------------------------------------------------------------
// The sequence

// The observed residues placed in the chain's sequence.
struct Placement {
  std::string sequence;
  std::vector<std::size_t> positions;  // of each observed residue, in order
};

Placement observed_only(const ProteinChain& chain) {
  Placement placement;
  for (const ObservedResidue& observed : chain.residues) {
    placement.positions.push_back(placement.sequence.size());
    placement.sequence.push_back(observed.letter);
  }
  return placement;
}

// PDB: SEQRES of the chain's name. mmCIF: the entity of the chain's polymer.
const gemmi::Entity* full_sequence_entity(const gemmi::Structure& structure, gemmi::CoorFormat format,
                                          const ProteinChain& chain) {
  const gemmi::Entity* entity =
      format == gemmi::CoorFormat::Pdb
          ? structure.get_entity(chain.chain->name)
          : gemmi::find_entity_of_subchain(chain.residues.front().residue->subchain, structure.entities);
  return entity && !entity->full_sequence.empty() ? entity : nullptr;
}

// mmCIF label_seq_id, when every observed residue has one that points at an amino acid of the
// full sequence, in increasing order.
std::optional<std::vector<std::size_t>> positions_from_label_seq(const ProteinChain& chain,
                                                                 const std::vector<long>& letter_index) {
  std::vector<std::size_t> positions;
  for (const ObservedResidue& observed : chain.residues) {
    const gemmi::SeqId::OptionalNum& label = observed.residue->label_seq;
    if (!label || *label < 1 || static_cast<std::size_t>(*label) > letter_index.size()) return std::nullopt;
    const long at = letter_index[static_cast<std::size_t>(*label - 1)];
    if (at < 0 || (!positions.empty() && static_cast<std::size_t>(at) <= positions.back())) return std::nullopt;
    positions.push_back(static_cast<std::size_t>(at));
  }
  return positions;
}

// Global alignment of the observed residues to the full sequence (gemmi's, derived from ksw2),
// gap opening free where the chain is broken, so that the missing residues go where the
// coordinates have a gap. Nullopt when some observed residue finds no place.
std::optional<std::vector<std::size_t>> positions_from_alignment(const ProteinChain& chain, const std::string& full) {
  auto encode = [](char letter) { return static_cast<std::uint8_t>(letter - 'A'); };
  std::vector<std::uint8_t> query, target;
  for (char letter : full) query.push_back(encode(letter));
  std::vector<bool> free_gap_opening{true};
  for (std::size_t j = 0; j < chain.residues.size(); ++j) {
    target.push_back(encode(chain.residues[j].letter));
    if (j > 0) {
      free_gap_opening.push_back(!gemmi::are_connected3(*chain.residues[j - 1].residue, *chain.residues[j].residue,
                                                        gemmi::PolymerType::PeptideL));
    }
  }
  gemmi::AlignmentResult alignment =
      gemmi::align_sequences(query, target, free_gap_opening, 26, gemmi::AlignmentScoring());
  std::vector<std::size_t> positions;
  std::size_t in_full = 0;
  for (gemmi::AlignmentResult::Item item : alignment.cigar) {
    switch (item.op()) {
      case 'M':
        for (std::uint32_t k = 0; k < item.len(); ++k) positions.push_back(in_full++);
        break;
      case 'I':  // in the full sequence only: residues without coordinates
        in_full += item.len();
        break;
      default:  // 'D': observed residues the full sequence does not hold
        return std::nullopt;
    }
  }
  return positions;
}

// The full sequence with the observed residues in it, or the observed residues alone (with a
// note saying why) when there is no full sequence or it does not fit them.
Placement place_in_sequence(const gemmi::Structure& structure, gemmi::CoorFormat format, const ProteinChain& chain,
                            std::vector<std::string>& notes) {
  const std::string label = chain_label(chain.chain->name);
  const gemmi::Entity* entity = full_sequence_entity(structure, format, chain);
  if (!entity) {
    // A jump across a break in the backbone is residues missing from the sequence; across a
    // continuous backbone, only the numbering scheme (LDH and trypsin numbering skip numbers).
    std::vector<std::string> jumps;
    for (std::size_t j = 1; j < chain.residues.size(); ++j) {
      const gemmi::Residue& before = *chain.residues[j - 1].residue;
      const gemmi::Residue& after = *chain.residues[j].residue;
      const int step = *after.seqid.num - *before.seqid.num;
      if (step > 1 || step < 0) {
        const bool broken = !gemmi::are_connected3(before, after, gemmi::PolymerType::PeptideL);
        jumps.push_back(before.seqid.str() + "->" + after.seqid.str() + (broken ? " (chain break)" : ""));
      }
    }
    if (!jumps.empty()) {
      std::string listed;
      for (std::size_t k = 0; k < jumps.size() && k < 10; ++k) listed += (k ? ", " : "") + jumps[k];
      if (jumps.size() > 10) listed += " and " + std::to_string(jumps.size() - 10) + " more";
      notes.push_back(label + ": no full sequence in the file; residue numbering jumps at " + listed +
                      "; residues missing at a chain break are not in the sequence");
    }
    return observed_only(chain);
  }

  std::string full;
  std::vector<long> letter_index;  // entry of the full sequence → position in `full`, −1 if not a residue
  for (const std::string& code : entity->full_sequence) {
    std::optional<char> letter = full_sequence_letter(code);
    letter_index.push_back(letter ? static_cast<long>(full.size()) : -1);
    if (letter) full.push_back(*letter);
  }
  std::optional<std::vector<std::size_t>> positions = positions_from_label_seq(chain, letter_index);
  if (!positions) positions = positions_from_alignment(chain, full);
  if (!positions) {
    notes.push_back(label + ": the full sequence (" + std::to_string(full.size()) +
                    " residues) does not hold the observed residues in order; sequence from the coordinates");
    return observed_only(chain);
  }
  std::size_t differ = 0;
  for (std::size_t j = 0; j < chain.residues.size(); ++j) differ += full[(*positions)[j]] != chain.residues[j].letter;
  // An alignment that matches fewer than 9 in 10 residues placed them by force, not by identity.
  if (differ * 10 > chain.residues.size()) {
    notes.push_back(label + ": " + std::to_string(differ) + " of " + std::to_string(chain.residues.size()) +
                    " observed residues differ from the full sequence; sequence from the coordinates");
    return observed_only(chain);
  }
  Placement placement{full, *positions};
  for (std::size_t j = 0; j < chain.residues.size(); ++j)
    placement.sequence[placement.positions[j]] = chain.residues[j].letter;
  if (differ > 0) {
    notes.push_back(label + ": " + std::to_string(differ) +
                    " observed residues differ from the full sequence; the observed residue types are kept");
  }
  return placement;
}

// ---------------------------------------------------------------------------------------------
// Labels

std::optional<Point> position_of(const gemmi::Residue& residue, const char* atom_name) {
  const gemmi::Atom* atom = residue.find_atom(atom_name, '*');
  if (!atom) return std::nullopt;
  return Point{atom->pos.x, atom->pos.y, atom->pos.z};
}

// DSSP of every protein chain together (sheets pair strands across chains): per chain, one
// state per observed residue, '\0' where the backbone is incomplete and DSSP leaves it out.
std::vector<std::string> secondary_structure(const std::vector<ProteinChain>& chains) {
  std::vector<BackboneResidue> backbone;
  for (const ProteinChain& chain : chains) {
    for (const ObservedResidue& observed : chain.residues) {
      const gemmi::Residue& residue = *observed.residue;
      backbone.push_back({chain.chain->name, *residue.seqid.num, residue.seqid.icode, observed.letter,
                          position_of(residue, "N"), position_of(residue, "CA"), position_of(residue, "C"),
                          position_of(residue, "O")});
    }
  }
  const std::string states = assign_secondary_structure(backbone);
  std::vector<std::string> per_chain;
  std::size_t k = 0;
  for (const ProteinChain& chain : chains) {
    std::string chain_states;
    for (std::size_t j = 0; j < chain.residues.size(); ++j, ++k) {
      const BackboneResidue& r = backbone[k];
      chain_states.push_back(r.n && r.ca && r.c && r.o ? states.at(k) : '\0');
    }
    per_chain.push_back(std::move(chain_states));
  }
  return per_chain;
}

std::string format_distance(double angstrom) {
  std::ostringstream text;
  text << angstrom;
  return text.str();
}

std::vector<corpus::LabelSchema> label_schemas(const StructureOptions& options) {
  corpus::LabelSchema ss4 = corpus::ss4_schema();
  ss4.description =
      "DSSP 8-state (bertology's own, as mkdssp 4) in 4 classes: helix H G I, strand E B, turn/bend T S, coil the "
      "rest; -1 for residues without coordinates or without all of N, CA, C, O";
  std::vector<corpus::LabelSchema> schemas{ss4};
  const bool ligands =
      options.binding_sites == BindingSiteSource::ligands || options.binding_sites == BindingSiteSource::both;
  const bool annotated =
      options.binding_sites == BindingSiteSource::annotated || options.binding_sites == BindingSiteSource::both;
  if (ligands) {
    corpus::LabelSchema schema = corpus::binding_site_schema();
    schema.name = kLigandSiteLabel;
    schema.description = "ligand proximity: a heavy atom within " + format_distance(options.ligand_distance) +
                         " angstrom of a heavy atom of a ligand in the structure; waters, crystallisation additives, " +
                         (options.include_ions ? "" : "ions, ") + "chain caps are not ligands (het_groups.h)";
    schemas.push_back(schema);
  }
  if (annotated) {
    corpus::LabelSchema schema = corpus::binding_site_schema();
    schema.name = kAnnotatedSiteLabel;
    schema.description =
        "listed in the file's site annotation (PDB SITE records, mmCIF _struct_site_gen); -1 where the file has none";
    schemas.push_back(schema);
  }
  return schemas;
}

void note_left_out_het_groups(const std::map<std::string, int>& left_out, std::vector<std::string>& notes) {
  if (left_out.empty()) return;
  std::string listed;
  for (const auto& [group, count] : left_out) {
    listed += (listed.empty() ? "" : ", ") + group + (count > 1 ? " x" + std::to_string(count) : "");
  }
  notes.push_back(std::string(kLigandSiteLabel) + ": not taken as ligands: " + listed);
}

void note_residues_read_as_x(const ProteinChain& chain, std::vector<std::string>& notes) {
  std::map<std::string, int> unknown;
  for (const ObservedResidue& observed : chain.residues) {
    if (observed.letter == 'X') ++unknown[observed.residue->name];
  }
  if (unknown.empty()) return;
  std::string listed;
  for (const auto& [name, count] : unknown)
    listed += (listed.empty() ? "" : ", ") + name + " x" + std::to_string(count);
  notes.push_back(chain_label(chain.chain->name) + ": residues read as X: " + listed);
}

bool has_atoms(const gemmi::Model& model) {
  for (const gemmi::Chain& chain : model.chains)
    for (const gemmi::Residue& residue : chain.residues)
      if (!residue.atoms.empty()) return true;
  return false;
}

}  // namespace

corpus::Dataset read_structure(const std::string& path, const StructureOptions& options) {
  require(std::isfinite(options.ligand_distance) && options.ligand_distance > 0,
          "the ligand distance must be a positive number of angstroms", {path});
  corpus::Dataset dataset;
  std::vector<std::string>& notes = dataset.notes;
  ParsedFile parsed = parse_file(path, options, notes);
  gemmi::Structure& structure = parsed.structure;
  require(!structure.models.empty() && has_atoms(structure.models.front()),
          "no coordinates (no ATOM or HETATM records in the first model)", {path});
  if (structure.models.size() > 1) {
    notes.push_back(std::to_string(structure.models.size()) + " models; only the first is read");
  }
  gemmi::Model& model = structure.models.front();
  join_chain_parts(model, notes);
  keep_highest_occupancy_conformer(model, notes);

  const std::vector<ProteinChain> chains = protein_chains(model);
  require(!chains.empty(), "no protein chain in the first model", {path});
  const std::vector<const ProteinChain*> selected = select_chains(chains, options.chains, path, notes);
  dataset.schemas = label_schemas(options);

  const std::vector<std::string> states = secondary_structure(chains);
  const bool ligands =
      options.binding_sites == BindingSiteSource::ligands || options.binding_sites == BindingSiteSource::both;
  const bool annotated =
      options.binding_sites == BindingSiteSource::annotated || options.binding_sites == BindingSiteSource::both;
  std::set<const gemmi::Residue*> near_ligand;
  if (ligands) {
    std::set<const gemmi::Residue*> protein;
    for (const ProteinChain& chain : chains)
      for (const ObservedResidue& observed : chain.residues) protein.insert(observed.residue);
    std::map<std::string, int> left_out;
    near_ligand =
        detail::residues_near_ligands(model, protein, options.ligand_distance, options.include_ions, left_out);
    note_left_out_het_groups(left_out, notes);
  }

  const std::string stem = structure_stem(path);
  for (const ProteinChain* chain : selected) {
    const gemmi::Chain& source = *chain->chain;
    const std::string& chain_states = states[static_cast<std::size_t>(chain - chains.data())];
    Placement placement = place_in_sequence(structure, parsed.format, *chain, notes);
    note_residues_read_as_x(*chain, notes);

    corpus::Record record;
    record.id = source.name.empty() ? stem : stem + "_" + source.name;
    record.source = path;
    record.chain = source.name;
    record.sequence = placement.sequence;
    const std::size_t n = record.sequence.size();
    record.ca.assign(n, {});
    record.ca_mask.assign(n, 0);
    record.cb.assign(n, {});
    record.cb_mask.assign(n, 0);
    std::vector<std::int8_t> ss4(n, corpus::kUnknownLabel), by_ligand(n, corpus::kUnknownLabel),
        by_annotation(n, corpus::kUnknownLabel);
    for (std::size_t j = 0; j < chain->residues.size(); ++j) {
      const ObservedResidue& observed = chain->residues[j];
      const std::size_t at = placement.positions[j];
      if (std::optional<Point> ca = position_of(*observed.residue, "CA")) {
        record.ca[at] = *ca;
        record.ca_mask[at] = 1;
      }
      if (std::optional<Point> cb = position_of(*observed.residue, observed.letter == 'G' ? "CA" : "CB")) {
        record.cb[at] = *cb;
        record.cb_mask[at] = 1;
      }
      if (chain_states[j] != '\0') ss4[at] = corpus::ss4_class_from_dssp(chain_states[j]);
      by_ligand[at] = near_ligand.count(observed.residue) ? 1 : 0;
      if (parsed.sites) by_annotation[at] = parsed.sites->count(detail::residue_key(source, *observed.residue)) ? 1 : 0;
    }
    record.labels[corpus::ss4_schema().name] = std::move(ss4);
    if (ligands) record.labels[kLigandSiteLabel] = std::move(by_ligand);
    if (annotated) record.labels[kAnnotatedSiteLabel] = std::move(by_annotation);
    dataset.records.push_back(std::move(record));
  }
  return dataset;
}

std::vector<ChainSecondaryStructure> read_secondary_structure(const std::string& path,
                                                              const StructureOptions& options) {
  std::vector<std::string> notes;
  ParsedFile parsed = parse_file(path, options, notes);
  gemmi::Structure& structure = parsed.structure;
  require(!structure.models.empty() && has_atoms(structure.models.front()),
          "no coordinates (no ATOM or HETATM records in the first model)", {path});
  gemmi::Model& model = structure.models.front();
  join_chain_parts(model, notes);
  keep_highest_occupancy_conformer(model, notes);
  const std::vector<ProteinChain> chains = protein_chains(model);
  require(!chains.empty(), "no protein chain in the first model", {path});
  const std::vector<std::string> states = secondary_structure(chains);
  std::vector<ChainSecondaryStructure> result;
  for (std::size_t c = 0; c < chains.size(); ++c) {
    ChainSecondaryStructure chain;
    chain.chain = chains[c].chain->name;
    for (std::size_t k = 0; k < chains[c].residues.size(); ++k) {
      const ObservedResidue& observed = chains[c].residues[k];
      chain.residues.push_back(observed.letter);
      chain.states.push_back(states[c][k] == '\0' ? ' ' : states[c][k]);
      chain.numbers.push_back(observed.residue->seqid.str());
    }
    result.push_back(std::move(chain));
  }
  return result;
}

corpus::Dataset read_input(const std::string& path, corpus::Format format, const corpus::ReadOptions& options,
                           StructureOptions structure) {
  if (format == corpus::Format::pdb || format == corpus::Format::mmcif) {
    structure.format = format;
    return read_structure(path, structure);
  }
  return corpus::read_file(path, format, options);
}

}  // namespace bertology::structure
