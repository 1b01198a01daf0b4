package onnx

import (
	"fmt"
	"slices"
	"strings"

	"github.com/baeum-ml/baeum/onnx/internal/pb"
)

// attrs reads a node's attributes, each at most once by name, and checks
// that the node has no attribute its operator does not take.
type attrs struct {
	node *pb.NodeProto
	by   map[string]*pb.AttributeProto
}

// newAttrs indexes n's attributes and refuses one not in allowed, or one
// given twice.
func newAttrs(n *pb.NodeProto, allowed []string) (attrs, error) {
	a := attrs{node: n, by: map[string]*pb.AttributeProto{}}
	for _, at := range n.GetAttribute() {
		name := at.GetName()
		if !slices.Contains(allowed, name) {
			known := "none"
			if len(allowed) > 0 {
				known = strings.Join(allowed, ", ")
			}
			return a, fmt.Errorf("attribute %q is not supported (supported: %s)", name, known)
		}
		if a.by[name] != nil {
			return a, fmt.Errorf("attribute %q given twice", name)
		}
		if at.GetRefAttrName() != "" {
			return a, fmt.Errorf("attribute %q refers to a function's attribute, which only functions have", name)
		}
		a.by[name] = at
	}
	return a, nil
}

func (a attrs) has(name string) bool { return a.by[name] != nil }

// typed returns the attribute if present, checking its type.
func (a attrs) typed(name string, want pb.AttributeProto_AttributeType) (*pb.AttributeProto, error) {
	at := a.by[name]
	if at == nil {
		return nil, nil
	}
	if t := at.GetType(); t != want && t != pb.AttributeProto_UNDEFINED {
		return nil, fmt.Errorf("attribute %q is %v, want %v", name, t, want)
	}
	return at, nil
}

func (a attrs) int(name string, def int64) (int64, error) {
	at, err := a.typed(name, pb.AttributeProto_INT)
	if at == nil || err != nil {
		return def, err
	}
	return at.GetI(), nil
}

func (a attrs) float(name string, def float32) (float32, error) {
	at, err := a.typed(name, pb.AttributeProto_FLOAT)
	if at == nil || err != nil {
		return def, err
	}
	return at.GetF(), nil
}

func (a attrs) string(name, def string) (string, error) {
	at, err := a.typed(name, pb.AttributeProto_STRING)
	if at == nil || err != nil {
		return def, err
	}
	return string(at.GetS()), nil
}

// ints returns the attribute's integers, or nil when absent. Each must
// fit an int of at most maxDim in magnitude: attributes size windows and
// paddings, not memory.
func (a attrs) ints(name string) ([]int, error) {
	at, err := a.typed(name, pb.AttributeProto_INTS)
	if at == nil || err != nil {
		return nil, err
	}
	if len(at.GetInts()) > maxRank*2 {
		return nil, fmt.Errorf("attribute %q has %d values, more than %d", name, len(at.GetInts()), maxRank*2)
	}
	out := make([]int, len(at.GetInts()))
	for i, v := range at.GetInts() {
		if v > maxDim || v < -maxDim {
			return nil, fmt.Errorf("attribute %q: %d is beyond ±%d", name, v, maxDim)
		}
		out[i] = int(v)
	}
	return out, nil
}

func (a attrs) tensor(name string) (*pb.TensorProto, error) {
	at, err := a.typed(name, pb.AttributeProto_TENSOR)
	if at == nil || err != nil {
		return nil, err
	}
	return at.GetT(), nil
}
