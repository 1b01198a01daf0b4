// Package safetensors reads and writes the safetensors file format of
// Hugging Face (https://github.com/huggingface/safetensors), which baeum
// uses for checkpoints so that PyTorch can read them and the other way
// round.
//
// A safetensors file is three parts:
//
//	8 bytes   N, the length of the header, a little-endian uint64
//	N bytes   a JSON object, padded with spaces: for each tensor name,
//	          {"dtype":"F32","shape":[2,3],"data_offsets":[BEGIN,END]},
//	          and optionally "__metadata__": an object of strings
//	the rest  the tensors' bytes, little-endian, row-major; each tensor's
//	          offsets count from the first byte after the header
//
// The tensors must cover the data section exactly, without gaps or
// overlaps. Unlike a pickle, nothing in the file is executed: [Decode]
// checks every field and returns an error, never a panic, for any input.
// [Open] reads a file's header alone — after refusing paths that are not
// regular files, and checking the header length against the file's size
// — so that a loader can compare the shapes with what it expects before
// it allocates anything; [Reader.ReadAll] then reads the tensors.
// [WriteFile] replaces a file atomically, so a crash during a save never
// leaves a half-written checkpoint.
package safetensors
