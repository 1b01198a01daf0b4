package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/baeum-ml/baeum/onnx/internal/pb"
	"github.com/baeum-ml/baeum/tensor"
)

// This file is the I/O edge between tensors and ONNX's TensorProto bytes.

// float32s returns a copy of t's elements as float32.
func float32s(t *tensor.Tensor) []float32 {
	if t.DType() == tensor.Float32 {
		return append([]float32(nil), t.F32()...)
	}
	f := t.Float64s()
	out := make([]float32, len(f))
	for i, v := range f {
		out[i] = float32(v)
	}
	return out
}

// floatTensor is a FLOAT TensorProto holding v, little-endian in raw_data.
func floatTensor(name string, v []float32, shape []int) *pb.TensorProto {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	return &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_FLOAT)), Dims: dims, RawData: raw}
}

// data is a decoded tensor: float numbers (FLOAT and DOUBLE tensors, as
// float32) or integers (INT64, INT32 and BOOL tensors, as int64).
type data struct {
	shape []int
	f     []float32
	i     []int64
	isInt bool
}

func (d *data) len() int {
	if d.isInt {
		return len(d.i)
	}
	return len(d.f)
}

// external reads the bytes of a tensor stored outside the model file.
type external func(location string, offset, length int64) ([]byte, error)

// decode checks a TensorProto's shape against the numbers it stores and
// converts them. ext reads external data; nil refuses it.
func decode(tp *pb.TensorProto, ext external) (*data, error) {
	name := tp.GetName()
	shape, n, err := shapeOf(tp)
	if err != nil {
		return nil, err
	}
	if tp.GetSegment() != nil {
		return nil, fmt.Errorf("tensor %q is segmented, which is not supported", name)
	}
	raw := tp.GetRawData()
	if tp.GetDataLocation() == pb.TensorProto_EXTERNAL {
		if ext == nil {
			return nil, fmt.Errorf("tensor %q is stored in an external file, which this reader does not allow (open the model by its path)", name)
		}
		var location string
		offset, length := int64(0), int64(-1)
		for _, kv := range tp.GetExternalData() {
			var err error
			switch kv.GetKey() {
			case "location":
				location = kv.GetValue()
			case "offset":
				offset, err = strconv.ParseInt(kv.GetValue(), 10, 64)
			case "length":
				length, err = strconv.ParseInt(kv.GetValue(), 10, 64)
			case "checksum":
			default:
				err = fmt.Errorf("unknown key %q", kv.GetKey())
			}
			if err != nil {
				return nil, fmt.Errorf("tensor %q: external data: %v", name, err)
			}
		}
		width := int64(elementBytes(tp.GetDataType()))
		if width == 0 {
			return nil, fmt.Errorf("tensor %q: external data of type %v is not supported", name, pb.TensorProto_DataType(tp.GetDataType()))
		}
		if length < 0 {
			length = n * width
		}
		if length != n*width {
			return nil, fmt.Errorf("tensor %q of shape %v needs %d bytes, its external data says %d", name, shape, n*width, length)
		}
		var err error
		if raw, err = ext(location, offset, length); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
	}
	d := &data{shape: shape}
	count := func(have int) error {
		if int64(have) != n {
			return fmt.Errorf("tensor %q of shape %v holds %d numbers, want %d", name, shape, have, n)
		}
		return nil
	}
	switch dt := pb.TensorProto_DataType(tp.GetDataType()); dt {
	case pb.TensorProto_FLOAT:
		if raw != nil {
			if len(raw)%4 != 0 {
				return nil, fmt.Errorf("tensor %q: %d bytes of float32", name, len(raw))
			}
			if err := count(len(raw) / 4); err != nil {
				return nil, err
			}
			d.f = make([]float32, n)
			for i := range d.f {
				d.f[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			return d, nil
		}
		if err := count(len(tp.GetFloatData())); err != nil {
			return nil, err
		}
		d.f = append([]float32(nil), tp.GetFloatData()...)
	case pb.TensorProto_DOUBLE:
		var v []float64
		if raw != nil {
			if len(raw)%8 != 0 {
				return nil, fmt.Errorf("tensor %q: %d bytes of float64", name, len(raw))
			}
			v = make([]float64, len(raw)/8)
			for i := range v {
				v[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		} else {
			v = tp.GetDoubleData()
		}
		if err := count(len(v)); err != nil {
			return nil, err
		}
		d.f = make([]float32, n)
		for i, x := range v {
			d.f[i] = float32(x)
		}
	case pb.TensorProto_INT64, pb.TensorProto_INT32, pb.TensorProto_BOOL:
		d.isInt = true
		switch {
		case raw != nil:
			w := elementBytes(int32(dt))
			if len(raw)%w != 0 {
				return nil, fmt.Errorf("tensor %q: %d bytes of %v", name, len(raw), dt)
			}
			if err := count(len(raw) / w); err != nil {
				return nil, err
			}
			d.i = make([]int64, n)
			for i := range d.i {
				switch w {
				case 8:
					d.i[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
				case 4:
					d.i[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
				default:
					d.i[i] = int64(raw[i])
				}
			}
		case dt == pb.TensorProto_INT64:
			if err := count(len(tp.GetInt64Data())); err != nil {
				return nil, err
			}
			d.i = append([]int64(nil), tp.GetInt64Data()...)
		default: // INT32 and BOOL live in int32_data
			if err := count(len(tp.GetInt32Data())); err != nil {
				return nil, err
			}
			d.i = make([]int64, n)
			for i, v := range tp.GetInt32Data() {
				d.i[i] = int64(v)
			}
		}
	default:
		return nil, fmt.Errorf("tensor %q has element type %v, which is not supported (FLOAT, DOUBLE read as float32, INT64, INT32, BOOL)", name, dt)
	}
	return d, nil
}

// shapeOf checks a TensorProto's dimensions and returns them with their
// product.
func shapeOf(tp *pb.TensorProto) ([]int, int64, error) {
	name := tp.GetName()
	if len(tp.GetDims()) > maxRank {
		return nil, 0, fmt.Errorf("tensor %q: %d dimensions, more than %d", name, len(tp.GetDims()), maxRank)
	}
	shape := make([]int, len(tp.GetDims()))
	n := int64(1)
	for i, d := range tp.GetDims() {
		if d < 0 || d > maxDim {
			return nil, 0, fmt.Errorf("tensor %q: dimension %d of %v is out of range", name, i, tp.GetDims())
		}
		shape[i] = int(d)
		if n *= d; n > MaxElements {
			return nil, 0, fmt.Errorf("tensor %q of shape %v: more than %d elements", name, tp.GetDims(), MaxElements)
		}
	}
	return shape, n, nil
}

// elementBytes is the size of one element of the types decode reads
// from raw bytes, 0 for others.
func elementBytes(dt int32) int {
	switch pb.TensorProto_DataType(dt) {
	case pb.TensorProto_FLOAT, pb.TensorProto_INT32:
		return 4
	case pb.TensorProto_DOUBLE, pb.TensorProto_INT64:
		return 8
	case pb.TensorProto_BOOL:
		return 1
	}
	return 0
}

// tensorOf makes a float32 tensor of d.
func (d *data) tensor() *tensor.Tensor {
	return tensor.FromFloat32(append([]float32(nil), d.f...), d.shape...)
}

// scalar reads the one number of t (a Pad value, a Dropout ratio).
func scalar(t *tensor.Tensor) float64 { return t.Float64s()[0] }
