package onnx

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The limits Import checks before it decodes a file: an ONNX model is
// protobuf, where a few bytes can claim a tensor of any size and packed
// integers grow eightfold when decoded, so the file's structure is
// scanned first and its claims bounded.
const (
	// MaxFileBytes bounds the model file (and each external data file):
	// 1 GiB, more than a model of MaxElements float32 numbers needs.
	MaxFileBytes = 1 << 30
	// MaxElements bounds one tensor and, together, every tensor of the
	// file: 100 million numbers, the bound baeum's models put on their
	// parameters.
	MaxElements = 100_000_000
	// MaxNodes bounds the graph's nodes.
	MaxNodes = 100_000
	// maxRank bounds a tensor's dimensions, maxDim each dimension and
	// each integer attribute, maxEdges a node's inputs and outputs and
	// maxAttrs its attributes.
	maxRank  = 8
	maxDim   = 1 << 31
	maxEdges = 4096
	maxAttrs = 64
)

// Field numbers of onnx.proto that the scan follows.
const (
	fModelGraph       = 7
	fGraphNode        = 1
	fGraphInitializer = 5
	fNodeInput        = 1
	fNodeOutput       = 2
	fNodeAttribute    = 5
	fAttrT            = 5
	fAttrG            = 6
	fAttrTensors      = 10
	fAttrGraphs       = 11
	fAttrSparse       = 22
	fAttrSparses      = 23
	fTensorDims       = 1
	fTensorFloat      = 4
	fTensorInt32      = 5
	fTensorString     = 6
	fTensorInt64      = 7
	fTensorRaw        = 9
	fTensorDouble     = 10
	fTensorUint64     = 11
)

// scan walks the wire format of a ModelProto and refuses, before
// anything is decoded, a graph with more than MaxNodes nodes, a node with
// more than maxEdges inputs and outputs or maxAttrs attributes, a
// subgraph (If, Loop and Scan are not supported), and tensors whose
// claimed or stored elements exceed MaxElements, alone or together.
func scan(b []byte) error {
	s := &scanner{}
	return s.fields(b, "model", func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == fModelGraph && typ == protowire.BytesType {
			return s.graph(v)
		}
		return nil
	})
}

type scanner struct {
	nodes int
	total int64
}

// fields calls fn for each field of message b; fn gets the bytes of a
// length-delimited field and nil for the others.
func (s *scanner) fields(b []byte, what string, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%s: malformed protobuf: %v", what, protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%s: malformed protobuf: %v", what, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}

func (s *scanner) graph(b []byte) error {
	return s.fields(b, "graph", func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case typ != protowire.BytesType:
		case num == fGraphNode:
			s.nodes++
			if s.nodes > MaxNodes {
				return fmt.Errorf("graph: more than %d nodes", MaxNodes)
			}
			return s.node(v)
		case num == fGraphInitializer:
			return s.tensor(v, "initializer")
		}
		return nil
	})
}

func (s *scanner) node(b []byte) error {
	edges, nattrs := 0, 0
	return s.fields(b, "node", func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case typ != protowire.BytesType:
		case num == fNodeInput || num == fNodeOutput:
			if edges++; edges > maxEdges {
				return fmt.Errorf("node %d: more than %d inputs and outputs", s.nodes, maxEdges)
			}
		case num == fNodeAttribute:
			if nattrs++; nattrs > maxAttrs {
				return fmt.Errorf("node %d: more than %d attributes", s.nodes, maxAttrs)
			}
			return s.attribute(v)
		}
		return nil
	})
}

func (s *scanner) attribute(b []byte) error {
	return s.fields(b, "attribute", func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case typ != protowire.BytesType:
		case num == fAttrT || num == fAttrTensors:
			return s.tensor(v, fmt.Sprintf("a tensor attribute of node %d", s.nodes))
		case num == fAttrG || num == fAttrGraphs:
			return fmt.Errorf("node %d has a subgraph attribute: control flow (If, Loop, Scan) is not supported", s.nodes)
		case num == fAttrSparse || num == fAttrSparses:
			return fmt.Errorf("node %d has a sparse tensor attribute, which is not supported", s.nodes)
		}
		return nil
	})
}

// tensor bounds one TensorProto: its dimensions, the product of the
// dimensions, and the numbers stored in each repeated field.
func (s *scanner) tensor(b []byte, what string) error {
	var dims []int64
	stored := int64(0)
	err := s.fields(b, what, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch num {
		case fTensorDims:
			if typ == protowire.VarintType {
				// An unpacked dimension: fields hands over no bytes, so
				// it is counted but its value is read again below.
				dims = append(dims, -1)
				return nil
			}
			for len(v) > 0 {
				d, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return fmt.Errorf("%s: malformed dims", what)
				}
				v = v[n:]
				dims = append(dims, int64(d))
			}
		case fTensorFloat, fTensorInt32, fTensorInt64, fTensorDouble, fTensorUint64:
			if typ == protowire.BytesType {
				stored += packedCount(num, v)
			} else {
				stored++
			}
		case fTensorString:
			stored++
		}
		if len(dims) > maxRank {
			return fmt.Errorf("%s: more than %d dimensions", what, maxRank)
		}
		return nil
	})
	if err != nil {
		return err
	}
	claimed := int64(1)
	for _, d := range dims {
		if d < 0 {
			continue // checked after decoding, like every dimension
		}
		if d > maxDim {
			return fmt.Errorf("%s: dimension %d is more than %d", what, d, int64(maxDim))
		}
		if claimed *= d; claimed > MaxElements {
			return fmt.Errorf("%s: more than %d elements", what, MaxElements)
		}
	}
	if stored > MaxElements {
		return fmt.Errorf("%s: stores more than %d numbers", what, MaxElements)
	}
	s.total += max(claimed, stored)
	if s.total > MaxElements {
		return fmt.Errorf("the file's tensors hold more than %d numbers together", MaxElements)
	}
	return nil
}

// packedCount counts the numbers in a packed repeated field: fixed-width
// floats and doubles by size, varints by their last bytes.
func packedCount(num protowire.Number, v []byte) int64 {
	switch num {
	case fTensorFloat:
		return int64(len(v) / 4)
	case fTensorDouble:
		return int64(len(v) / 8)
	}
	n := int64(0)
	for _, c := range v {
		if c < 0x80 {
			n++
		}
	}
	return n
}
