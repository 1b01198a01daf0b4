// Package ctxio makes reads stop when a context is done: a command
// interrupted by Ctrl-C need not read a large file or a slow pipe to the
// end.
package ctxio

import (
	"context"
	"fmt"
	"io"
)

// Reader returns a reader of r that fails, with an error wrapping ctx's
// cause, once ctx is done: before each read, and after a read that
// failed because ctx ended it (a file closed by context.AfterFunc, say,
// to wake a read blocked on a pipe).
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("reading stopped: %w", context.Cause(c.ctx))
	}
	n, err := c.r.Read(p)
	if err != nil && c.ctx.Err() != nil {
		return n, fmt.Errorf("reading stopped: %w", context.Cause(c.ctx))
	}
	return n, err
}
