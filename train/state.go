package train

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/internal/statedict"
	"github.com/baeum-ml/baeum/nn"
	"github.com/baeum-ml/baeum/optim"
	"github.com/baeum-ml/baeum/tensor"
)

// The training-state file holds, as safetensors, the model's weights at
// the end of the last epoch ("model.<name>"), the optimizer's buffers
// ("optimizer.<name>"), the best epoch's weights ("best.<name>") and, in
// its metadata under KeyState, everything else: the epoch, the history,
// the optimizer's hyper-parameters and step counts, the schedule's
// position, the random source's state and the configuration. It is one
// file, written atomically, so it is always self-consistent.

// KeyState is the metadata key of the training state's JSON.
const KeyState = "baeum.train_state"

type stateJSON struct {
	Config       Saved              `json:"config"`
	Epoch        int                `json:"epoch"`
	BestEpoch    int                `json:"best_epoch"`
	Stale        int                `json:"stale"`
	History      []EpochStats       `json:"history"`
	Optimizer    string             `json:"optimizer"`
	Hyper        map[string]float64 `json:"hyper"`
	Steps        map[string]int     `json:"steps"`
	Policy       *optim.PolicyState `json:"policy,omitempty"`
	RNG          string             `json:"rng"`
	TrainSeconds float64            `json:"train_seconds"`
	TrainImages  int                `json:"train_images"`
}

// Saved is the part of a Config a training-state file records: the
// numbers, and a description of each value (the loss with its options,
// the metrics, the monitor, the kind of policy), which LoadState checks
// against the values of the trainer it restores into.
type Saved struct {
	Epochs    int      `json:"epochs"`
	Batch     int      `json:"batch"`
	Seed      uint64   `json:"seed"`
	Patience  int      `json:"patience"`
	Warmup    int      `json:"warmup"`
	EvalBatch int      `json:"eval_batch"`
	Loss      string   `json:"loss"`
	Metrics   []string `json:"metrics"`
	Monitor   Monitor  `json:"monitor"`
	Policy    string   `json:"policy,omitempty"`
}

// saved describes c.
func (c Config) saved() Saved {
	s := Saved{Epochs: c.Epochs, Batch: c.Batch, Seed: c.Seed, Patience: c.Patience, Warmup: c.Warmup, EvalBatch: c.EvalBatch,
		Loss: fmt.Sprintf("%T%+v", c.Loss, c.Loss), Monitor: c.Monitor, Metrics: []string{}}
	for _, m := range c.Metrics {
		s.Metrics = append(s.Metrics, m.Name())
	}
	if c.Policy != nil {
		s.Policy = c.Policy.PolicyState().Kind
	}
	return s
}

// mismatch describes how a and b differ, or returns "".
func (a Saved) mismatch(b Saved) string {
	switch {
	case a.Epochs != b.Epochs || a.Batch != b.Batch:
		return fmt.Sprintf("%d epochs of batch %d, this trainer %d of %d", a.Epochs, a.Batch, b.Epochs, b.Batch)
	case a.Seed != b.Seed:
		return fmt.Sprintf("seed %d, this trainer %d", a.Seed, b.Seed)
	case a.Loss != b.Loss:
		return fmt.Sprintf("loss %s, this trainer %s", a.Loss, b.Loss)
	case !slices.Equal(a.Metrics, b.Metrics):
		return fmt.Sprintf("metrics %v, this trainer %v", a.Metrics, b.Metrics)
	case a.Monitor != b.Monitor:
		return fmt.Sprintf("monitor %+v, this trainer %+v", a.Monitor, b.Monitor)
	case a.Policy != b.Policy:
		return fmt.Sprintf("schedule %q, this trainer %q", a.Policy, b.Policy)
	}
	return ""
}

// SaveState writes everything needed to resume training to path, with
// the extra metadata given (such as the model's configuration).
func (t *Trainer) SaveState(path string, meta map[string]string) error {
	rng, err := t.PCG.MarshalBinary()
	if err != nil {
		return err
	}
	ost := t.Opt.State()
	st := stateJSON{Config: t.Cfg.saved(), Epoch: t.Epoch, BestEpoch: t.BestEpoch, Stale: t.stale, History: t.History,
		Optimizer: ost.Optimizer, Hyper: ost.Hyper, Steps: ost.Steps,
		RNG: base64.StdEncoding.EncodeToString(rng), TrainSeconds: t.trainSeconds, TrainImages: t.trainImages}
	if t.Cfg.Policy != nil {
		ps := t.Cfg.Policy.PolicyState()
		st.Policy = &ps
	}
	js, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var tensors []safetensors.Tensor
	for _, mt := range statedict.Tensors(t.Model) {
		mt.Name = "model." + mt.Name
		tensors = append(tensors, mt)
	}
	for _, name := range ost.TensorNames() {
		tensors = append(tensors, statedict.FloatTensor("optimizer."+name, ost.Tensors[name]))
	}
	if t.Best != nil {
		for i, p := range t.Model.Params() {
			tensors = append(tensors, statedict.FloatTensor("best."+p.Name, t.Best[i]))
		}
		for i, b := range nn.Buffers(t.Model) {
			tensors = append(tensors, statedict.FloatTensor("best_buffer."+b.Name, t.BestBufs[i]))
		}
	}
	md := map[string]string{KeyState: string(js)}
	for k, v := range meta {
		md[k] = v
	}
	return safetensors.WriteFile(path, tensors, md)
}

