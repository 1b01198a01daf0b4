// Package autograd computes gradients by backpropagation on a
// computational graph.
//
// A network's output is a long composition of simple operations. Its
// gradient with respect to millions of weights can be estimated slowly by
// numerical differentiation — nudge one weight, run the network again, see
// how the loss moves, repeat for every weight (see NumericalGradient) — or
// found exactly, for about the cost of one extra forward pass, by
// backpropagation:
//
//   - Forward, left to right: every operation on a tracked Value computes
//     its result and records itself in the graph as a node whose edges point
//     to its inputs (define-by-run, as in PyTorch).
//   - Backward, right to left: Value.Backward sorts the nodes reachable from
//     the scalar output topologically, seeds the output's gradient with 1,
//     and visits the nodes in reverse order. Each node applies the chain
//     rule: it multiplies the gradient arriving at its output by its local
//     derivative and adds the result to the gradients of its inputs. A value
//     used twice receives the sum of both contributions.
//
// Every operation is an Op: a small type whose Forward computes the result
// and saves on the op value what the derivative needs, and whose Backward,
// right beside it, pushes the gradient back — micrograd's closure, spelled
// as a type so that its saved state has names and a warm step allocates
// nothing. Graph.Apply records an op; the methods of Graph (Add, Linear,
// Conv2D, CrossEntropy, …) are Apply with the library's own ops, and code
// outside this package adds operations the same way (see Op, and
// examples/customop for an activation, a fused layer and an optimizer
// defined outside the library).
//
//	g := autograd.NewGraph()
//	w := autograd.NewParam("w", tensor.FromFloat64([]float64{2}))
//	x := g.Input(tensor.FromFloat64([]float64{3}))
//	y := g.Add(g.Mul(w, x), x) // y = w·x + x
//	g.Sum(y).Backward()
//	w.Grad() // dy/dw = x = 3
//
// Parameters (NewParam) live outside any graph and keep their gradients
// across steps until zeroed. Everything else a step creates — intermediate
// values, their tensors and gradients — comes from the Graph's arena and is
// recycled by Graph.Reset, so a training loop allocates nothing once it is
// warm. A Graph in no-grad mode records nothing and is what inference uses;
// since parameters are only read, one model can serve many goroutines,
// each with its own Graph.
//
// Shape mismatches and other programmer errors panic with a message naming
// the shapes involved.
package autograd
