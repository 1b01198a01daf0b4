package imagefolder

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
)

// The EXIF orientation tag (TIFF tag 274) and the one type it may have.
const (
	tagOrientation = 0x0112
	typeShort      = 3
)

// Orientation returns the EXIF orientation of a JPEG — 1 (upright) to 8,
// as TIFF 6.0 numbers them — or 1 when the file has no EXIF block or no
// orientation tag. It reads the marker segments before the first scan
// and, in the first APP1 "Exif" segment, the entries of IFD0, and nothing
// else: the work is bounded by the length of jpeg. It is strict: a
// segment that runs past the end, a byte order other than II or MM, a
// TIFF magic other than 42, an IFD0 outside the block, an orientation of
// another type or count, out of 1…8 or given twice are errors that say
// where.
func Orientation(jpeg []byte) (int, error) {
	if len(jpeg) < 2 || jpeg[0] != 0xff || jpeg[1] != 0xd8 {
		return 0, errors.New("EXIF: not a JPEG (no SOI marker)")
	}
	i := 2
	for i < len(jpeg) {
		if jpeg[i] != 0xff {
			return 0, fmt.Errorf("EXIF: byte %d: %#02x where a marker was expected", i, jpeg[i])
		}
		for i < len(jpeg) && jpeg[i] == 0xff {
			i++ // fill bytes
		}
		if i >= len(jpeg) {
			break
		}
		m := jpeg[i]
		i++
		switch {
		case m == 0xda || m == 0xd9: // SOS, EOI: no EXIF after the first scan
			return 1, nil
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // TEM, RSTn: no length
			continue
		}
		if i+2 > len(jpeg) {
			return 0, fmt.Errorf("EXIF: segment %#02x at byte %d has no length", m, i-2)
		}
		n := int(binary.BigEndian.Uint16(jpeg[i:]))
		if n < 2 || i+n > len(jpeg) {
			return 0, fmt.Errorf("EXIF: segment %#02x at byte %d has length %d, past the end of the %d-byte file", m, i-2, n, len(jpeg))
		}
		seg := jpeg[i+2 : i+n]
		i += n
		if m == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
	}
	return 1, nil
}

// tiffOrientation reads the orientation tag of IFD0 in a TIFF block.
func tiffOrientation(b []byte) (int, error) {
	if len(b) < 8 {
		return 0, fmt.Errorf("EXIF: TIFF header of %d bytes, want 8", len(b))
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, fmt.Errorf("EXIF: byte order %q, want II or MM", b[:2])
	}
	if magic := bo.Uint16(b[2:]); magic != 42 {
		return 0, fmt.Errorf("EXIF: TIFF magic %d, want 42", magic)
	}
	off := int64(bo.Uint32(b[4:]))
	if off < 8 || off+2 > int64(len(b)) {
		return 0, fmt.Errorf("EXIF: IFD0 offset %d outside the %d-byte block", off, len(b))
	}
	count := int64(bo.Uint16(b[off:]))
	if off+2+12*count > int64(len(b)) {
		return 0, fmt.Errorf("EXIF: IFD0 of %d entries at offset %d runs past the %d-byte block", count, off, len(b))
	}
	orientation := 1
	found := false
	for k := range count {
		e := b[off+2+12*k : off+2+12*(k+1)]
		if bo.Uint16(e) != tagOrientation {
			continue
		}
		typ, n := bo.Uint16(e[2:]), bo.Uint32(e[4:])
		switch {
		case found:
			return 0, errors.New("EXIF: the orientation tag is given twice")
		case typ != typeShort || n != 1:
			return 0, fmt.Errorf("EXIF: orientation of type %d and count %d, want one SHORT (type 3)", typ, n)
		}
		v := int(bo.Uint16(e[8:]))
		if v < 1 || v > 8 {
			return 0, fmt.Errorf("EXIF: orientation %d, want 1 to 8", v)
		}
		orientation, found = v, true
	}
	return orientation, nil
}

// Orient returns img as it is meant to be seen, given its EXIF
// orientation o (1 to 8; anything else leaves it as it is): mirrored
// and/or rotated. Orientations 5 to 8 swap width and height.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if o >= 5 {
		w, h = h, w
	}
	return &oriented{src: img, o: o, r: image.Rect(0, 0, w, h)}
}

// oriented is an image seen through an EXIF orientation.
type oriented struct {
	src image.Image
	o   int
	r   image.Rectangle
}

func (m *oriented) ColorModel() color.Model { return m.src.ColorModel() }
func (m *oriented) Bounds() image.Rectangle { return m.r }

// At maps a point of the upright picture to the stored one.
func (m *oriented) At(x, y int) color.Color {
	b := m.src.Bounds()
	w, h := b.Dx(), b.Dy() // the stored size
	var sx, sy int
	switch m.o {
	case 2: // mirrored left to right
		sx, sy = w-1-x, y
	case 3: // turned half round
		sx, sy = w-1-x, h-1-y
	case 4: // mirrored top to bottom
		sx, sy = x, h-1-y
	case 5: // transposed
		sx, sy = y, x
	case 6: // stored turned a quarter anticlockwise: turn clockwise
		sx, sy = y, h-1-x
	case 7: // transversed
		sx, sy = w-1-y, h-1-x
	case 8: // stored turned a quarter clockwise: turn anticlockwise
		sx, sy = w-1-y, x
	}
	return m.src.At(b.Min.X+sx, b.Min.Y+sy)
}
