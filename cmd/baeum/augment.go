package main

import (
	"fmt"

	"github.com/baeum-ml/baeum/data"
	"github.com/baeum-ml/baeum/data/augment"
)

// augmentHelp describes --augment for baeum train's help: the grammar of
// augment.Parse and where its defaults come from.
//
// The defaults for digits follow the distortions that took LeNet-5 and
// its successors past 99.2% on MNIST: LeCun et al. (1998, §III.C) trained
// on "planar affine transformations: translation, scaling, squeezing,
// shearing"; Simard et al. (2003, §2) report α = 34, σ = 4 for elastic
// distortions of 28×28 digits; Cireşan et al. (2010) combined elastic
// distortions with rotations and scalings of this order (up to about 15°
// and 15–20%); ±2 pixels of shift, ±10°, ±10% and a shear of ±0.1 (about
// 6°) are the milder values of common Keras and torchvision recipes, so
// that a network as small as LeNet-5 is not swamped. For natural images,
// a 4-pixel padded crop and a horizontal flip are the standard CIFAR
// recipe (Krizhevsky et al. 2012; He et al. 2016, §4.2).
const augmentHelp = `--augment draws a random transform of every training image, anew each
epoch, from a generator keyed by (--seed, epoch, image index): results do
not depend on --threads and --resume repeats them. Validation and test
images are never transformed. Given alone, --augment means affine for
handwritten digits (images prepared the MNIST way) and natural for other
pictures; a value follows an equals sign (--augment=digits). The value is ` + augment.Grammar

// augmentAuto is what --augment given alone means: augmentSpec picks the
// transforms for the data.
const augmentAuto = "auto"

// augmentSpec resolves "auto": for handwritten digits (images prepared
// the MNIST way) the planar affine distortions that took LeNet-5 to 99.2%
// (LeCun et al. 1998) — with LeNet-5's few parameters, adding elastic
// distortions ("digits") measured lower at 20 epochs (see the README) —
// and for other pictures "natural" (a padded crop and a flip).
func augmentSpec(spec string, base data.ImagePrep) string {
	if spec != augmentAuto {
		return spec
	}
	if base.Resize == "digit" {
		return "affine"
	}
	return "natural"
}

// defaultAugment reports whether a run without --augment (given says
// whether it was) augments anyway: LeNet-5 on MNIST, the default run,
// whose affine distortions take it past 99.0% at every seed in 10 epochs
// (README). Other models and data keep what they are given.
func defaultAugment(o *trainOptions, given bool) bool {
	return !given && o.Target == "" && o.InitFrom == "" && (o.dataDir == "" || o.dataDir == "mnist") && (o.Model == "lenet5" || o.Model == "lenet5-relu")
}

// augmentFor returns the augmenter --augment asks for, for training images
// stored as base says (only its size and channels matter: the transforms
// work on the stored bytes, before normalisation and padding), keyed by
// --seed; nil when --augment is empty or "none". The result goes to
// data.Augment with the training split only.
func augmentFor(o *trainOptions, base data.ImagePrep) (data.Augmenter, error) {
	cfg, err := augment.Parse(augmentSpec(o.Augment, base), base.Height, base.Width)
	if err != nil {
		return nil, fmt.Errorf("--augment %q: %w", o.Augment, err)
	}
	if cfg == (augment.Config{}) {
		return nil, nil
	}
	a, err := augment.New(base.Channels, base.Height, base.Width, o.Seed, cfg)
	if err != nil {
		return nil, fmt.Errorf("--augment %q: %w", o.Augment, err)
	}
	return a, nil
}
