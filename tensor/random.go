package tensor

import "math/rand/v2"

// RandNormal returns a tensor of samples from the normal distribution with
// the given mean and standard deviation, drawn from rng. Randomness always
// comes from an explicit source, so a seed reproduces a run. dtype must be
// Float32 or Float64.
func RandNormal(rng *rand.Rand, dtype DType, mean, std float64, shape ...int) *Tensor {
	if !dtype.IsFloat() {
		panic(notFloat("RandNormal", dtype))
	}
	t := New(dtype, shape...)
	for i := 0; i < t.Len(); i++ {
		t.SetFlat(i, mean+std*rng.NormFloat64())
	}
	return t
}

// RandUniform returns a tensor of samples from the uniform distribution on
// [lo, hi), drawn from rng. dtype must be Float32 or Float64.
func RandUniform(rng *rand.Rand, dtype DType, lo, hi float64, shape ...int) *Tensor {
	if !dtype.IsFloat() {
		panic(notFloat("RandUniform", dtype))
	}
	t := New(dtype, shape...)
	for i := 0; i < t.Len(); i++ {
		t.SetFlat(i, lo+(hi-lo)*rng.Float64())
	}
	return t
}

// NewRNG returns a random source seeded with seed: a PCG generator, whose
// state can be saved with MarshalBinary (see rand.PCG) to resume a run.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
