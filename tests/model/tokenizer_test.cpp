// Residues to token ids: the word vocabularies (TAPE, ProtBert, ESM-2) checked against the
// checkpoints' vocab.txt, and the sentencepiece tokenizers of ProtAlbert and ProtXLNet with
// sentencepiece models trained here (the real spiece.model files are not public test data).
#include "tokenizer.h"

#include <filesystem>

#include "bertology/model/model.h"
#include "golden_data.h"
#include "model_test_support.h"
#include "sentencepiece.h"

namespace bertology::model {
namespace {

using testing::expect_error_mentioning;
using testing::golden_folder;

class Tokenizers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tape_ = load_model({golden_folder("tape_bert"), std::nullopt, {}, 1}).release();
    prot_ = load_model({golden_folder("prot_bert"), std::nullopt, {}, 1}).release();
    esm_ = load_model({golden_folder("esm2"), std::nullopt, {}, 1}).release();
  }
  static void TearDownTestSuite() {
    delete tape_;
    delete prot_;
    delete esm_;
  }
  static Model* tape_;
  static Model* prot_;
  static Model* esm_;
};
Model* Tokenizers::tape_ = nullptr;
Model* Tokenizers::prot_ = nullptr;
Model* Tokenizers::esm_ = nullptr;

// Ids as the vocab.txt files list them (line index).
TEST_F(Tokenizers, TapeKeepsTheRareLetters) {
  // <cls>=2 A=5 U=24 Z=29 O=18 B=6 X=27 <sep>=3
  EXPECT_EQ(tape_->tokenizer().encode("AUZOBX"), (std::vector<std::int64_t>{2, 5, 24, 29, 18, 6, 27, 3}));
  EXPECT_EQ(tape_->tokenizer().pad_id(), 0);
}

TEST_F(Tokenizers, ProtBertMapsRareLettersToX) {
  // [CLS]=2 A=6 X=25 [SEP]=3
  EXPECT_EQ(prot_->tokenizer().encode("AUZOBX"), (std::vector<std::int64_t>{2, 6, 25, 25, 25, 25, 25, 3}));
  EXPECT_EQ(prot_->tokenizer().pad_id(), 0);
}

TEST_F(Tokenizers, EsmKeepsTheRareLettersWithTheirOwnIds) {
  // <cls>=0 A=5 U=26 Z=27 O=28 B=25 X=24 <eos>=2, <pad>=1
  EXPECT_EQ(esm_->tokenizer().encode("AUZOBX"), (std::vector<std::int64_t>{0, 5, 26, 27, 28, 25, 24, 2}));
  EXPECT_EQ(esm_->tokenizer().pad_id(), 1);
}

