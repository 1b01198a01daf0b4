// Package imageio is the one decoder of images that come from outside:
// files given to baeum predict and bodies posted to baeum serve. It reads
// PNG, JPEG and GIF (the first frame), and it bounds the work an image can
// cause before any pixel is decoded.
//
// A small file can unpack into a great deal of memory or time: a 400 KB
// PNG can declare 20,000×20,000 pixels, a 16-bit one takes 8 bytes a
// pixel, and a 1 MiB progressive JPEG can hold 50,000 scans, each of
// which makes the decoder walk every block of the image again (a minute
// of CPU for a picture inside any pixel limit). So Decode first
//
//   - sniffs the format from the first bytes (whatever a file name or a
//     Content-Type says),
//   - reads the header (image.DecodeConfig and, for PNG, the bit depth and
//     colour type; for JPEG, the frame header) and refuses an image over
//     Limits.MaxPixels or one whose decoding would take more than
//     Limits.MaxMemory bytes,
//   - for JPEG, walks the marker segments and counts the scans, refusing
//     more than Limits.MaxScans,
//
// and only then decodes, reading through the context so that a deadline
// or a client who has gone away stops the work.
//
// Every refusal is a *LimitError that names the limit; an input that is
// not an image, or a corrupt one, is an error that says so.
package imageio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
)

// Defaults for the zero values of Limits.
const (
	// DefaultMaxBytes bounds the encoded file: 16 MiB, more than a phone's
	// photo.
	DefaultMaxBytes = 16 << 20
	// DefaultMaxPixels bounds width×height: 4 megapixels (2048×2048).
	DefaultMaxPixels = 4 << 20
	// DefaultMaxMemory bounds the memory decoding takes (see
	// Config.Memory): 64 MiB, which holds a 2048×2048 16-bit RGBA PNG (32
	// MiB) or a progressive 2048×2048 colour JPEG with subsampled chroma
	// (46 MiB), and refuses the same image in 4:4:4 (76 MiB).
	DefaultMaxMemory = 64 << 20
	// DefaultMaxScans bounds the scans (SOS segments) of a JPEG. A
	// baseline JPEG has one scan per component at most (1–4); libjpeg's
	// standard progression has 10 (6 for grey), and the encoders that
	// search for smaller files (mozjpeg, jpegtran -optimize) stay within a
	// few dozen. libjpeg-turbo warns past 500. Each scan makes the decoder
	// walk every block of its component again, so the decoding time of a
	// JPEG grows with its scans times its pixels: 100 is ten times an
	// ordinary progressive file, and bounds a 2048×2048 image to a
	// fraction of a second.
	DefaultMaxScans = 100
)

// Limits bound what an image may cost. The zero value of each field picks
// its default.
type Limits struct {
	// MaxBytes is the largest encoded image read. Zero means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxPixels is the most pixels (width×height) an image may have. Zero
	// means DefaultMaxPixels.
	MaxPixels int
	// MaxMemory is the most bytes decoding may take, as Config.Memory
	// estimates it from the header (bit depth, components, progressive
	// coefficients). Zero means DefaultMaxMemory.
	MaxMemory int64
	// MaxScans is the most scans a JPEG may have. Zero means
	// DefaultMaxScans.
	MaxScans int
}

// withDefaults fills in the zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	if l.MaxScans <= 0 {
		l.MaxScans = DefaultMaxScans
	}
	return l
}

// Formats, as Decode and Config name them.
const (
	PNG  = "PNG"
	JPEG = "JPEG"
	GIF  = "GIF"
)

// Accepted names the accepted formats, for messages.
const Accepted = "PNG, JPEG or GIF"

// ErrUnknownFormat is returned (wrapped, with the first bytes) for data
// that is not a PNG, JPEG or GIF image.
var ErrUnknownFormat = errors.New("not a " + Accepted + " image")

// A LimitError refuses an image, before it is decoded, for going over one
// of the Limits.
type LimitError struct {
	// Format is the image's format (PNG, JPEG or GIF), or "" when the
	// file was refused by its size before it was sniffed.
	Format string
	// Limit names the limit: "bytes", "pixels", "memory" or "scans".
	Limit string
	// Value is what the image has (or, for scans, how many were counted
	// before giving up) and Max the limit.
	Value, Max int64
	msg        string
}

