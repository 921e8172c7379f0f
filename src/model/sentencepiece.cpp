#include "sentencepiece.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

#include "bertology/error.h"
#include "sentencepiece_bridge.h"

namespace bertology::model {
namespace {

struct Bridge {
  bsp_open_fn open;
  bsp_close_fn close;
  bsp_piece_count_fn piece_count;
  bsp_piece_id_fn piece_id;
  bsp_is_unknown_fn is_unknown;
  bsp_piece_fn piece;
  bsp_encode_fn encode;
  bsp_train_fn train;
  bsp_free_fn free;
};

// Where the module is: BERTOLOGY_SENTENCEPIECE_BRIDGE when set, else the build tree's copy,
// else the installed one (both paths fixed by CMake).
std::vector<std::string> bridge_candidates() {
  if (const char* path = std::getenv("BERTOLOGY_SENTENCEPIECE_BRIDGE")) return {path};
  return {BERTOLOGY_SENTENCEPIECE_BRIDGE_BUILD, BERTOLOGY_SENTENCEPIECE_BRIDGE_INSTALL};
}

template <typename Function>
Function resolve(void* module, const char* name, const std::string& path) {
  void* symbol = dlsym(module, name);
  require(symbol != nullptr, std::string("the sentencepiece module lacks ") + name, {path});
  return reinterpret_cast<Function>(symbol);
}

Bridge load_bridge() {
  std::string looked_at;
  for (const auto& path : bridge_candidates()) {
    if (!std::filesystem::exists(path)) {
      looked_at += (looked_at.empty() ? "" : ", ") + path;
      continue;
    }
    // A fresh namespace: the module's libsentencepiece and its bundled protobuf stay apart
    // from LibTorch's libprotobuf.
    void* module = dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module) throw Error(std::string("cannot load the sentencepiece module: ") + dlerror(), {path});
    return {resolve<bsp_open_fn>(module, "bsp_open", path),
            resolve<bsp_close_fn>(module, "bsp_close", path),
            resolve<bsp_piece_count_fn>(module, "bsp_piece_count", path),
            resolve<bsp_piece_id_fn>(module, "bsp_piece_id", path),
            resolve<bsp_is_unknown_fn>(module, "bsp_is_unknown", path),
            resolve<bsp_piece_fn>(module, "bsp_piece", path),
            resolve<bsp_encode_fn>(module, "bsp_encode", path),
            resolve<bsp_train_fn>(module, "bsp_train", path),
            resolve<bsp_free_fn>(module, "bsp_free", path)};
  }
  throw Error("bertology's sentencepiece module (libbertology_sentencepiece.so) is not installed; looked at " +
              looked_at + " (set BERTOLOGY_SENTENCEPIECE_BRIDGE to its path)");
}

const Bridge& bridge() {
  static const Bridge loaded = load_bridge();
  return loaded;
}

// Takes a message the module allocated, and frees it there.
std::string take_message(char* message) {
  std::string text = message ? message : "unknown error";
  bridge().free(message);
  return text;
}

}  // namespace

SentencePieceModel::SentencePieceModel(std::string path) : path_(std::move(path)) {
  char* error = nullptr;
  processor_ = bridge().open(path_.c_str(), &error);
  if (!processor_) throw Error("not a readable sentencepiece model: " + take_message(error), {path_});
}

SentencePieceModel::~SentencePieceModel() { bridge().close(processor_); }

int SentencePieceModel::pieces() const { return bridge().piece_count(processor_); }

std::optional<int> SentencePieceModel::id(const std::string& piece) const {
  const int found = bridge().piece_id(processor_, piece.c_str());
  if (found < 0) return std::nullopt;
  return found;
}

bool SentencePieceModel::is_unknown(int id) const { return bridge().is_unknown(processor_, id) != 0; }

std::string SentencePieceModel::piece(int id) const {
  std::string text(64, '\0');
  long length = bridge().piece(processor_, id, text.data(), long(text.size()));
  require(length >= 0, "no piece with id " + std::to_string(id), {path_});
  if (length >= long(text.size())) {
    text.resize(std::size_t(length) + 1);
    length = bridge().piece(processor_, id, text.data(), long(text.size()));
  }
  text.resize(std::size_t(length));
  return text;
}

std::vector<int> SentencePieceModel::encode(const std::string& text) const {
  std::vector<int> ids(text.size() + 8);  // one piece per character at most, for the texts we encode
  char* error = nullptr;
  long count = bridge().encode(processor_, text.c_str(), ids.data(), long(ids.size()), &error);
  if (count > long(ids.size())) {
    ids.resize(std::size_t(count));
    count = bridge().encode(processor_, text.c_str(), ids.data(), long(ids.size()), &error);
  }
  if (count < 0) throw Error("sentencepiece could not encode the sequence: " + take_message(error), {path_});
  ids.resize(std::size_t(count));
  return ids;
}

std::string train_sentencepiece(const std::map<std::string, std::string>& options,
                                const std::vector<std::string>& sentences) {
  std::vector<const char*> keys, values, lines;
  for (const auto& [key, value] : options) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  for (const auto& sentence : sentences) lines.push_back(sentence.c_str());
  char* model = nullptr;
  long model_size = 0;
  char* error = nullptr;
  if (bridge().train(keys.data(), values.data(), long(keys.size()), lines.data(), long(lines.size()), &model,
                     &model_size, &error) != 0) {
    throw Error("sentencepiece training failed: " + take_message(error));
  }
  std::string serialized(model, std::size_t(model_size));
  bridge().free(model);
  return serialized;
}

}  // namespace bertology::model