// ReadState returns the metadata and the recorded configuration of a
// training-state file, so that a caller can rebuild the model, the
// optimizer and a Trainer with the same values before calling LoadState.
func ReadState(path string) (map[string]string, Saved, error) {
	md, err := checkpoint.ReadMetadata(path)
	if err != nil {
		return nil, Saved{}, err
	}
	raw, ok := md[KeyState]
	if !ok {
		return nil, Saved{}, fmt.Errorf("%s is not a baeum training-state file (no %q metadata)", path, KeyState)
	}
	var st stateJSON
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return nil, Saved{}, fmt.Errorf("training state %s: bad state metadata: %w", path, err)
	}
	return md, st.Config, nil
}

// fromSafetensors converts a float tensor of a state file.
func fromSafetensors(tt safetensors.Tensor) (*tensor.Tensor, error) {
	if tt.DType == safetensors.F64 {
		v, err := tt.Float64()
		if err != nil {
			return nil, err
		}
		return tensor.FromFloat64(v, tt.Shape...), nil
	}
	v, err := tt.Float32()
	if err != nil {
		return nil, err
	}
	return tensor.FromFloat32(v, tt.Shape...), nil
}

// LoadState restores a trainer made by NewTrainer for the same model from
// the file SaveState wrote: the model's weights, the optimizer, the
// schedule, the random source, the epoch, the history and the best
// weights. The trainer's configuration becomes the saved one (Log and
// Progress are kept), so the run continues exactly as it would have.
func (t *Trainer) LoadState(path string) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("training state %s: %s", path, fmt.Sprintf(format, args...))
	}
	raw, ok := f.Metadata[KeyState]
	if !ok {
		return bad("no %q metadata", KeyState)
	}
	var st stateJSON
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return bad("bad state metadata: %v", err)
	}
	if d := st.Config.mismatch(t.Cfg.saved()); d != "" {
		return bad("saved for %s (make the trainer with the values ReadState describes)", d)
	}
	if (st.Policy == nil) != (t.Cfg.Policy == nil) { // the kinds agreed: a file edited by hand
		return bad("the saved run's schedule state is missing or unexpected")
	}
	// Split the file's tensors by prefix.
	model := &safetensors.File{Metadata: f.Metadata}
	opt := map[string]*tensor.Tensor{}
	best := map[string]*tensor.Tensor{}
	for _, tt := range f.Tensors {
		name, rest, _ := strings.Cut(tt.Name, ".")
		switch name {
		case "model":
			tt.Name = rest
			model.Tensors = append(model.Tensors, tt)
		case "optimizer", "best", "best_buffer":
			tv, err := fromSafetensors(tt)
			if err != nil {
				return bad("tensor %s: %v", tt.Name, err)
			}
			if name == "optimizer" {
				opt[rest] = tv
			} else {
				best[name+"."+rest] = tv
			}
		default:
			return bad("unexpected tensor %s", tt.Name)
		}
	}
	var pcgState []byte
	if pcgState, err = base64.StdEncoding.DecodeString(st.RNG); err != nil {
		return bad("bad random state: %v", err)
	}
	// Validate everything before changing anything.
	if st.Epoch < 0 || st.BestEpoch < 0 || st.BestEpoch > st.Epoch || len(st.History) != st.Epoch {
		return bad("inconsistent epochs: epoch %d, best %d, %d history entries", st.Epoch, st.BestEpoch, len(st.History))
	}
	if st.BestEpoch > 0 && len(best) != len(t.Model.Params())+len(nn.Buffers(t.Model)) {
		return bad("best weights hold %d tensors, the model has %d", len(best), len(t.Model.Params())+len(nn.Buffers(t.Model)))
	}
	var bestP, bestB []*tensor.Tensor
	if st.BestEpoch > 0 {
		for _, p := range t.Model.Params() {
			b, ok := best["best."+p.Name]
			if !ok || !b.SameShape(p.Value.Data()) {
				return bad("best weights lack %s or have the wrong shape", p.Name)
			}
			bestP = append(bestP, b.To(p.Value.Data().DType()))
		}
		for _, bf := range nn.Buffers(t.Model) {
			b, ok := best["best_buffer."+bf.Name]
			if !ok || !b.SameShape(bf.Tensor) {
				return bad("best buffers lack %s or have the wrong shape", bf.Name)
			}
			bestB = append(bestB, b.To(bf.Tensor.DType()))
		}
	}
	pcg := *t.PCG
	if err := pcg.UnmarshalBinary(pcgState); err != nil {
		return bad("bad random state: %v", err)
	}
	ostate := optim.State{Optimizer: st.Optimizer, Hyper: st.Hyper, Steps: st.Steps, Tensors: opt}
	// The optimizer checks its state against the parameters; do it on a
	// copy of the current state so that a failure changes nothing.
	before := t.Opt.State()
	if err := t.Opt.LoadState(ostate); err != nil {
		return bad("%v", err)
	}
	var policyBefore optim.PolicyState
	if t.Cfg.Policy != nil {
		policyBefore = t.Cfg.Policy.PolicyState()
		if err := t.Cfg.Policy.LoadPolicyState(*st.Policy); err != nil {
			_ = t.Opt.LoadState(before)
			return bad("%v", err)
		}
	}
	if err := statedict.Apply(model, t.Model); err != nil {
		_ = t.Opt.LoadState(before)
		if t.Cfg.Policy != nil {
			_ = t.Cfg.Policy.LoadPolicyState(policyBefore)
		}
		return bad("model weights: %v", err)
	}
	*t.PCG = pcg
	t.Epoch, t.BestEpoch, t.stale, t.History = st.Epoch, st.BestEpoch, st.Stale, st.History
	t.Best, t.BestBufs = bestP, bestB
	t.trainSeconds, t.trainImages = st.TrainSeconds, st.TrainImages
	return nil
}
