#pragma once
// The C interface of libbertology_sentencepiece, the module through which bertology uses
// libsentencepiece. Why a module: Debian's libsentencepiece0 carries its own protobuf-lite
// (3.14) and exports its symbols, while LibTorch loads libprotobuf 3.21. In one symbol
// namespace they break each other (a segfault in libprotobuf's static initialisation, or
// protobuf's version check aborting), so the module is loaded with dlmopen into a namespace of
// its own and only plain C data crosses. Memory the module allocates is freed by the module
// (bsp_free): the two namespaces have separate C libraries.
#include <stddef.h>

extern "C" {

struct bsp_processor;

// Loads a model file; nullptr on failure with *error set (free it with bsp_free).
typedef bsp_processor* (*bsp_open_fn)(const char* path, char** error);
typedef void (*bsp_close_fn)(bsp_processor* processor);
typedef int (*bsp_piece_count_fn)(const bsp_processor* processor);
// The id of a piece, or -1 when the model has no such piece.
typedef int (*bsp_piece_id_fn)(const bsp_processor* processor, const char* piece);
typedef int (*bsp_is_unknown_fn)(const bsp_processor* processor, int id);
// Copies the piece of `id` (NUL-terminated, cut to capacity) and returns its full length, or -1.
typedef long (*bsp_piece_fn)(const bsp_processor* processor, int id, char* piece, long capacity);
// Encodes text into at most `capacity` ids and returns how many pieces there are (call again
// with more room when that exceeds capacity), or -1 with *error set.
typedef long (*bsp_encode_fn)(const bsp_processor* processor, const char* text, int* ids, long capacity, char** error);
// Trains a model from key=value options (sentencepiece_trainer's flags) and sentences; 0 and a
// serialized model in *model (*model_size bytes, free it with bsp_free), or -1 with *error set.
typedef int (*bsp_train_fn)(const char* const* keys, const char* const* values, long options,
                            const char* const* sentences, long sentence_count, char** model, long* model_size,
                            char** error);
typedef void (*bsp_free_fn)(char* memory);

}  // extern "C"
