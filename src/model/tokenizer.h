#pragma once
// The BERT-family tokenizers: one token per residue letter between a leading and a trailing
// special token, looked up in the checkpoint's vocabulary.
#include <array>
#include <string>

#include "bertology/model/model.h"
#include "checkpoint.h"

namespace bertology::model {

class BertTokenizer final : public Tokenizer {
 public:
  // Throws bertology::Error naming the vocabulary when a special token or X is missing.
  BertTokenizer(Architecture architecture, const Vocabulary& vocabulary);
  std::vector<std::int64_t> encode(std::string_view residues) const override;
  std::int64_t pad_id() const override { return pad_; }

 private:
  std::string vocabulary_path_;
  std::array<std::int64_t, 256> letter_ids_;  // -1: the letter has no token
  std::int64_t leading_ = 0;
  std::int64_t trailing_ = 0;
  std::int64_t pad_ = 0;
};

}  // namespace bertology::model
