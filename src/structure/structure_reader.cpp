// PDB/mmCIF → Records with gemmi 0.5 (header-only). The file is decompressed here with zlib,
// not by gemmi: gemmi sizes its buffer from the gzip trailer and stops quietly at a truncated
// stream, and we want a truncated download to be an error.
#include "bertology/structure/structure_reader.h"

#include <zlib.h>

#include <cctype>
#include <filesystem>
#include <memory>

#include <gemmi/mmread.hpp>
#include <gemmi/resinfo.hpp>

#include "bertology/error.h"

namespace bertology::structure {

namespace {

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

gemmi::CoorFormat coordinate_format(const std::string& path, const std::string& text,
                                    const StructureOptions& options) {
  if (options.format) {
    require(*options.format == corpus::Format::pdb || *options.format == corpus::Format::mmcif,
            "read_structure reads pdb or mmcif, not " + corpus::format_name(*options.format), {path});
    return *options.format == corpus::Format::pdb ? gemmi::CoorFormat::Pdb : gemmi::CoorFormat::Mmcif;
  }
  std::string name = lower(std::filesystem::path(path).filename().string());
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  gemmi::CoorFormat format = gemmi::coor_format_from_ext(name);
  if (format == gemmi::CoorFormat::Unknown) format = gemmi::coor_format_from_content(text.data(), text.data() + text.size());
  require(format == gemmi::CoorFormat::Pdb || format == gemmi::CoorFormat::Mmcif,
          "not a PDB or mmCIF file (by extension and content)", {path});
  return format;
}

// Columns 79-80 of ATOM/HETATM hold the charge ("2+"). ASTRAL/SCOP files put a serial number
// across columns 73-80 ("1CIH 206"), which gemmi rejects as a charge. We never use charges,
// so anything that is not one is blanked before parsing.
void blank_non_charges(std::string& text) {
  auto is_sign = [](char c) { return c == '+' || c == '-'; };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::size_t length = end - start;
    if (length >= 80 && (text.compare(start, 6, "ATOM  ") == 0 || text.compare(start, 6, "HETATM") == 0)) {
      char& first = text[start + 78];
      char& second = text[start + 79];
      bool blank = first == ' ' && second == ' ';
      bool charge = (is_digit(first) && is_sign(second)) || (is_sign(first) && is_digit(second));
      if (!blank && !charge) first = second = ' ';
    }
    start = end + 1;
  }
}

gemmi::Structure parse_structure(const std::string& path, const StructureOptions& options) {
  std::string text = read_text(path);
  require(!text.empty(), "empty file", {path});
  gemmi::CoorFormat format = coordinate_format(path, text, options);
  if (format == gemmi::CoorFormat::Pdb) blank_non_charges(text);
  try {
    if (format == gemmi::CoorFormat::Pdb) return gemmi::read_pdb_from_memory(text.data(), text.size(), path);
    return gemmi::make_structure(gemmi::cif::read_memory(text.data(), text.size(), path.c_str()));
  } catch (const std::exception& e) {
    throw Error(std::string("cannot parse ") + (format == gemmi::CoorFormat::Pdb ? "PDB" : "mmCIF") + ": " +
                    e.what(),
                {path});
  }
}

// The atom named CA, whatever its element column says: some files fill columns 73-80 with
// their own serial numbers ("00572C21" in the theseus trypsins), which reads as element "2C".
// In an amino-acid residue an atom named CA is the Cα (calcium ions are residues of their own).
const gemmi::Atom* alpha_carbon(const gemmi::Residue& residue) { return residue.find_atom("CA", '*'); }

// Residues that may belong to a chain's sequence: those gemmi marked as polymer, and those it
// could not classify. gemmi 0.5's own polymer heuristic needs TER records or mmCIF entities:
// without them it rejects chains that start with a cap (ACE in 3ldh_A of theseus-examples) or
// hold more waters than residues (1a5z_A), so we do not use it for unclassified residues.
bool may_be_sequence(const gemmi::Residue& residue) {
  return residue.entity_type == gemmi::EntityType::Polymer || residue.entity_type == gemmi::EntityType::Unknown;
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
  char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(info.one_letter_code)));
  return corpus::is_residue_letter(letter) ? letter : 'X';
}

// A protein chain has amino acids, more of them than nucleotides.
std::optional<corpus::Record> chain_record(const gemmi::Chain& chain, const std::string& stem) {
  corpus::Record record;
  record.id = chain.name.empty() ? stem : stem + "_" + chain.name;
  std::size_t nucleotides = 0;
  for (const gemmi::Residue& residue : chain.first_conformer()) {
    if (!may_be_sequence(residue)) continue;
    gemmi::ResidueInfo info = gemmi::find_tabulated_residue(residue.name);
    nucleotides += info.is_nucleic_acid();
    std::optional<char> letter = residue_letter(residue, info);
    if (!letter) continue;
    record.sequence.push_back(*letter);
    const gemmi::Atom* ca = alpha_carbon(residue);
    record.ca.push_back(ca ? std::array<double, 3>{ca->pos.x, ca->pos.y, ca->pos.z} : std::array<double, 3>{});
    record.ca_mask.push_back(ca ? 1 : 0);
  }
  if (record.sequence.empty() || record.sequence.size() <= nucleotides) return std::nullopt;
  return record;
}

}  // namespace

corpus::Dataset read_structure(const std::string& path, const StructureOptions& options) {
  gemmi::Structure structure = parse_structure(path, options);
  require(!structure.models.empty(), "no model in the structure", {path});

  const std::string stem = structure_stem(path);
  corpus::Dataset dataset;
  for (const gemmi::Chain& chain : structure.models.front().chains) {
    std::optional<corpus::Record> record = chain_record(chain, stem);
    if (!record) continue;
    for (const corpus::Record& earlier : dataset.records) {
      require(earlier.id != record->id, "two protein chains named '" + chain.name + "' in the first model",
              {path, record->id});
    }
    dataset.records.push_back(std::move(*record));
  }
  require(!dataset.records.empty(), "no protein chain in the first model", {path});
  return dataset;
}

corpus::Dataset read_input(const std::string& path, corpus::Format format, const corpus::ReadOptions& options) {
  if (format == corpus::Format::pdb || format == corpus::Format::mmcif) {
    return read_structure(path, StructureOptions{format});
  }
  return corpus::read_file(path, format, options);
}

}  // namespace bertology::structure
