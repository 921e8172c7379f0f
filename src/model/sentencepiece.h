#pragma once
// libsentencepiece as bertology uses it: reached through the module libbertology_sentencepiece
// in a link-map namespace of its own (why: sentencepiece_bridge.h).
#include <map>
#include <optional>
#include <string>
#include <vector>

struct bsp_processor;

namespace bertology::model {

class SentencePieceModel {
 public:
  // Loads a spiece.model; throws bertology::Error naming the file.
  explicit SentencePieceModel(std::string path);
  ~SentencePieceModel();
  SentencePieceModel(const SentencePieceModel&) = delete;
  SentencePieceModel& operator=(const SentencePieceModel&) = delete;

  const std::string& path() const { return path_; }
  int pieces() const;
  std::optional<int> id(const std::string& piece) const;
  bool is_unknown(int id) const;
  std::string piece(int id) const;
  std::vector<int> encode(const std::string& text) const;  // throws bertology::Error naming the file

 private:
  std::string path_;
  bsp_processor* processor_ = nullptr;
};

// Trains a model with sentencepiece_trainer's flags (e.g. {"model_type", "word"}) on the
// sentences and returns it serialized (the bytes of a .model file); throws bertology::Error.
std::string train_sentencepiece(const std::map<std::string, std::string>& options,
                                const std::vector<std::string>& sentences);

}  // namespace bertology::model
