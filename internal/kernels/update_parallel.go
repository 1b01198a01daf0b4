package kernels

// The optimizers' elementwise updates stream the parameter, its gradient
// and one or two state buffers: for the MLP's 235,000 parameters that is
// about 4.7 MB a step, more than one core's caches, and SGD with momentum
// took a tenth of a training step on one core while the other waited.
// A large parameter's update is therefore split among the workers.

// updateKind says which update an updateJob runs.
type updateKind uint8

const (
	updateSGDMomentum updateKind = iota
	updateAdam
)

// parallelUpdateMin is the smallest parameter, in elements, whose update
// is split: below it, waking a worker costs more than it saves. At 1<<14
// the MLP's second weight (128×256, 32,768 elements) is split too, and
// each worker updates the rows of its gradient it has just computed (see
// splitsRows); its training at batch 64 went from a median of 135,980
// to 137,511 images/s, faster in five interleaved pairs of five (baeum
// bench --child mlp:train:64), against 1<<15.
const parallelUpdateMin = 1 << 14

// updateChunk is the unit of the split: chunks start on a 64-byte line.
const updateChunk = 16

// updateJob is one split update; jobs are recycled so that a step
// allocates nothing.
type updateJob struct {
	kind       updateKind
	p, g, a, b []float32
	s          [8]float32 // the update's scalars, in its argument order
	n, chunks  int
}

var updateJobs = make(chan *updateJob, 4)

// parallelUpdate runs the update of the given kind over the workers and
// reports true, or reports false, doing nothing, when p is too small to
// split or there is one thread.
func parallelUpdate(kind updateKind, p, g, a, b []float32, s [8]float32) bool {
	lines := len(p) / updateChunk
	chunks := min(Threads(), len(p)/parallelUpdateMin)
	if chunks < 2 {
		return false
	}
	runPooled(updateJobs, updateJob{kind: kind, p: p, g: g, a: a, b: b, s: s, n: lines, chunks: chunks}, chunks)
	return true
}

// runChunk updates worker w's share: whole 16-element lines, the last
// worker taking the elements left over.
func (j *updateJob) runChunk(w int) {
	lo, hi := ChunkRange(j.n, j.chunks, w)
	lo, hi = lo*updateChunk, hi*updateChunk
	if w == j.chunks-1 {
		hi = len(j.p)
	}
	p, g, s := j.p[lo:hi], j.g[lo:hi], &j.s
	switch j.kind {
	case updateSGDMomentum:
		sgdMomentumSerial(p, g, j.a[lo:hi], s[0], s[1], s[2])
	case updateAdam:
		adamSerial(p, g, j.a[lo:hi], j.b[lo:hi], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
	}
}
