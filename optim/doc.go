// Package optim trains parameters by gradient descent: the optimizers SGD
// (with momentum and Nesterov momentum), AdaGrad, RMSProp, Adam and AdamW,
// parameter groups, learning-rate schedules and other policies (one-cycle,
// reduce-on-plateau), gradient clipping, and optimizer state that can be
// saved and loaded to resume training exactly.
//
// Every optimizer follows the update rule of its PyTorch 1.13 namesake
// (torch.optim.SGD, Adagrad, RMSprop, Adam, AdamW) to the letter, is checked
// against values PyTorch computed (testdata/make_fixtures.py), and works on
// []nn.Param in the parameters' own dtype: float32 for training, float64
// for tests. A step allocates nothing once the optimizer's buffers exist.
//
// # Why plain gradient descent is not enough
//
// Gradient descent steps against the gradient, θ ← θ - η∇f(θ), with a
// fixed learning rate η. Take the valley f(x, y) = x²/20 + y², twenty times
// steeper across (y) than along (x): its curvatures are 2 and 1/10. One
// step multiplies y by 1 - 2η and x by 1 - η/10. The steep direction
// decides how large η may be — for η ≥ 1 the factor for y reaches -1 and y
// never settles — while the shallow one decides how fast we arrive: even
// at η = 0.9, x shrinks by only 9% a step. And at that η the factor for y
// is -0.8, so every step overshoots the valley floor and lands on the
// other wall: the path zig-zags across the valley while creeping along it.
// The worse the ratio of the largest to the smallest curvature (the
// condition number), the worse both effects get; a network's loss has
// millions of directions with wildly different curvatures.
//
// The remedies, in the order they were found:
//
//   - Momentum (SGDConfig.Momentum, "momentum" in New) gives the descent a
//     velocity, v ← μv + g, θ ← θ - ηv: a running sum of past gradients.
//     Across the valley the gradients alternate in sign and cancel; along
//     it they agree and add up, so the walk speeds up to about 1/(1-μ)
//     times (ten times for μ = 0.9) where the slope is steady and damps the
//     zig-zag.
//   - Nesterov's accelerated gradient (NAG; SGDConfig.Nesterov,
//     "nesterov") takes the gradient after the momentum step rather than
//     before it, so a velocity about to overshoot is corrected one step
//     earlier. PyTorch's form, used here, steps by g + μv instead of v.
//   - AdaGrad gives every coordinate its own learning rate, η/√(Σg²): a
//     steep coordinate with large gradients gets a small rate, a shallow one
//     a large rate, so both advance at similar speeds whatever the
//     curvature. Because the sum only grows, the rates only shrink — good
//     for convex problems and sparse features, too early a stop for long
//     training.
//   - RMSProp replaces AdaGrad's sum by a running average, s ← αs +
//     (1-α)g², so the scale follows the recent gradients and the rate does
//     not decay to nothing.
//   - Adam combines the two ideas: a running average of gradients (momentum)
//     divided by the root of a running average of squared gradients
//     (RMSProp), both corrected for starting at zero. Its step in each
//     coordinate is about η in size whatever the scale of the gradient,
//     which makes η easy to choose; 1e-3 is the classic default.
//   - AdamW decouples weight decay from the gradient: Adam's L2 penalty
//     λθ is divided by the same √v as the gradient, so weights with large
//     gradients are hardly decayed; AdamW shrinks every weight by ηλ
//     directly.
//
// The package's tests run every optimizer on that valley from (-7, 2) and on
// Rosenbrock's curved valley (1-x)² + 100(y-x²)² from (-1.5, 2), and record
// the learning rates that work and the steps they take (TestConvergence):
// on Rosenbrock, plain SGD needs 11,942 steps at η = 1e-3, momentum 1,125
// at the same η, Adam 846 at η = 0.1.
//
// # Training
//
// A training step computes the loss on a graph, backpropagates, and steps:
//
//	opt, err := optim.New("adam", model.Params(), 1e-3)
//	...
//	for _, batch := range batches {
//		g.Reset()
//		opt.ZeroGrad()
//		loss := lossOf(g, model, batch)
//		loss.Backward()
//		optim.ClipGradNorm(opt.Params(), 1) // optional
//		opt.Step()
//	}
//
// Parameters whose gradient is nil are skipped, as in PyTorch, and so is
// the advance of their step counts.
//
// # Learning-rate schedules
//
// A Scheduler sets an optimizer's learning rate from a Schedule after every
// Step: StepDecay, Exponential, Cosine and Linear are the closed forms of
// PyTorch's StepLR, ExponentialLR, CosineAnnealingLR and LinearLR, and
// Sequential and Chain combine them, as for a linear warm-up followed by
// cosine annealing. A schedule is a function of the step number, so a
// scheduler's position is one integer.
//
// # Parameter groups
//
// Groups makes one Optimizer of several, each over its own parameters with
// its own hyper-parameters, as PyTorch's parameter groups do. The usual
// reason is weight decay: it should shrink weights, not biases or the
// scale and shift of a normalisation layer. SplitDecay sorts parameters by
// their nn.Role for that; give each part an optimizer and put them in
// Groups (see the example of NewGroups). Schedules and policies drive a
// Groups like any optimizer, moving the rates of all groups together.
//
// # Policies
//
// A Policy drives an optimizer's hyper-parameters through training: its
// Step is called after every optimizer step and its EndEpoch after every
// epoch with a monitored value, such as the validation loss. There are
// three:
//
//   - Scheduler follows a Schedule, step by step.
//   - OneCycle is PyTorch's OneCycleLR: the rate rises to a peak and falls
//     far below its start while the momentum (β₁ for Adam) moves the other
//     way, through MomentumSetter.
//   - ReduceLROnPlateau divides the rate when the metric given to
//     EndEpoch stops improving.
//
// Each one's PolicyState is JSON-serialisable, for a checkpoint's metadata.
//
// # Saving and resuming
//
// Optimizer.State returns the hyper-parameters, per-parameter step counts
// and buffers (Adam's moments and the like), the buffers named after their
// parameters as in a PyTorch state_dict ("c1.weight.exp_avg");
// Optimizer.LoadState puts them back after checking every name and shape.
// Saved with the parameters and the policy's PolicyState (or a Scheduler's
// SchedulerState), they let a run stop and resume with bit-identical
// results. To resume: build the optimizer as before and LoadState it; then
// build the policy with the same settings and LoadPolicyState it. Every
// LoadState and LoadPolicyState refuses, changing nothing, a state that
// does not fit what was built — another optimizer or grouping, other
// parameters, a policy with other settings — and says what differs.
package optim
