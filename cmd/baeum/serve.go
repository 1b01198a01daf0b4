package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/checkpoint"
	"github.com/baeum-ml/baeum/infer"
	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/serve"
)

func newServeCmd() *cobra.Command {
	var oin onnxInputFlags
	var (
		model, addr string
		workers     int
		maxConns    int
		queueWait   time.Duration
		grace       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve [--model CHECKPOINT] [--addr HOST:PORT]",
		Short: "Serve a trained model: a JSON API and a web page to try it",
		Long: `Serve a checkpoint written by baeum train over HTTP.

Open the address in a browser. For a reader of handwritten digits, draw a
digit, or a whole ZIP code, and watch the network read it as you write; for
any other image model, drop a picture (or choose or paste one) and see its
most probable classes by name; "show what the network sees" draws every
layer's activations (feature maps and dense layers) as you go. The page is
in English or Korean, as the browser prefers; a switch overrides it. The
JSON API:

  POST /v1/predict   a PNG, JPEG or GIF (Content-Type image/png, image/jpeg
                     or image/gif; for a digit reader, of one digit), or
                     {"pixels": [C·H·W numbers 0-255]} as application/json
                     (for MNIST's digits 784: 28×28, row-major, ink high)
                     -> {"digit": 7, "label": "7", "probabilities": [...],
                         "input": [...]}; "digit" is the class's index and
                         "label" its name
  GET  /v1/model     the model: its name, input size and channels, class
                     names, and whether it reads digits
  POST /v1/zipcode   (digit readers) a PNG, JPEG or GIF of digits in a row
                     -> {"digits": "12345", "boxes": [[x0,y0,x1,y1], ...],
                         "confidences": [...], ...}
  POST /v1/activations  what /v1/predict takes -> its answer and each
                     layer's output ("layers": feature maps of convolution
                     and pooling layers, vectors of dense layers) as 8-bit
                     base64 with each map's min and max; at most 32 layers
                     and 256 KiB, layers past that marked "omitted"
  POST /v1/generate  (character language models, baeum train --data
                     words:FILE) {"n": 5, "temperature": 0.8, "prefix": "un",
                     "max_len": 64, "seed": 1}, every key optional, as
                     application/json -> {"words": [...]}, as baeum generate
  GET  /healthz      liveness; 503 "saturated" while every worker is busy
  GET  /metrics      Prometheus metrics

Errors are JSON objects {"error": "..."}. Bodies are limited to 1 MiB and
images to 4 megapixels (and JPEGs to 100 scans), checked before decoding;
when every worker is busy, requests get 503 with Retry-After. Ctrl-C (or
SIGTERM) stops accepting connections and lets the requests in flight
finish; a second Ctrl-C stops at once.

The default address serves this machine only. --addr :8080 (or "") listens
on every network interface, /metrics included: put it behind a proxy that
you trust, or a firewall.

  baeum serve                                  # runs/lenet5.safetensors
  curl -H 'Content-Type: image/png' --data-binary @digit.png localhost:8080/v1/predict`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if workers < 0 {
				return fmt.Errorf("--workers must be at least 1 (or 0 for twice the cores), got %d", workers)
			}
			if maxConns < 1 {
				return fmt.Errorf("--max-conns must be at least 1, got %d", maxConns)
			}
			if queueWait < 0 || grace < 0 {
				return fmt.Errorf("--queue-wait and --grace must not be negative")
			}
			if models.IsBuiltin(model) {
				def := defaultCheckpoint(model)
				if _, err := os.Stat(def); err != nil {
					return fmt.Errorf("no trained %s model yet: %s does not exist. Train one first (baeum train --model %s saves it there), or give a checkpoint with --model PATH", model, def, model)
				}
			} else if _, err := os.Stat(model); err != nil {
				return fmt.Errorf("--model %s: no such checkpoint file (baeum train saves one to %s)", model, defaultCheckpoint("lenet5"))
			}
			m, meta, err := loadModelFlag(model, &oin)
			if err != nil {
				return err
			}
			p := infer.New(m)
			p.Meta = meta
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("--addr %s: %w", addr, err)
			}
			name := modelName(model, meta, p.ReadsDigits())
			h := serve.New(p, serve.Options{
				Model:         name,
				MaxConcurrent: workers,
				QueueWait:     queueWait,
				Log:           slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)),
			})
			out := cmd.OutOrStdout()
			if everyInterface(ln.Addr()) {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: --addr %q listens on every network interface: the API and /metrics are open to anyone who can reach this machine (--addr 127.0.0.1:%d serves this machine only)\n", addr, ln.Addr().(*net.TCPAddr).Port)
			}
			fmt.Fprintf(out, "serving %s on http://%s/ (Ctrl-C to stop)\n", name, ln.Addr())
			ctx := cmd.Context()
			force, stop := forceOnSecondSignal(ctx, cmd.ErrOrStderr(), grace)
			defer stop()
			err = serve.RunConfig{Grace: grace, MaxConns: maxConns, Force: force}.Run(ctx, ln, h)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, "stopped: every request answered")
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "lenet5", "checkpoint file, or a model name whose default checkpoint runs/<name>.safetensors exists (where baeum train saves it)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	cmd.Flags().IntVar(&workers, "workers", 0, "how many requests may be classified at once (0: twice the cores)")
	cmd.Flags().IntVar(&maxConns, "max-conns", serve.DefaultMaxConns, "how many connections may be open at once (more wait to be accepted)")
	cmd.Flags().DurationVar(&queueWait, "queue-wait", 250*time.Millisecond, "how long a request waits for a free worker before it gets 503")
	cmd.Flags().DurationVar(&grace, "grace", serve.ShutdownGrace, "how long shutdown waits for requests in flight")
	oin.add(cmd.Flags())
	return cmd
}

