// libbertology_sentencepiece: libsentencepiece behind the C interface of
// sentencepiece_bridge.h (why: see there). Nothing else of bertology is linked into it.
#include "sentencepiece_bridge.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

// The module is compiled with hidden visibility: it exports these functions and nothing else.
#define BSP_EXPORT __attribute__((visibility("default")))

struct bsp_processor {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

char* copy_out(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy) std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

class Sentences final : public sentencepiece::SentenceIterator {
 public:
  Sentences(const char* const* sentences, long count) : sentences_(sentences), count_(count) { fill(); }
  bool done() const override { return next_ >= count_; }
  void Next() override {
    ++next_;
    fill();
  }
  const std::string& value() const override { return current_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void fill() {
    if (next_ < count_) current_ = sentences_[next_];
  }
  const char* const* sentences_;
  long count_;
  long next_ = 0;
  std::string current_;
};

}  // namespace

extern "C" {

BSP_EXPORT bsp_processor* bsp_open(const char* path, char** error) {
  auto* opened = new bsp_processor;
  try {
    // libsentencepiece throws from inside Load on some malformed models (Darts' trie builder
    // on an empty or duplicate piece): no exception may cross into the other namespace.
    const auto status = opened->processor.Load(path);
    if (status.ok()) return opened;
    *error = copy_out(status.ToString());
  } catch (const std::exception& exception) {
    *error = copy_out(std::string("not a valid sentencepiece model: ") + exception.what());
  } catch (...) {
    *error = copy_out("not a valid sentencepiece model");
  }
  delete opened;
  return nullptr;
}

BSP_EXPORT void bsp_close(bsp_processor* processor) { delete processor; }

BSP_EXPORT int bsp_piece_count(const bsp_processor* processor) { return processor->processor.GetPieceSize(); }

BSP_EXPORT int bsp_piece_id(const bsp_processor* processor, const char* piece) {
  const int id = processor->processor.PieceToId(piece);
  return processor->processor.IdToPiece(id) == piece ? id : -1;
}

BSP_EXPORT int bsp_is_unknown(const bsp_processor* processor, int id) {
  return processor->processor.IsUnknown(id) ? 1 : 0;
}

BSP_EXPORT long bsp_piece(const bsp_processor* processor, int id, char* piece, long capacity) {
  if (id < 0 || id >= processor->processor.GetPieceSize() || capacity <= 0) return -1;
  const std::string& text = processor->processor.IdToPiece(id);
  const std::size_t copied = std::min(text.size(), std::size_t(capacity - 1));
  std::memcpy(piece, text.data(), copied);
  piece[copied] = '\0';
  return long(text.size());
}

BSP_EXPORT long bsp_encode(const bsp_processor* processor, const char* text, int* ids, long capacity, char** error) {
  std::vector<int> pieces;
  const auto status = processor->processor.Encode(text, &pieces);
  if (!status.ok()) {
    *error = copy_out(status.ToString());
    return -1;
  }
  for (std::size_t i = 0; i < pieces.size() && long(i) < capacity; ++i) ids[i] = pieces[i];
  return long(pieces.size());
}

BSP_EXPORT int bsp_train(const char* const* keys, const char* const* values, long options, const char* const* sentences,
                         long sentence_count, char** model, long* model_size, char** error) {
  std::unordered_map<std::string, std::string> flags;
  for (long i = 0; i < options; ++i) flags[keys[i]] = values[i];
  Sentences input(sentences, sentence_count);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(flags, &input, &serialized);
  if (!status.ok()) {
    *error = copy_out(status.ToString());
    return -1;
  }
  *model = static_cast<char*>(std::malloc(serialized.size()));
  if (!*model) {
    *error = copy_out("out of memory");
    return -1;
  }
  std::memcpy(*model, serialized.data(), serialized.size());
  *model_size = long(serialized.size());
  return 0;
}

BSP_EXPORT void bsp_free(char* memory) { std::free(memory); }

}  // extern "C"
