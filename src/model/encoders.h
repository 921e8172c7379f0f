#pragma once
// The architectures' constructors as load_model sees them: no LibTorch in this header, so the
// loader itself compiles without it. Each is defined in its architecture's translation unit.
#include <memory>

#include "bertology/model/model.h"
#include "checkpoint.h"

namespace bertology::model {

class SafetensorsReader;

// What an encoder is built from, once config, weights and tokenizer agree.
struct EncoderSetup {
  ModelInfo info;
  std::unique_ptr<Tokenizer> tokenizer;
  ModelConfig config;
  Device device;
  Precision precision = Precision::float32;
  std::uint64_t attention_memory = kDefaultAttentionMemory;
};

std::unique_ptr<Model> make_bert_encoder(EncoderSetup setup,
                                         SafetensorsReader& weights);  // tape_bert, prot_bert, prot_albert
std::unique_ptr<Model> make_xlnet_encoder(EncoderSetup setup, SafetensorsReader& weights);  // prot_xlnet
std::unique_ptr<Model> make_esm2_encoder(EncoderSetup setup, SafetensorsReader& weights);   // esm2

// A folder with model.pt and bertology.json (the contract in torchscript.cpp).
bool is_torchscript_folder(const std::string& directory);
std::unique_ptr<Model> load_torchscript(const LoadOptions& options);

// Checks that LibTorch can serve the device and precision asked for, and sets the threads;
// throws bertology::Error otherwise.
void prepare_torch(const LoadOptions& options);

}  // namespace bertology::model