// Error says which limit the image broke, by how much.
func (e *LimitError) Error() string { return e.msg }

// A FormatError says that an image is corrupt or malformed.
type FormatError struct {
	// Format is the image's format.
	Format string
	// Err is the decoder's complaint.
	Err error
}

// Error names the format and what was corrupt.
func (e *FormatError) Error() string { return fmt.Sprintf("corrupt %s image: %v", e.Format, e.Err) }

// Unwrap returns the decoder's error.
func (e *FormatError) Unwrap() error { return e.Err }

// Config is what an image's header says, read by Check without decoding
// any pixel.
type Config struct {
	// Format is PNG, JPEG or GIF.
	Format string
	// Width and Height are the image's size in pixels (for GIF, the
	// logical screen's, which bounds every frame).
	Width, Height int
	// Memory estimates, from above, the bytes decoding takes: the decoded
	// image (1 to 8 bytes a pixel: 8 for 16-bit RGBA PNGs, twice as much
	// while an interlaced PNG is put together) and, for progressive JPEGs,
	// the coefficients held between scans (256 bytes per 8×8 block of each
	// component).
	Memory int64
	// Scans is a JPEG's number of scans (SOS segments); 0 for the others.
	Scans int
	// Detail says what decides Memory, for messages: "16-bit RGBA",
	// "progressive, 3 components", ...
	Detail string
}

// decoders decode each format; a test swaps them to see whether decoding
// was started.
var decoders = map[string]func(io.Reader) (image.Image, error){
	PNG:  png.Decode,
	JPEG: jpeg.Decode,
	GIF:  gif.Decode, // the first frame
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
	gif87     = []byte("GIF87a")
	gif89     = []byte("GIF89a")
)

// Sniff returns the format of data from its first bytes: PNG, JPEG, GIF,
// or "" for anything else.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, pngMagic):
		return PNG
	case bytes.HasPrefix(data, jpegMagic):
		return JPEG
	case bytes.HasPrefix(data, gif87), bytes.HasPrefix(data, gif89):
		return GIF
	}
	return ""
}

// Decode reads an image from r — at most lim.MaxBytes of it — and
// decodes it if it is within lim (see the package comment). It returns
// the image and its format (PNG, JPEG or GIF).
func Decode(r io.Reader, lim Limits) (image.Image, string, error) {
	return DecodeContext(context.Background(), r, lim)
}

// DecodeContext is Decode, stopping with ctx's error when ctx is done
// (the decoders read the image through ctx, so a deadline or a cancelled
// request ends the work within a few hundred bytes of input).
func DecodeContext(ctx context.Context, r io.Reader, lim Limits) (image.Image, string, error) {
	lim = lim.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, "", &LimitError{Limit: "bytes", Value: int64(len(data)), Max: lim.MaxBytes,
			msg: fmt.Sprintf("the image file is over the limit of %s", SizeString(lim.MaxBytes))}
	}
	return DecodeBytes(ctx, data, lim)
}

// DecodeBytes is DecodeContext for an image already in memory.
func DecodeBytes(ctx context.Context, data []byte, lim Limits) (image.Image, string, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, "", &LimitError{Limit: "bytes", Value: int64(len(data)), Max: lim.MaxBytes,
			msg: fmt.Sprintf("the image is %s, over the limit of %s", SizeString(int64(len(data))), SizeString(lim.MaxBytes))}
	}
	cfg, err := Check(data, lim)
	if err != nil {
		return nil, cfg.Format, err
	}
	if err := ctx.Err(); err != nil {
		return nil, cfg.Format, err
	}
	img, err := decoders[cfg.Format](&ctxReader{ctx: ctx, r: bytes.NewReader(data)})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cfg.Format, cerr
		}
		return nil, cfg.Format, &FormatError{Format: cfg.Format, Err: err}
	}
	return img, cfg.Format, nil
}

