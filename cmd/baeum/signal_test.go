//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envMain, when set in the environment, makes TestMainProcess run baeum's
// main on the JSON list of arguments it holds: tests start the test binary
// as a baeum process that they can send signals to.
const envMain = "BAEUM_TEST_MAIN_ARGS"

// TestMainProcess is baeum's main in a subprocess of another test; run
// directly it does nothing.
func TestMainProcess(t *testing.T) {
	js := os.Getenv(envMain)
	if js == "" {
		t.Skip("runs only as a subprocess of TestSignals")
	}
	var args []string
	if err := json.Unmarshal([]byte(js), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(runMain(args, os.Stdout, os.Stderr))
}

// TestSignals sends SIGINT or SIGTERM to a baeum regress reading a CSV
// file from a named pipe that never ends, the kind of command that ignored
// them before: it must exit with status 128+signal and an "interrupted"
// error rather than carry on or exit 0.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "rows.csv")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip(err)
			}
			// Opened for reading and writing, the pipe opens at once and
			// never reports its end to the reader.
			w, err := os.OpenFile(fifo, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			args, _ := json.Marshal([]string{"regress", "linear", "--csv", fifo, "--y", "y"})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // against a hang only
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainProcess$")
			cmd.Env = append(os.Environ(), envMain+"="+string(args))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			// Rows well beyond the pipe's buffer: once they are written,
			// baeum is reading, so its signal handlers are in place.
			wrote := make(chan error, 1)
			go func() {
				var b strings.Builder
				b.WriteString("y,x\n")
				for i := 0; b.Len() < 1<<20; i++ {
					fmt.Fprintf(&b, "%d,%d\n", i, i%7)
				}
				_, err := w.WriteString(b.String())
				wrote <- err
			}()
			select {
			case err := <-wrote:
				if err != nil {
					t.Fatal(err)
				}
			case err := <-exited:
				t.Fatalf("baeum exited before the signal: %v\n%s", err, stderr.String())
			}
			// Let baeum drain the pipe's buffer, so that the signal finds
			// it blocked in a read that only closing the file ends.
			time.Sleep(300 * time.Millisecond)
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			err = <-exited
			// The command itself must stop, well before the fallback that
			// ends a process interruptGrace after the signal.
			if d := time.Since(sent); d > interruptGrace/2 {
				t.Errorf("after %v: exited %v later; the command did not stop by itself", tt.sig, d.Round(time.Millisecond))
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
				t.Fatalf("after %v: %v, want exit status %d\n%s", tt.sig, err, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr lacks \"interrupted\":\n%s", stderr.String())
			}
		})
	}
}

// TestServeSecondSignal starts `baeum serve` with a long grace period,
// holds a request in flight (an upload that stalls half-way), and sends
// SIGINT twice: the first starts the graceful shutdown, which would wait
// for the upload; the second must end the process at once.
func TestServeSecondSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	args, _ := json.Marshal([]string{"serve", "--model", "../../testdata/lenet5-2epochs.safetensors", "--addr", "127.0.0.1:0", "--grace", "1m"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // against a hang only
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainProcess$")
	cmd.Env = append(os.Environ(), envMain+"="+string(args))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// "serving NAME on http://ADDR/ (Ctrl-C to stop)"
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%v: %q\n%s", err, line, stderr.String())
	}
	_, rest, _ := strings.Cut(line, "http://")
	addr, _, _ := strings.Cut(rest, "/")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\npartial")
	time.Sleep(200 * time.Millisecond) // the request is in flight
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("serve exited on the first signal with a request in flight: %v\n%s", err, stderr.String())
	case <-time.After(500 * time.Millisecond): // still waiting for the upload, as it should
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-exited
	if d := time.Since(sent); d > 3*time.Second {
		t.Errorf("serve took %v to exit after the second signal", d.Round(time.Millisecond))
	}
}
