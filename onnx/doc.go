// Package onnx moves whole models between baeum and the ONNX ecosystem,
// in both directions, without cgo.
//
// Export writes a module tree (the built-in models, model files, and
// imported models) as an ONNX graph that ONNX Runtime, PyTorch and other
// runtimes run: dense and convolutional layers, pooling, batch
// normalisation in its inference form, residual additions, branches,
// recurrent layers (RNN, LSTM and GRU, their gate blocks reordered to
// ONNX's) and every activation baeum has; dropout, the identity at
// inference, is left out. The batch dimension is dynamic, and the caller's metadata (baeum
// stores the preprocessing record and the class names there) goes into
// metadata_props.
//
// Import reads an ONNX file into a Model: an nn.Module whose forward pass
// evaluates the graph's nodes with autograd operations, so an imported
// network is trainable. The weights and biases of Conv, Gemm, MatMul and
// BatchNormalization nodes become parameters named as their initializers;
// BatchNormalization's running mean and variance become buffers; every
// other initializer, and every Constant, stays a constant. Integer shape
// arithmetic (Shape, Gather, Unsqueeze, Concat of shapes) is evaluated
// outside autograd. Opsets 11 to 17 are read, with their differences
// (Softmax's axis before 13, Squeeze and Unsqueeze axes as inputs from
// 13, Clip and Pad bounds as inputs from 11).
//
// Files from outside are hostile until proven otherwise: Import bounds the
// file's size, every tensor's element count and the number of nodes before
// allocating, checks that every tensor's bytes match its shape, refuses
// external data (weights in other files) and names the node, the
// operator and the opset in every error.
package onnx
