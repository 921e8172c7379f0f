#!/usr/bin/env python3
"""Converts a PyTorch state dict (pytorch_model.bin) into model.safetensors for bertology.

bertology reads safetensors only (a JSON header and raw tensors, no Python at run time). Run this
once per checkpoint with your own Python and torch:

    python3 env/convert_checkpoint.py MODEL_DIR/pytorch_model.bin [MODEL_DIR/model.safetensors]

Parameter names are kept: the state dict must already use the public layout's names (the
Hugging Face checkpoints of ProtBert, ProtAlbert, ProtXLNet and ESM-2 do; TAPE's bert-base does).
Tied tensors (the masked-LM decoder sharing the word embeddings) are written once per name, as
copies. Dtypes are kept (bertology converts float16/bfloat16 to float32 when loading). Uses the
safetensors package when it is installed, otherwise writes the format itself.
"""
import json
import os
import struct
import sys

import torch

# safetensors dtype names
DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


def load_state(path):
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch before 1.13 has no weights_only
        state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    tensors = {name: value for name, value in state.items() if isinstance(value, torch.Tensor)}
    skipped = sorted(set(state) - set(tensors))
    if skipped:
        print(f"skipping non-tensor entries: {', '.join(skipped)}", file=sys.stderr)
    # contiguous copies: tied and sliced tensors each get their own bytes
    return {name: value.detach().contiguous().clone() for name, value in tensors.items()}


def raw_bytes(tensor):
    if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16: same bits as int16
        tensor = tensor.view(torch.int16)
    return tensor.numpy().tobytes()


def write_safetensors(tensors, path):
    if sys.byteorder != "little":
        sys.exit("safetensors data is little-endian; convert on a little-endian machine")
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        tensor = tensors[name]
        if tensor.dtype not in DTYPES:
            sys.exit(f"tensor {name}: dtype {tensor.dtype} has no safetensors name")
        data = raw_bytes(tensor)
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # 8-byte aligned data, as the format recommends
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for data in blobs:
            out.write(data)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = sys.argv[1]
    target = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(source), "model.safetensors")
    tensors = load_state(source)
    try:
        from safetensors.torch import save_file
        save_file(tensors, target, metadata={"format": "pt"})
    except ImportError:
        write_safetensors(tensors, target)
    print(f"wrote {len(tensors)} tensors to {target}")


if __name__ == "__main__":
    main()