// modelName describes the served model for the page, /healthz and
// /metrics: its file, architecture and test accuracy where known (for a
// digit reader, on MNIST's test set).
func modelName(flag string, meta map[string]string, digits bool) string {
	path := flag
	if models.IsBuiltin(flag) {
		path = defaultCheckpoint(flag)
	}
	name := filepath.Base(path)
	var cfg struct {
		Name string `json:"name"`
	}
	var tr struct {
		TestAccuracy float64 `json:"test_accuracy"`
	}
	if json.Unmarshal([]byte(meta[checkpoint.KeyModel]), &cfg) == nil && cfg.Name != "" {
		name += " (" + cfg.Name
		if json.Unmarshal([]byte(meta[checkpoint.KeyTraining]), &tr) == nil && tr.TestAccuracy > 0 {
			if cfg.Name == models.CharLMName {
				name += fmt.Sprintf(", %.2f%% of next characters right on its test lines", 100*tr.TestAccuracy)
			} else if digits {
				name += fmt.Sprintf(", %.2f%% on MNIST test", 100*tr.TestAccuracy)
			} else {
				name += fmt.Sprintf(", %.2f%% on its test set", 100*tr.TestAccuracy)
			}
		}
		name += ")"
	}
	return name
}

// everyInterface reports whether a listener's address is unspecified
// (0.0.0.0 or ::): it accepts connections on every network interface.
func everyInterface(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && (t.IP == nil || t.IP.IsUnspecified())
}

// forceOnSecondSignal returns a channel closed when a second SIGINT or
// SIGTERM arrives after ctx is done (the first signal cancels ctx, see
// main), so that the graceful shutdown can be cut short, and a function
// that stops listening for it.
func forceOnSecondSignal(ctx context.Context, log io.Writer, grace time.Duration) (force <-chan struct{}, stop func()) {
	forced, quit := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-quit:
			return
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sig)
		fmt.Fprintf(log, "stopping: waiting up to %v for the requests in flight (Ctrl-C again to stop at once)\n", grace)
		select {
		case <-sig:
			close(forced)
		case <-quit:
		}
	}()
	return forced, func() { close(quit) }
}
