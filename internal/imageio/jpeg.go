package imageio

import (
	"errors"
	"fmt"
)

// JPEG markers (ITU T.81, table B.1) that checkJPEG needs.
const (
	mSOI = 0xd8
	mEOI = 0xd9
	mSOS = 0xda
	mTEM = 0x01
)

// isSOF reports whether marker m starts a frame (SOF0–SOF15 less DHT,
// JPG and DAC).
func isSOF(m byte) bool { return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc }

// isRST reports whether m is a restart marker, which stands alone in the
// entropy-coded data.
func isRST(m byte) bool { return m >= 0xd0 && m <= 0xd7 }

// checkJPEG walks the marker segments of a JPEG, without decoding, to
// count its scans (refusing more than maxScans as soon as it has seen
// them) and to read the frame header for the memory estimate. It is
// lenient where image/jpeg is (junk between segments, a missing EOI): it
// only refuses what is over a limit, and leaves the judgement of
// corruption to the decoder.
func checkJPEG(cfg *Config, data []byte, maxScans int) error {
	i := 2 // after SOI
	var frame []byte
	progressive := false
	for i < len(data) {
		// Find the next marker: 0xff, any fill bytes 0xff, then the code.
		if data[i] != 0xff {
			i++
			continue
		}
		for i < len(data) && data[i] == 0xff {
			i++
		}
		if i >= len(data) {
			break
		}
		m := data[i]
		i++
		switch {
		case m == 0 || m == mSOI || m == mTEM || isRST(m):
			continue // no length field
		case m == mEOI:
			i = len(data)
			continue
		}
		if i+2 > len(data) {
			break
		}
		n := int(data[i])<<8 | int(data[i+1])
		if n < 2 {
			return &FormatError{Format: JPEG, Err: fmt.Errorf("segment %#02x at byte %d has length %d", m, i-2, n)}
		}
		seg := data[i+2 : min(len(data), i+n)]
		i += n
		if isSOF(m) && frame == nil {
			frame = seg
			progressive = m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce
		}
		if m != mSOS {
			continue
		}
		cfg.Scans++
		if cfg.Scans > maxScans {
			return &LimitError{Format: JPEG, Limit: "scans", Value: int64(cfg.Scans), Max: int64(maxScans),
				msg: fmt.Sprintf("the JPEG image has over %d scans, the limit (an ordinary progressive JPEG has about 10; each scan makes the decoder walk the whole image again): save it as a baseline JPEG or a PNG", maxScans)}
		}
		// Skip the entropy-coded data: up to a marker that is neither a
		// stuffed 0xff00 nor a restart marker.
		for i < len(data) {
			if data[i] != 0xff {
				i++
				continue
			}
			j := i + 1
			for j < len(data) && data[j] == 0xff {
				j++
			}
			if j < len(data) && (data[j] == 0 || isRST(data[j])) {
				i = j + 1
				continue
			}
			i = j - 1 // the last 0xff before the marker's code
			break
		}
	}
	return jpegMemory(cfg, frame, progressive)
}

// jpegMemory estimates what image/jpeg allocates for the frame header
// seg: a byte a sample for the planes (Gray, YCbCr, CMYK), 4 bytes a
// pixel more where colour is converted (RGB, CMYK), and for a progressive
// frame 256 bytes per 8×8 block of coefficients (4 bytes a sample).
func jpegMemory(cfg *Config, seg []byte, progressive bool) error {
	if len(seg) < 6 {
		return &FormatError{Format: JPEG, Err: errors.New("no frame header (SOF) before the end")}
	}
	nf := int(seg[5])
	if nf < 1 || len(seg) < 6+3*nf {
		return &FormatError{Format: JPEG, Err: fmt.Errorf("frame header with %d components in %d bytes", nf, len(seg))}
	}
	hmax, vmax := 1, 1
	for c := range nf {
		hv := seg[6+3*c+1]
		hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&15))
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	var samples int64
	for c := range nf {
		hv := seg[6+3*c+1]
		hi, vi := max(1, int64(hv>>4)), max(1, int64(hv&15))
		// Rounded up to whole blocks of whole MCUs.
		bw := (w*hi + int64(8*hmax) - 1) / int64(8*hmax)
		bh := (h*vi + int64(8*vmax) - 1) / int64(8*vmax)
		samples += (bw + hi) * (bh + vi) * 64
	}
	per := int64(1)
	cfg.Detail = fmt.Sprintf("%d components", nf)
	if progressive {
		per += 4
		cfg.Detail = "progressive, " + cfg.Detail
	}
	cfg.Memory = samples * per
	if nf >= 3 {
		cfg.Memory += 4 * w * h
	}
	return nil
}
