package nn

import (
	"fmt"
	"strings"

	"github.com/baeum-ml/baeum/autograd"
	"github.com/baeum-ml/baeum/tensor"
)

// Walk calls fn for m and every module inside it, each parent before its
// children and the children in the order of Children, with the module's
// dotted path from m: "" for m itself, "block.body" for child "body" of
// child "block". A child named "" shares its parent's path. Walk is how
// Params, Buffers and everything built on them see a model; it panics if
// a container lists a nil child.
func Walk(m Module, fn func(path string, m Module)) {
	fn("", m)
	walkChildren("", m, fn)
}

func walkChildren(path string, m Module, fn func(string, Module)) {
	c, ok := m.(Container)
	if !ok {
		return
	}
	for _, ch := range c.Children() {
		if ch.Module == nil {
			panic(fmt.Sprintf("nn: child %q of %T at %q is nil", ch.Name, m, path))
		}
		p := JoinPath(path, ch.Name)
		fn(p, ch.Module)
		walkChildren(p, ch.Module, fn)
	}
}

// JoinPath appends name to a dotted path of the module tree, as
// parameter names are made: an empty part adds nothing.
func JoinPath(path, name string) string {
	switch {
	case path == "":
		return name
	case name == "":
		return path
	}
	return path + "." + name
}

// ownParams returns the parameters m holds itself, with local names: a
// ParamOwner's LocalParams, nothing for another container (its Params is
// the walk of its children), and a leaf's Params.
func ownParams(m Module) []Param {
	if o, ok := m.(ParamOwner); ok {
		return o.LocalParams()
	}
	if _, ok := m.(Container); ok {
		return nil
	}
	return m.Params()
}

// Params lists the parameters of m and of every module inside it, in the
// order of Walk, each named by its module's path and its local name
// ("c1.weight"). Containers implement their Params method as a call to
// it. It panics if two parameters get the same name.
func Params(m Module) []Param {
	var out []Param
	Walk(m, func(path string, m Module) {
		for _, p := range ownParams(m) {
			p.Name = JoinPath(path, p.Name)
			out = append(out, p)
		}
	})
	checkUnique("parameter", len(out), func(i int) string { return out[i].Name })
	return out
}

// Buffers lists the buffers of m and of every module inside it, in the
// order of Walk, with dotted names as Params has them
// ("bn.running_mean"). It panics if two buffers get the same name.
func Buffers(m Module) []Buffer {
	var out []Buffer
	Walk(m, func(path string, m Module) {
		if b, ok := m.(Buffered); ok {
			for _, buf := range b.Buffers() {
				buf.Name = JoinPath(path, buf.Name)
				out = append(out, buf)
			}
		}
	})
	checkUnique("buffer", len(out), func(i int) string { return out[i].Name })
	return out
}

func checkUnique(what string, n int, name func(int) string) {
	seen := make(map[string]bool, n)
	for i := range n {
		s := name(i)
		if seen[s] {
			panic(fmt.Sprintf("nn: two %ss are named %q: give the modules that hold them different names", what, s))
		}
		seen[s] = true
	}
}

// CountParams returns the number of trainable numbers in m.
func CountParams(m Module) int {
	n := 0
	for _, p := range Params(m) {
		n += p.Value.Data().Len()
	}
	return n
}

// ZeroGrad zeroes the gradients of every parameter of m.
func ZeroGrad(m Module) {
	for _, p := range Params(m) {
		p.Value.ZeroGrad()
	}
}

// Convert changes every parameter and buffer of m to dtype, as PyTorch's
// .double() or .float() do (gradient checks run models in float64).
func Convert(m Module, dtype tensor.DType) {
	for _, p := range Params(m) {
		p.Value.SetData(p.Value.Data().To(dtype))
	}
	for _, b := range Buffers(m) {
		b.Tensor.Convert(dtype) // in place: the module holds the same tensor
	}
}

// nameValues gives every parameter value of m its dotted name, so that
// graph drawings show it. Container constructors call it; an enclosing
// container's constructor renames them again with longer paths.
func nameValues(m Module) {
	Walk(m, checkOwnParams)
	for _, p := range Params(m) {
		p.Value.SetName(p.Name)
	}
}

// checkOwnParams panics when container m lists in its Params method a
// parameter that the tree walk does not find: one it holds itself but does
// not declare in LocalParams, which would be neither trained nor saved.
func checkOwnParams(path string, m Module) {
	if _, ok := m.(Container); !ok {
		return
	}
	found := map[*autograd.Value]bool{}
	for _, p := range Params(m) {
		found[p.Value] = true
	}
	for _, p := range m.Params() {
		if !found[p.Value] {
			panic(fmt.Sprintf("nn: %T at %q lists parameter %q in Params, but neither its LocalParams nor its Children hold it: the tree walk would leave it untrained and unsaved", m, path, p.Name))
		}
	}
}

// checkChildren panics unless every child has a non-nil module and a
// unique, non-empty name without dots.
func checkChildren(kind string, children []Named) {
	seen := map[string]bool{}
	for _, c := range children {
		if c.Name == "" || strings.Contains(c.Name, ".") || seen[c.Name] {
			panic(fmt.Sprintf("nn: %s child name %q is empty, dotted or repeated", kind, c.Name))
		}
		if c.Module == nil {
			panic(fmt.Sprintf("nn: %s child %q is nil", kind, c.Name))
		}
		seen[c.Name] = true
	}
}

// BatchCoupled is implemented by a layer whose output for one example, in
// training, depends on the other examples of its batch, as batch
// normalisation's does. Training such a model on shares of each batch
// at once (package train's Config.Shares) would change what it
// computes, so the trainer refuses it. A custom layer that mixes a
// batch's examples should implement it.
type BatchCoupled interface {
	CouplesBatch() bool
}

// CouplesBatch reports whether a layer of m, m included, couples the
// examples of a batch (BatchCoupled) or keeps running statistics
// (Buffered with buffers, as batch normalisation does).
func CouplesBatch(m Module) bool {
	coupled := false
	Walk(m, func(_ string, m Module) {
		if b, ok := m.(BatchCoupled); ok && b.CouplesBatch() {
			coupled = true
		}
		if b, ok := m.(Buffered); ok && len(b.Buffers()) > 0 {
			coupled = true
		}
	})
	return coupled
}