// Check reads an image's header — and for a JPEG, the outline of all its
// segments — without decoding any pixel, and returns what it says, or the
// error Decode would give for an image that is not readable or over lim.
// The returned Config's Format is set whenever the format was recognised.
func Check(data []byte, lim Limits) (Config, error) {
	lim = lim.withDefaults()
	cfg := Config{Format: Sniff(data)}
	if cfg.Format == "" {
		return cfg, fmt.Errorf("%w (it starts with % x)", ErrUnknownFormat, data[:min(len(data), 8)])
	}
	var (
		ic  image.Config
		err error
	)
	switch cfg.Format {
	case PNG:
		ic, err = png.DecodeConfig(bytes.NewReader(data))
	case JPEG:
		ic, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case GIF:
		ic, err = gif.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return cfg, &FormatError{Format: cfg.Format, Err: err}
	}
	cfg.Width, cfg.Height = ic.Width, ic.Height
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, &FormatError{Format: cfg.Format, Err: fmt.Errorf("the image is empty (%d×%d pixels)", cfg.Width, cfg.Height)}
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > int64(lim.MaxPixels) {
		return cfg, &LimitError{Format: cfg.Format, Limit: "pixels", Value: pixels, Max: int64(lim.MaxPixels),
			msg: fmt.Sprintf("the %s image is %d×%d pixels, over the limit of %d pixels: scale it down", cfg.Format, cfg.Width, cfg.Height, lim.MaxPixels)}
	}
	switch cfg.Format {
	case PNG:
		err = checkPNG(&cfg, data)
	case JPEG:
		err = checkJPEG(&cfg, data, lim.MaxScans)
	case GIF:
		// Every frame lies within the logical screen (image/gif checks),
		// and the first is decoded into one byte a pixel.
		cfg.Memory, cfg.Detail = pixels, "paletted"
	}
	if err != nil {
		return cfg, err
	}
	if cfg.Memory > lim.MaxMemory {
		return cfg, &LimitError{Format: cfg.Format, Limit: "memory", Value: cfg.Memory, Max: lim.MaxMemory,
			msg: fmt.Sprintf("the %s image (%d×%d, %s) would take %s to decode, over the limit of %s: scale it down", cfg.Format, cfg.Width, cfg.Height, cfg.Detail, SizeString(cfg.Memory), SizeString(lim.MaxMemory))}
	}
	return cfg, nil
}

// checkPNG sets the memory estimate from IHDR's bit depth and colour type
// (png.DecodeConfig has checked that IHDR is there and well formed).
func checkPNG(cfg *Config, data []byte) error {
	// Signature (8), length (4), "IHDR" (4), width, height (8), then
	// bit depth, colour type, compression, filter, interlace.
	if len(data) < 29 {
		return &FormatError{Format: PNG, Err: errors.New("short IHDR chunk")}
	}
	depth, ctype, interlace := data[24], data[25], data[28]
	// image/png decodes into Gray, Gray16, RGBA, RGBA64, NRGBA, NRGBA64 or
	// Paletted; a grey image with a transparent colour becomes NRGBA(64).
	// Count 4 bytes a pixel at 8 bits or less, 8 at 16, 1 for a palette.
	per := int64(4)
	cfg.Detail = fmt.Sprintf("%d-bit", depth)
	switch {
	case ctype == 3:
		per, cfg.Detail = 1, "paletted"
	case depth == 16:
		per, cfg.Detail = 8, "16-bit"
	}
	cfg.Memory = per * int64(cfg.Width) * int64(cfg.Height)
	if interlace == 1 {
		// The passes are decoded apart and then merged: up to twice.
		cfg.Memory *= 2
		cfg.Detail += ", interlaced"
	}
	return nil
}

// sizeString writes a byte count the way people say it.
// SizeString formats a byte count for an error message: whole MiB or
// KiB where it is one, MiB with a decimal above a MiB, bytes otherwise.
func SizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ctxReader reads through a context, in small pieces, so that a decoder
// reading from it stops soon after the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// readChunk is the most one Read hands out: the decoders ask for a few
// KiB at a time, and a JPEG scan of a bomb is a few bytes, so smaller
// reads check the context more often.
const readChunk = 512

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	return c.r.Read(p)
}
