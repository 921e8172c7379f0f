// Fuzz target: vocab.txt (src/model/checkpoint.cpp, read_vocabulary), then the vocabulary
// tokenizer of each word-vocabulary layout built on it (src/model/tokenizer.cpp) encoding every
// residue letter.
#include "bertology/error.h"
#include "checkpoint.h"
#include "fuzz_support.h"
#include "tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bertology::model;
  const std::string path = bertology::fuzz::write_input(data, size, "txt");
  Vocabulary vocabulary;
  try {
    vocabulary = read_vocabulary(path);
  } catch (const bertology::Error&) {
    return 0;
  }
  for (const auto architecture : {Architecture::tape_bert, Architecture::prot_bert, Architecture::esm2}) {
    try {
      const VocabularyTokenizer tokenizer(token_frame(architecture), vocabulary);
      (void)tokenizer.encode("ACDEFGHIKLMNPQRSTVWYXUZOB");
    } catch (const bertology::Error&) {
    }
  }
  return 0;
}
