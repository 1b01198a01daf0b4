package ctxio

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	r := Reader(ctx, strings.NewReader("abcdef"))
	b := make([]byte, 3)
	if n, err := r.Read(b); n != 3 || err != nil || string(b) != "abc" {
		t.Fatalf("Read = %d, %v, %q", n, err, b)
	}
	stop := errors.New("interrupt")
	cancel(stop)
	if _, err := r.Read(b); !errors.Is(err, stop) {
		t.Fatalf("after cancel: %v, want the cause", err)
	}
	// A read that fails after the context ended reports the context.
	ctx2, cancel2 := context.WithCancel(context.Background())
	failing := Reader(ctx2, readerFunc(func([]byte) (int, error) { cancel2(); return 0, io.ErrClosedPipe }))
	if _, err := failing.Read(b); !errors.Is(err, context.Canceled) {
		t.Fatalf("read ended by the context: %v", err)
	}
	// Otherwise errors pass through.
	if _, err := Reader(context.Background(), strings.NewReader("")).Read(b); err != io.EOF {
		t.Fatalf("EOF: %v", err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
