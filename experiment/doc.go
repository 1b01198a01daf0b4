// Package experiment runs the classic comparisons of a first deep-learning
// course and draws what they show:
//
//   - Optimizers (OptimizerPaths, CompareOptimizers): SGD, Momentum,
//     Nesterov (NAG), AdaGrad, RMSProp and Adam walking down the valley
//     f(x, y) = x²/20 + y² from (-7, 2), and training the MNIST MLP for the
//     same budget.
//   - Weight initialization (Activations, Symmetry): histograms of the
//     activations of a five-layer network for weights of standard deviation
//     1 and 0.01, Xavier and He, under sigmoid, tanh and ReLU; and why
//     constant weights never learn more than one unit's worth.
//   - Backpropagation (StepGraph, Expression): the computational graph of
//     one training step, forward and backward.
//   - Convolution (Compare, Filters): parameter counts of an MLP against
//     LeNet-5, and LeNet-5's learned C1 filters with their feature maps.
//
// Each experiment is split in two: a function that computes the numbers
// and returns them in a struct (which tests inspect), and a method that
// draws them with package plot (Draw, writing PNG and SVG files). Every
// experiment takes its random numbers from a fixed seed, so that its
// pictures and numbers are the same on every run.
package experiment
