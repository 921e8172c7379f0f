#include "tokenizer.h"

#include "bertology/error.h"

namespace bertology::model {
namespace {

// ProtBert's vocabulary order: by frequency in UniRef100/BFD, the rare letters last.
constexpr std::string_view residue_letters = "LAGVESIKRDTPNQFYMHCWXUBZO";

char mapped_letter(char letter, bool rare_letters_to_x) {
  if (rare_letters_to_x && (letter == 'U' || letter == 'Z' || letter == 'O' || letter == 'B')) return 'X';
  return letter;
}

[[noreturn]] void no_token(std::string_view residues, std::size_t index, const std::string& file) {
  throw Error("residue '" + std::string(1, residues[index]) + "' at position " + std::to_string(index + 1) +
                  " has no token in the vocabulary",
              {file});
}

}  // namespace

TokenFrame token_frame(Architecture architecture) {
  switch (architecture) {
    case Architecture::tape_bert:
      return {{"<cls>"}, {"<sep>"}, "<pad>", false};
    case Architecture::prot_bert:
      return {{"[CLS]"}, {"[SEP]"}, "[PAD]", true};
    case Architecture::prot_albert:
      return {{"[CLS]"}, {"[SEP]"}, "<pad>", true};
    case Architecture::prot_xlnet:
      return {{}, {"<sep>", "<cls>"}, "<pad>", true};
    case Architecture::esm2:
      return {{"<cls>"}, {"<eos>"}, "<pad>", false};
    case Architecture::torchscript:
      break;
  }
  throw std::logic_error("a TorchScript model's bertology.json describes its tokens");
}

VocabularyTokenizer::VocabularyTokenizer(TokenFrame frame, const Vocabulary& vocabulary)
    : vocabulary_path_(vocabulary.path) {
  const auto special = [&](const std::string& token) {
    const auto id = vocabulary.find(token);
    require(id.has_value(), "the vocabulary needs the token " + token, {vocabulary.path});
    return *id;
  };
  for (const auto& token : frame.leading) leading_.push_back(special(token));
  for (const auto& token : frame.trailing) trailing_.push_back(special(token));
  pad_ = special(frame.pad);

  letter_ids_.fill(-1);
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id) {
    const std::string& token = vocabulary.tokens[id];
    if (token.size() == 1 && token[0] >= 'A' && token[0] <= 'Z')
      letter_ids_[static_cast<unsigned char>(token[0])] = std::int64_t(id);
  }
  if (frame.rare_letters_to_x) {
    const std::int64_t unknown = special("X");
    for (char rare : {'U', 'Z', 'O', 'B'}) letter_ids_[static_cast<unsigned char>(rare)] = unknown;
  }
}

std::vector<std::int64_t> VocabularyTokenizer::encode(std::string_view residues) const {
  std::vector<std::int64_t> ids(leading_);
  ids.reserve(leading_.size() + residues.size() + trailing_.size());
  for (std::size_t i = 0; i < residues.size(); ++i) {
    const std::int64_t id = letter_ids_[static_cast<unsigned char>(residues[i])];
    if (id < 0) no_token(residues, i, vocabulary_path_);
    ids.push_back(id);
  }
  ids.insert(ids.end(), trailing_.begin(), trailing_.end());
  return ids;
}

SentencePieceTokenizer::SentencePieceTokenizer(TokenFrame frame, const std::string& model_path, int vocab_size)
    : frame_(std::move(frame)), model_(model_path) {
  require(model_.pieces() <= vocab_size,
          "has " + std::to_string(model_.pieces()) + " pieces but the model embeds only vocab_size " +
              std::to_string(vocab_size),
          {model_path});
  const auto special = [&](const std::string& piece) {
    const auto id = model_.id(piece);
    require(id.has_value(), "the sentencepiece model needs the piece " + piece, {model_path});
    return std::int64_t(*id);
  };
  for (const auto& piece : frame_.leading) leading_.push_back(special(piece));
  for (const auto& piece : frame_.trailing) trailing_.push_back(special(piece));
  pad_ = special(frame_.pad);
}

