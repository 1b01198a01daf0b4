package augment_test

import (
	"fmt"

	"github.com/baeum-ml/baeum/data/augment"
)

// An augmenter for 28×28 digits, as baeum train --augment digits builds
// it: the same (seed, epoch, index) always gives the same image.
func Example() {
	cfg, err := augment.Parse("digits", 28, 28)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg)
	a, err := augment.New(1, 28, 28, 1, cfg)
	if err != nil {
		panic(err)
	}
	src := make([]byte, 28*28)
	for y := 8; y < 20; y++ {
		src[y*28+14] = 255 // a vertical stroke
	}
	d1, d2 := make([]byte, len(src)), make([]byte, len(src))
	a.Augment(d1, src, 1, 0)
	a.Augment(d2, src, 1, 0)
	fmt.Println(string(d1) == string(d2), string(d1) == string(src))
	// Output:
	// affine(shift=2,rotate=10,scale=0.1,shear=0.1),elastic(alpha=34,sigma=4)
	// true false
}
