package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeCommand starts baeum serve on a free port, asks it for a
// prediction, then cancels its context (as SIGINT does) and expects a
// clean stop.
func TestServeCommand(t *testing.T) {
	model, err := filepath.Abs("../../testdata/lenet5-2epochs.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := newRootCmd()
	var out syncBuffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"serve", "--model", model, "--addr", "127.0.0.1:0", "--workers", "2"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = "http://" + m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v\n%s", err, out.String())
		default:
		}
	}
	if base == "" {
		t.Fatalf("serve never said where it listens:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "lenet5-2epochs.safetensors (lenet5, 98.17% on MNIST test)") {
		t.Errorf("the banner does not describe the model: %s", out.String())
	}

	png, err := os.ReadFile("../../digits/testdata/single/12_label7.png")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/v1/predict", "image/png", bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	var pred struct {
		Digit int `json:"digit"`
	}
	err = json.NewDecoder(resp.Body).Decode(&pred)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || pred.Digit != 7 {
		t.Errorf("predict: status %d, digit %d, %v", resp.StatusCode, pred.Digit, err)
	}
	var health struct {
		Workers int `json:"workers"`
	}
	resp, err = http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health.Workers != 2 {
		t.Errorf("--workers 2 gave %d workers", health.Workers)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Errorf("no goodbye: %s", out.String())
	}
}

func TestServeCommandErrors(t *testing.T) {
	model, err := filepath.Abs("../../testdata/lenet5-2epochs.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // no runs/ here
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no trained model yet", []string{"serve"}, "no trained lenet5 model yet: runs/lenet5.safetensors does not exist. Train one first (baeum train --model lenet5 saves it there)"},
		{"missing checkpoint", []string{"serve", "--model", "nope.safetensors"}, "--model nope.safetensors: no such checkpoint file"},
		{"bad address", []string{"serve", "--model", model, "--addr", "127.0.0.1:99999"}, "--addr 127.0.0.1:99999"},
		{"untrained architecture", []string{"serve", "--model", "mlp"}, "no trained mlp model yet"},
		{"negative workers", []string{"serve", "--workers", "-1"}, "--workers must be at least 1"},
		{"stray argument", []string{"serve", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q\n%s", err, tt.want, out)
			}
		})
	}
}