std::vector<std::int64_t> SentencePieceTokenizer::encode(std::string_view residues) const {
  std::string spaced;
  spaced.reserve(2 * residues.size());
  for (std::size_t i = 0; i < residues.size(); ++i) {
    // Anything but a capital letter would change how the spaced text splits into words.
    if (residues[i] < 'A' || residues[i] > 'Z') no_token(residues, i, model_.path());
    if (i > 0) spaced += ' ';
    spaced += mapped_letter(residues[i], frame_.rare_letters_to_x);
  }
  const std::vector<int> pieces = model_.encode(spaced);
  if (pieces.size() != residues.size()) explain_misalignment(residues);

  std::vector<std::int64_t> ids(leading_);
  ids.reserve(leading_.size() + residues.size() + trailing_.size());
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (model_.is_unknown(pieces[i])) no_token(residues, i, model_.path());
    ids.push_back(pieces[i]);
  }
  ids.insert(ids.end(), trailing_.begin(), trailing_.end());
  return ids;
}

void SentencePieceTokenizer::explain_misalignment(std::string_view residues) const {
  for (std::size_t i = 0; i < residues.size(); ++i) {
    const std::vector<int> pieces = model_.encode(std::string(1, mapped_letter(residues[i], frame_.rare_letters_to_x)));
    if (pieces.size() != 1) {
      std::string shown;
      for (int piece : pieces) shown += (shown.empty() ? "" : " ") + model_.piece(piece);
      throw Error("splits residue '" + std::string(1, residues[i]) + "' at position " + std::to_string(i + 1) +
                      " into " + std::to_string(pieces.size()) + " pieces (" + shown +
                      "); the attention analysis needs one token per residue",
                  {model_.path()});
    }
  }
  throw Error("merges residues of the sequence into shared pieces; the attention analysis needs one token per residue",
              {model_.path()});
}

std::vector<std::int64_t> MissingTokenizer::encode(std::string_view) const { fail(); }

std::int64_t MissingTokenizer::pad_id() const { fail(); }

void MissingTokenizer::fail() const {
  throw Error("missing: the model folder has no tokenizer file, so it runs from token ids only (--input-ids)",
              {missing_file_});
}

TrainedSentencePiece train_residue_sentencepiece(Architecture architecture) {
  // Word pieces: the spaced letters are the words, so each residue is exactly one piece "▁L".
  std::map<std::string, std::string> options{
      {"model_type", "word"}, {"normalization_rule_name", "identity"}, {"num_threads", "1"}, {"minloglevel", "2"}};
  std::size_t specials = 0;
  if (architecture == Architecture::prot_albert) {  // <pad>=0 <unk>=1 [CLS]=2 [SEP]=3 [MASK]=4
    options.insert({{"pad_id", "0"},
                    {"unk_id", "1"},
                    {"bos_id", "-1"},
                    {"eos_id", "-1"},
                    {"control_symbols", "[CLS],[SEP],[MASK]"}});
    specials = 5;
  } else if (architecture == Architecture::prot_xlnet) {  // <unk>=0 <s>=1 </s>=2 <cls>=3 … <eop>=8
    options.insert({{"unk_id", "0"},
                    {"bos_id", "1"},
                    {"eos_id", "2"},
                    {"pad_id", "-1"},
                    {"control_symbols", "<cls>,<sep>,<pad>,<mask>,<eod>,<eop>"}});
    specials = 9;
  } else {
    throw std::logic_error(architecture_name(architecture) + " has no sentencepiece model");
  }
  const int pieces = int(specials + residue_letters.size());
  options["vocab_size"] = std::to_string(pieces);

  // Strictly decreasing letter counts fix the piece order (pieces are sorted by frequency).
  std::vector<std::string> lines;
  for (std::size_t rank = 0; rank < residue_letters.size(); ++rank) {
    std::string line;
    for (std::size_t count = 0; count < residue_letters.size() - rank; ++count) (line += residue_letters[rank]) += ' ';
    lines.push_back(line);
  }
  return {train_sentencepiece(options, lines), pieces};
}

}  // namespace bertology::model
