package checkpoint_test

import (
	"bytes"
	"testing"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/internal/safetensors"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// FuzzLoad feeds arbitrary bytes through the checkpoint loader (the file
// format's decoder, then the checks against a model): bad input must give
// an error, never a panic, and a file that loads must hold finite numbers.
func FuzzLoad(f *testing.F) {
	m, _ := models.New(tensor.NewRNG(1), models.Config{Name: "mlp", Hidden: []int{3}})
	var good bytes.Buffer
	if err := safetensors.Encode(&good, checkpoint.Tensors(m), map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:40])
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      "))
	bad := bytes.Clone(good.Bytes())
	bad[20] ^= 0xff
	f.Add(bad)
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := safetensors.Decode(raw)
		if err != nil {
			return
		}
		if err := checkpoint.Apply(file, m); err != nil {
			return
		}
		for _, p := range m.Params() {
			for _, v := range p.Value.Data().F32() {
				if v != v {
					t.Fatal("loaded a NaN")
				}
			}
		}
	})
}
