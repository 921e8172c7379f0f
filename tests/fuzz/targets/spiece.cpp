// Fuzz target: spiece.model through our bridge (src/model/sentencepiece_bridge.cpp), linked
// straight into the target: the model library reaches it with dlmopen (a link-map namespace of
// its own, apart from LibTorch's protobuf), which a sanitized, coverage-instrumented module
// cannot be loaded into. No LibTorch here, so one namespace is safe. Opens the model, reads
// every piece back and encodes a residue string, as SentencePieceTokenizer does.
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "sentencepiece_bridge.h"

extern "C" {
bsp_processor* bsp_open(const char* path, char** error);
void bsp_close(bsp_processor* processor);
int bsp_piece_count(const bsp_processor* processor);
int bsp_piece_id(const bsp_processor* processor, const char* piece);
int bsp_is_unknown(const bsp_processor* processor, int id);
long bsp_piece(const bsp_processor* processor, int id, char* piece, long capacity);
long bsp_encode(const bsp_processor* processor, const char* text, int* ids, long capacity, char** error);
void bsp_free(char* memory);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = bertology::fuzz::write_input(data, size, "model");
  char* error = nullptr;
  bsp_processor* processor = bsp_open(path.c_str(), &error);
  if (!processor) {
    bsp_free(error);
    return 0;
  }
  const int pieces = bsp_piece_count(processor);
  char piece[64];
  for (int id = 0; id < pieces && id < 4096; ++id) {
    (void)bsp_piece(processor, id, piece, sizeof piece);
    (void)bsp_is_unknown(processor, id);
  }
  (void)bsp_piece_id(processor, "<pad>");
  std::vector<int> ids(64);
  const long count = bsp_encode(processor, "M K T A Y I A K Q R", ids.data(), static_cast<long>(ids.size()), &error);
  if (count < 0) bsp_free(error);
  bsp_close(processor);
  return 0;
}
