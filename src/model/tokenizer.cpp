#include "tokenizer.h"

#include "bertology/error.h"

namespace bertology::model {

BertTokenizer::BertTokenizer(Architecture architecture, const Vocabulary& vocabulary) : vocabulary_path_(vocabulary.path) {
  const bool tape = architecture == Architecture::tape_bert;
  const auto special = [&](const std::string& token) {
    const auto id = vocabulary.find(token);
    require(id.has_value(), "the " + architecture_name(architecture) + " vocabulary needs the token " + token, {vocabulary.path});
    return *id;
  };
  leading_ = special(tape ? "<cls>" : "[CLS]");
  trailing_ = special(tape ? "<sep>" : "[SEP]");
  pad_ = special(tape ? "<pad>" : "[PAD]");

  letter_ids_.fill(-1);
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id) {
    const std::string& token = vocabulary.tokens[id];
    if (token.size() == 1 && token[0] >= 'A' && token[0] <= 'Z') letter_ids_[static_cast<unsigned char>(token[0])] = std::int64_t(id);
  }
  // TAPE keeps every IUPAC letter; ProtBert was trained with the rare letters mapped to X.
  if (!tape) {
    const std::int64_t unknown = special("X");
    for (char rare : {'U', 'Z', 'O', 'B'}) letter_ids_[static_cast<unsigned char>(rare)] = unknown;
  }
}

std::vector<std::int64_t> BertTokenizer::encode(std::string_view residues) const {
  std::vector<std::int64_t> ids;
  ids.reserve(residues.size() + 2);
  ids.push_back(leading_);
  for (std::size_t i = 0; i < residues.size(); ++i) {
    const std::int64_t id = letter_ids_[static_cast<unsigned char>(residues[i])];
    if (id < 0) {
      throw Error("residue '" + std::string(1, residues[i]) + "' at position " + std::to_string(i + 1) +
                      " has no token in the vocabulary",
                  {vocabulary_path_});
    }
    ids.push_back(id);
  }
  ids.push_back(trailing_);
  return ids;
}

}  // namespace bertology::model
