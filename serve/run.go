package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Timeouts of the http.Server that NewHTTPServer builds. Reading a
// request (a photo of at most a megabyte, over a slow phone link) may take
// ReadTimeout; answering it, WriteTimeout; a keep-alive connection may sit
// idle for IdleTimeout.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 2 * time.Minute
	// ShutdownGrace is how long Run waits for requests in flight after
	// its context is cancelled.
	ShutdownGrace = 30 * time.Second
)

// NewHTTPServer wraps h in an http.Server with read, write and idle
// timeouts and a bound on header size, so that slow or idle clients cannot
// hold connections for ever.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// Run serves h on ln (see NewHTTPServer) until ctx is cancelled, then
// shuts down gracefully: it stops accepting connections and waits up to
// grace for the requests in flight to finish. It returns nil after a clean
// shutdown, and an error if serving failed or requests were still running
// when grace ran out (they are then cut off).
func Run(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration) error {
	srv := NewHTTPServer(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutting down: requests still running after %v were cut off: %w", grace, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
