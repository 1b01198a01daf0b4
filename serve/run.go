package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
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
	// DefaultMaxConns caps the connections Run keeps open at once. Each
	// costs a goroutine and buffers (some 20 KiB) and may hold a request
	// body: the cap, with the budget of bodies in flight
	// (Options.MaxInFlightBodyBytes), bounds the memory that many slow or
	// stalled clients can hold.
	DefaultMaxConns = 1024
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

// Run serves h on ln (see NewHTTPServer), at most DefaultMaxConns
// connections at a time, until ctx is cancelled, then shuts down
// gracefully: it stops accepting connections and waits up to grace for
// the requests in flight to finish. It returns nil after a clean
// shutdown, and an error if serving failed or requests were still running
// when grace ran out (they are then cut off). RunConfig sets more.
func Run(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration) error {
	return RunConfig{Grace: grace}.Run(ctx, ln, h)
}

// RunConfig tunes Run.
type RunConfig struct {
	// Grace is how long shutdown waits for the requests in flight; zero
	// cuts them off at once.
	Grace time.Duration
	// MaxConns caps the open connections: past it, new ones wait in the
	// listen queue until one closes. Zero means DefaultMaxConns;
	// negative, no cap.
	MaxConns int
	// Force, when it is closed during the graceful shutdown, stops the
	// server at once, cutting off the requests in flight (a second Ctrl-C).
	Force <-chan struct{}
}

// Run is the package's Run with the settings of c.
func (c RunConfig) Run(ctx context.Context, ln net.Listener, h http.Handler) error {
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConns > 0 {
		ln = LimitListener(ln, c.MaxConns)
	}
	srv := NewHTTPServer(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.Grace)
	defer cancel()
	if c.Force != nil {
		go func() {
			select {
			case <-c.Force:
				cancel()
			case <-sctx.Done():
			}
		}()
	}
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		select {
		case <-c.Force:
			return errors.New("stopped at once: the requests in flight were cut off")
		default:
		}
		return fmt.Errorf("shutting down: requests still running after %v were cut off: %w", c.Grace, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// LimitListener returns a listener that accepts at most n connections
// of ln at a time: Accept waits while n are open, and the kernel queues
// new ones meanwhile. It is golang.org/x/net/netutil's LimitListener, kept
// here to spare the module a dependency for forty lines.
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

// Accept waits for a free slot, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

// Close closes the listener and wakes an Accept waiting for a slot.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot once.
func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
