#include <gtest/gtest.h>

#include "bertology/corpus/readers.h"
#include "scratch_files.h"
#include "test_paths.h"

namespace bertology::corpus {
namespace {

using testing::error_from;
using testing::ScratchDir;

TEST(Formats, NamesRoundTrip) {
  for (Format format :
       {Format::fasta, Format::proteinnet, Format::provis, Format::netsurfp, Format::pdb, Format::mmcif}) {
    EXPECT_EQ(parse_format(format_name(format)), format);
  }
  EXPECT_EQ(parse_format("FASTA"), Format::fasta);
  Error error = error_from([] { parse_format("genbank"); });
  EXPECT_TRUE(testing::contains(error.what(), "'genbank'")) << error.what();
  EXPECT_TRUE(testing::contains(error.what(), "fasta, proteinnet, provis, netsurfp, pdb, mmcif")) << error.what();
}

TEST(Formats, GuessedFromTheExtension) {
  ScratchDir dir;
  const std::vector<std::pair<std::string, Format>> cases{
      {"a.fasta", Format::fasta}, {"a.FA", Format::fasta},       {"a.faa", Format::fasta},
      {"a.fas", Format::fasta},   {"a.jsonl", Format::provis},   {"a.csv", Format::netsurfp},
      {"a.pdb", Format::pdb},     {"a.ent.gz", Format::pdb},     {"a.pdb.gz", Format::pdb},
      {"a.cif", Format::mmcif},   {"a.mmcif.gz", Format::mmcif}, {"a.CIF.GZ", Format::mmcif}};
  for (const auto& [name, format] : cases) {
    // The content says FASTA; the extension wins.
    EXPECT_EQ(guess_format(dir.write(name, ">x\nMK\n")), format) << name;
  }
}

TEST(Formats, GuessedFromTheFirstLine) {
  ScratchDir dir;
  const std::vector<std::pair<std::string, Format>> cases{
      {"\n\n[ID]\nT0285\n", Format::proteinnet},
      {">x\nMK\n", Format::fasta},
      {"{\"id\": \"x\"}\n", Format::provis},
      {"input, dssp3, dssp8\n", Format::netsurfp},
      {"HEADER    ISOMERASE\n", Format::pdb},
      {"ATOM      1  N   ALA A   1      11.081   1.847   9.557  1.00 64.40           N\n", Format::pdb},
      {"REMARK  99\n", Format::pdb},
      {"data_1ABC\n#\n", Format::mmcif}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(guess_format(dir.write("input" + std::to_string(i), cases[i].first)), cases[i].second) << cases[i].first;
  }
}

TEST(Formats, UnknownFormatsNameTheFileAndTheChoices) {
  ScratchDir dir;
  const std::string unknown = dir.write("notes.txt", "some notes\n");
  Error error = error_from([&] { guess_format(unknown); });
  EXPECT_EQ(error.context().file, unknown);
  EXPECT_TRUE(testing::contains(error.what(), "--format")) << error.what();
  EXPECT_TRUE(testing::contains(error.what(), "fasta, proteinnet, provis")) << error.what();

  const std::string gzipped = dir.write("sites.jsonl.gz", "\x1f\x8b");
  EXPECT_ERROR_AT(error_from([&] { guess_format(gzipped); }), gzipped, "", 0, "PDB/mmCIF and FASTA only");
  EXPECT_EQ(guess_format(dir.write("seqs.fasta.gz", "\x1f\x8b")), Format::fasta);

  const std::string missing = dir.path("missing.fasta");
  EXPECT_ERROR_AT(error_from([&] { guess_format(missing); }), missing, "", 0, "no such file");
}

TEST(Formats, ReadFileDispatchesTextFormats) {
  ScratchDir dir;
  const std::string fasta = dir.write("x", ">x\nMK\n");
  EXPECT_EQ(read_file(fasta, Format::fasta, {}).records.at(0).sequence, "MK");
  const std::string jsonl = dir.write("y", R"({"id": "y", "primary": "MK", "positions": [1, 2], "sites": [1]})");
  EXPECT_EQ(read_file(jsonl, Format::provis, ReadOptions{"ptm"}).schemas.at(0).name, "ptm");
  const std::string pdb = dir.write("z.pdb", "ATOM\n");
  Error error = error_from([&] { read_file(pdb, Format::pdb, {}); });
  EXPECT_EQ(error.context().file, pdb);
  EXPECT_TRUE(testing::contains(error.what(), "structure::read_structure")) << error.what();
}

TEST(Formats, SharedDataFilesAreRecognised) {
  BERTOLOGY_REQUIRE_SHARED_DATA();
  EXPECT_EQ(guess_format(testing::shared_data("proteinnet/casp7_sample.txt")), Format::proteinnet);
  EXPECT_EQ(guess_format(testing::shared_data("provis/binding_site_valid.jsonl")), Format::provis);
  EXPECT_EQ(guess_format(testing::shared_data("netsurfp/CB513_HHblits.csv")), Format::netsurfp);
  EXPECT_EQ(guess_format(testing::shared_data("structures/scope_domains/1tim.pdb.gz")), Format::pdb);
}

}  // namespace
}  // namespace bertology::corpus