TEST_F(Tokenizers, EmptySequenceIsJustTheSpecialTokens) {
  EXPECT_EQ(prot_->tokenizer().encode(""), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(Tokenizers, LettersWithoutATokenAreErrors) {
  for (Model* model : {tape_, prot_, esm_}) {
    expect_error_mentioning([&] { model->tokenizer().encode("MK*"); }, {"'*'", "position 3", "vocab.txt"});
    expect_error_mentioning([&] { model->tokenizer().encode("1MK"); }, {"'1'", "position 1"});
    expect_error_mentioning([&] { model->tokenizer().encode("MKa"); }, {"'a'", "position 3"});
    expect_error_mentioning([&] { model->tokenizer().encode("MJ"); }, {"'J'", "position 2"});
  }
}

TEST(Tokenizer, VocabularyWithoutSpecialTokensIsAnError) {
  testing::ScratchFolder scratch;
  const auto folder = testing::copy_golden("prot_bert", scratch);
  auto vocabulary = testing::read_bytes(folder + "/vocab.txt");
  vocabulary.replace(vocabulary.find("[SEP]"), 5, "[XYZ]");
  testing::write_bytes(folder + "/vocab.txt", vocabulary);
  expect_error_mentioning([&] { load_model({folder, std::nullopt, {}, 1}); }, {"vocab.txt", "[SEP]"});
}

struct SpecialPieces {
  std::map<std::string, std::string> options;  // sentencepiece_trainer flags
  int count;
};

const SpecialPieces albert_specials{
    {{"pad_id", "0"}, {"unk_id", "1"}, {"bos_id", "-1"}, {"eos_id", "-1"}, {"control_symbols", "[CLS],[SEP],[MASK]"}},
    5};
const SpecialPieces xlnet_specials{{{"unk_id", "0"},
                                    {"bos_id", "1"},
                                    {"eos_id", "2"},
                                    {"pad_id", "-1"},
                                    {"control_symbols", "<cls>,<sep>,<pad>,<mask>,<eod>,<eop>"}},
                                   9};
const std::string letters_without_j = "ABCDEFGHIKLMNOPQRSTUVWXYZ";

// A sentencepiece model trained on spaced residue letters: the special pieces, then (as a word
// model) one piece "▁A" … per letter, in the order given, or (as a character model) "▁" and
// one piece per letter.
std::string residue_model(const SpecialPieces& specials, const std::string& letters, const std::string& type = "word") {
  auto options = specials.options;
  const int pieces = specials.count + int(letters.size()) + (type == "char" ? 1 : 0);
  options.insert({{"model_type", type},
                  {"vocab_size", std::to_string(pieces)},
                  {"normalization_rule_name", "identity"},
                  {"num_threads", "1"},
                  {"minloglevel", "2"}});
  std::vector<std::string> lines;
  for (std::size_t rank = 0; rank < letters.size(); ++rank) {  // decreasing counts: A most frequent
    std::string line;
    for (std::size_t count = rank; count < letters.size(); ++count) (line += letters[rank]) += ' ';
    lines.push_back(line);
  }
  return train_sentencepiece(options, lines);
}

// A golden ALBERT or XLNet folder with a spiece.model.
std::string folder_with_spiece(const std::string& architecture, const std::string& model,
                               const testing::ScratchFolder& scratch) {
  const auto folder = testing::copy_golden(architecture, scratch);
  testing::write_bytes(folder + "/spiece.model", model);
  return folder;
}

TEST(SentencePieceTokenizer, AlbertGivesOnePiecePerResidueBetweenClsAndSep) {
  testing::ScratchFolder scratch;
  const auto folder = folder_with_spiece("prot_albert", residue_model(albert_specials, letters_without_j), scratch);
  const SentencePieceModel pieces(folder + "/spiece.model");
  const auto id = [&](const std::string& piece) { return std::int64_t(pieces.id(piece).value()); };
  ASSERT_EQ(id("[CLS]"), 2);
  ASSERT_EQ(id("\u2581A"), 5);  // "▁A": the first letter piece follows the five specials

  auto model = load_model({folder, std::nullopt, {}, 1});
  // ProtAlbert was fed U, Z, O, B as X.
  EXPECT_EQ(model->tokenizer().encode("MKTUB"),
            (std::vector<std::int64_t>{id("[CLS]"), id("\u2581M"), id("\u2581K"), id("\u2581T"), id("\u2581X"),
                                       id("\u2581X"), id("[SEP]")}));
  EXPECT_EQ(model->tokenizer().pad_id(), id("<pad>"));
  EXPECT_EQ(model->tokenizer().encode(""), (std::vector<std::int64_t>{id("[CLS]"), id("[SEP]")}));
}

TEST(SentencePieceTokenizer, XLNetPutsSepAndClsAtTheEnd) {
  testing::ScratchFolder scratch;
  const auto folder = folder_with_spiece("prot_xlnet", residue_model(xlnet_specials, letters_without_j), scratch);
  const SentencePieceModel pieces(folder + "/spiece.model");
  const auto id = [&](const std::string& piece) { return std::int64_t(pieces.id(piece).value()); };
  auto model = load_model({folder, std::nullopt, {}, 1});
  EXPECT_EQ(model->info().leading_special_tokens, 0);
  EXPECT_EQ(model->info().trailing_special_tokens, 2);
  EXPECT_EQ(model->tokenizer().encode("AKZ"),
            (std::vector<std::int64_t>{id("\u2581A"), id("\u2581K"), id("\u2581X"), id("<sep>"), id("<cls>")}));
  EXPECT_EQ(model->tokenizer().pad_id(), id("<pad>"));
}

// make_model's spiece.model has the goldens' placeholder ids: through it, the tokenizer gives
// exactly the reference's input_ids.
TEST(SentencePieceTokenizer, ResidueModelReproducesTheGoldensInputIds) {
  for (auto architecture : {Architecture::prot_albert, Architecture::prot_xlnet}) {
    testing::ScratchFolder scratch;
    const std::string name = architecture_name(architecture);
    const auto folder = folder_with_spiece(name, train_residue_sentencepiece(architecture).serialized, scratch);
    auto model = load_model({folder, std::nullopt, {}, 1});
    for (const auto& golden : testing::read_expected(name)) {
      EXPECT_EQ(model->tokenizer().encode(golden.sequence), golden.input_ids) << name << " " << golden.sequence;
    }
  }
}

TEST(SentencePieceTokenizer, LettersWithoutAPieceAreErrors) {
  testing::ScratchFolder scratch;
  const auto folder = folder_with_spiece("prot_albert", residue_model(albert_specials, letters_without_j), scratch);
  auto model = load_model({folder, std::nullopt, {}, 1});
  expect_error_mentioning([&] { model->tokenizer().encode("MJK"); }, {"'J'", "position 2", "spiece.model"});
  expect_error_mentioning([&] { model->tokenizer().encode("MK*"); }, {"'*'", "position 3", "spiece.model"});
  expect_error_mentioning([&] { model->tokenizer().encode("M K"); }, {"' '", "position 2"});
  expect_error_mentioning([&] { model->tokenizer().encode("mk"); }, {"'m'", "position 1"});
}

// A character-level model splits "▁M" into "▁" and "M": two tokens for one residue.
TEST(SentencePieceTokenizer, ModelThatSplitsResiduesIsRefused) {
  testing::ScratchFolder scratch;
  const auto folder =
      folder_with_spiece("prot_albert", residue_model(albert_specials, letters_without_j, "char"), scratch);
  auto model = load_model({folder, std::nullopt, {}, 1});
  expect_error_mentioning([&] { model->tokenizer().encode("MKT"); },
                          {"spiece.model", "splits residue 'M' at position 1 into 2 pieces", "one token per residue"});
}

TEST(SentencePieceTokenizer, ModelWithoutTheLayoutsSpecialsIsRefused) {
  testing::ScratchFolder scratch;
  // An XLNet-layout model in an ALBERT folder: no [CLS].
  const auto folder = folder_with_spiece("prot_albert", residue_model(xlnet_specials, letters_without_j), scratch);
  expect_error_mentioning([&] { load_model({folder, std::nullopt, {}, 1}); }, {"spiece.model", "[CLS]"});
}

TEST(SentencePieceTokenizer, ModelLargerThanTheEmbeddingIsRefused) {
  testing::ScratchFolder scratch;
  // 11 specials + 26 letters = 37 pieces, more than the golden ALBERT's 34 embeddings.
  SpecialPieces both = xlnet_specials;
  both.options["control_symbols"] = "<cls>,<sep>,<pad>,<mask>,<eod>,<eop>,[CLS],[SEP]";
  both.count = 11;
  const auto folder = folder_with_spiece("prot_albert", residue_model(both, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), scratch);
  expect_error_mentioning(
      [&] {
        load_model({folder, std::nullopt, {}, 1});
      },
      {"spiece.model", "37 pieces", "vocab_size 34"});
}

TEST(SentencePieceTokenizer, FileThatIsNotAModelIsNamed) {
  testing::ScratchFolder scratch;
  const auto folder = folder_with_spiece("prot_xlnet", "not a sentencepiece model", scratch);
  expect_error_mentioning(
      [&] {
        load_model({folder, std::nullopt, {}, 1});
      },
      {"spiece.model", "not a readable sentencepiece model"});
}

}  // namespace
}  // namespace bertology::model
