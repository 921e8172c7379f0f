#pragma once
// Residue letters to token ids: one token per residue between the architecture's special
// tokens, looked up in a word vocabulary (vocab.txt) or through the checkpoint's
// sentencepiece model (spiece.model, read by libsentencepiece: sentencepiece.h).
#include <array>
#include <string>
#include <vector>

#include "bertology/model/model.h"
#include "checkpoint.h"
#include "sentencepiece.h"

namespace bertology::model {

// How an architecture frames the residue tokens.
struct TokenFrame {
  std::vector<std::string> leading;   // before the residues: [CLS], <cls>
  std::vector<std::string> trailing;  // after them: [SEP], <eos>; XLNet's <sep> <cls>
  std::string pad;
  bool rare_letters_to_x = false;  // U, Z, O, B → X first (ProtTrans models, as provis feeds them)
};

TokenFrame token_frame(Architecture architecture);

class VocabularyTokenizer final : public Tokenizer {
 public:
  // Throws bertology::Error naming the vocabulary when a special token (or X, when rare
  // letters map to it) is missing.
  VocabularyTokenizer(TokenFrame frame, const Vocabulary& vocabulary);
  std::vector<std::int64_t> encode(std::string_view residues) const override;
  std::int64_t pad_id() const override { return pad_; }

 private:
  std::string vocabulary_path_;
  std::array<std::int64_t, 256> letter_ids_;  // -1: the letter has no token
  std::vector<std::int64_t> leading_, trailing_;
  std::int64_t pad_ = 0;
};

// Encodes residues as the ProtTrans tokenizers do: the letters separated by spaces, through the
// sentencepiece model. bertology needs one piece per residue; a model that splits or merges
// residues is an error, as is a residue the model only knows as <unk>.
class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Throws bertology::Error naming the file when it is not a sentencepiece model, lacks a
  // special token, or has pieces beyond the embedding table (vocab_size).
  SentencePieceTokenizer(TokenFrame frame, const std::string& model_path, int vocab_size);
  std::vector<std::int64_t> encode(std::string_view residues) const override;
  std::int64_t pad_id() const override { return pad_; }

 private:
  [[noreturn]] void explain_misalignment(std::string_view residues) const;

  TokenFrame frame_;
  SentencePieceModel model_;
  std::vector<std::int64_t> leading_, trailing_;
  std::int64_t pad_ = 0;
};

// The tokenizer of a folder that lacks its tokenizer file: loading works (runs from token
// ids), using it throws bertology::Error naming the file.
class MissingTokenizer final : public Tokenizer {
 public:
  explicit MissingTokenizer(std::string missing_file) : missing_file_(std::move(missing_file)) {}
  std::vector<std::int64_t> encode(std::string_view residues) const override;
  std::int64_t pad_id() const override;

 private:
  [[noreturn]] void fail() const;
  std::string missing_file_;
};

struct TrainedSentencePiece {
  std::string serialized;  // the bytes of a spiece.model
  int pieces = 0;
};

// A sentencepiece model in the id layout of ProtAlbert's or ProtXLNet's: their special tokens
// at their ids, then one word piece "▁L" per residue letter, L A G V … O (ProtBert's
// vocabulary order). The real models' 34 and 37 pieces could not be checked here; make_model
// writes this one so that its folders are complete.
TrainedSentencePiece train_residue_sentencepiece(Architecture architecture);

}  // namespace bertology::model
