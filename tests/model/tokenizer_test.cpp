// Residues to token ids for both BERT layouts, checked against the checkpoints' vocab.txt.
#include "bertology/model/model.h"
#include "model_test_support.h"

namespace bertology::model {
namespace {

using testing::expect_error_mentioning;
using testing::golden_folder;

class Tokenizers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tape_ = load_model({golden_folder("tape_bert"), std::nullopt, {}, 1}).release();
    prot_ = load_model({golden_folder("prot_bert"), std::nullopt, {}, 1}).release();
  }
  static void TearDownTestSuite() {
    delete tape_;
    delete prot_;
  }
  static Model* tape_;
  static Model* prot_;
};
Model* Tokenizers::tape_ = nullptr;
Model* Tokenizers::prot_ = nullptr;

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

TEST_F(Tokenizers, EmptySequenceIsJustTheSpecialTokens) {
  EXPECT_EQ(prot_->tokenizer().encode(""), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(Tokenizers, LettersWithoutATokenAreErrors) {
  for (Model* model : {tape_, prot_}) {
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

}  // namespace
}  // namespace bertology::model
