package mpi_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baeum-ml/baeum/dist/mpi"
)

// launchVars are every variable Launched and LocalSize read.
var launchVars = []string{
	"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE",
	"PMIX_RANK", "PMI_SIZE", "MPI_LOCALNRANKS",
	"SLURM_PROCID", "SLURM_STEP_ID", "SLURM_NTASKS", "SLURM_NODEID",
	"SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE",
}

// setLaunchEnv unsets every launcher variable for the test, then sets env.
func setLaunchEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, name := range launchVars {
		t.Setenv(name, "") // restores the old value after the test
		os.Unsetenv(name)
	}
	for name, value := range env {
		t.Setenv(name, value)
	}
}

func TestLaunched(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		launched bool
		local    int
	}{
		{"plain process", nil, false, 1},
		{"mpirun", map[string]string{"OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"}, true, 2},
		{"srun pmix", map[string]string{"PMIX_RANK": "0", "SLURM_PROCID": "0", "SLURM_STEP_ID": "0", "SLURM_NODEID": "1", "SLURM_STEP_TASKS_PER_NODE": "4,3"}, true, 3},
		{"srun pmi2", map[string]string{"PMI_SIZE": "8", "SLURM_PROCID": "5", "SLURM_STEP_ID": "2", "SLURM_NODEID": "2", "SLURM_STEP_TASKS_PER_NODE": "2(x2),4"}, true, 4},
		{"srun plain", map[string]string{"SLURM_PROCID": "1", "SLURM_STEP_ID": "0", "SLURM_NODEID": "0", "SLURM_TASKS_PER_NODE": "2(x3)"}, true, 2},
		{"hydra", map[string]string{"PMI_SIZE": "2", "MPI_LOCALNRANKS": "2"}, true, 2},
		{"sbatch script", map[string]string{"SLURM_NTASKS": "8", "SLURM_TASKS_PER_NODE": "4(x2)", "SLURM_NODEID": "0"}, false, 1},
		{"launched, local size unknown", map[string]string{"PMI_SIZE": "2", "SLURM_TASKS_PER_NODE": "bad(y2)"}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setLaunchEnv(t, tt.env)
			if got := mpi.Launched(); got != tt.launched {
				t.Errorf("Launched() = %v, want %v", got, tt.launched)
			}
			if got := mpi.LocalSize(); got != tt.local {
				t.Errorf("LocalSize() = %d, want %d", got, tt.local)
			}
		})
	}
}

func TestInitMissingLibrary(t *testing.T) {
	const path = "/nonexistent/libmpi.so.40"
	_, err := mpi.Init(mpi.Config{Library: path})
	if err == nil {
		t.Fatal("Init with a missing library succeeded")
	}
	if !mpi.Supported {
		if !errors.Is(err, mpi.ErrUnsupported) {
			t.Fatalf("Init without MPI support: got %v, want ErrUnsupported", err)
		}
		return
	}
	if !errors.Is(err, mpi.ErrNoOpenMPI) {
		t.Errorf("Init error %v does not wrap ErrNoOpenMPI", err)
	}
	for _, want := range []string{path, "apt-get install openmpi-bin libopenmpi-dev"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Init error %q does not mention %q", err, want)
		}
	}
}

func TestInitNotOpenMPI(t *testing.T) {
	if !mpi.Supported {
		t.Skip("built without MPI support")
	}
	// The C library loads, but it is no MPI: the error must say so.
	_, err := mpi.Init(mpi.Config{Library: "libc.so.6"})
	if err == nil {
		t.Fatal("Init with libc.so.6 as MPI succeeded")
	}
	if !errors.Is(err, mpi.ErrNoOpenMPI) {
		t.Errorf("Init error %v does not wrap ErrNoOpenMPI", err)
	}
	for _, want := range []string{"ompi_mpi_comm_world", "not Open MPI", "apt-get install"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Init error %q does not mention %q", err, want)
		}
	}
}

// mpirunArgs start two ranks on this machine. As root Open MPI refuses to
// run without --allow-run-as-root; --oversubscribe allows two ranks on one
// core; TCP over loopback avoids shared-memory transports that containers
// often restrict; --bind-to none leaves the cores to the scheduler.
var mpirunArgs = []string{
	"--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", "2",
	"--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo",
}

// helper builds the mpitest program and returns its path, or skips the test
// when Open MPI's mpirun is missing (and fails in CI, where it must be there).
func helper(t *testing.T) string {
	t.Helper()
	if !mpi.Supported {
		t.Skip("built without MPI support (nompi tag or unsupported platform)")
	}
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format+"; CI must install it: apt-get install openmpi-bin libopenmpi-dev", args...)
		}
		t.Skipf(format+"; install it with apt-get install openmpi-bin libopenmpi-dev to run this test", args...)
	}
	mpirun, err := exec.LookPath("mpirun")
	if err != nil {
		missing("mpirun not found")
	}
	if out, err := exec.Command(mpirun, "--version").CombinedOutput(); err != nil || !bytes.Contains(out, []byte("Open MPI")) {
		missing("%s is not Open MPI's mpirun (%v): %s", mpirun, err, out)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("cannot build the helper: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "mpitest")
	build := exec.Command(goTool, "build", "-o", bin, "github.com/baeum-ml/baeum/dist/mpi/internal/mpitest")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the helper: %v\n%s", err, out)
	}
	return bin
}

// mpirun runs the helper on two ranks with the given extra mpirun flags and
// helper arguments, at most for limit.
func mpirun(t *testing.T, bin string, limit time.Duration, flags []string, args ...string) (out string, exit int, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmdArgs := append(append(append([]string{}, mpirunArgs...), flags...), bin)
	cmd := exec.CommandContext(ctx, "mpirun", append(cmdArgs, args...)...)
	cmd.WaitDelay = time.Second
	// The launcher variables of an enclosing job would confuse mpirun.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OMPI_") && !strings.HasPrefix(kv, "PMIX_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	start := time.Now()
	b, err := cmd.CombinedOutput()
	took = time.Since(start)
	out = string(b)
	if ctx.Err() != nil {
		t.Fatalf("mpirun %v did not finish within %v:\n%s", args, limit, out)
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		exit = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("mpirun %v: %v", args, err)
	}
	t.Logf("mpirun %v: exit %d after %v", args, exit, took.Round(time.Millisecond))
	return out, exit, took
}

// stamp finds the RFC 3339 time matched by the first group of pattern.
func stamp(out, pattern string) (time.Time, bool) {
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, m[1])
	return t, err == nil
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestMPIRun runs the mpitest helper under mpirun, one subtest per mode.
func TestMPIRun(t *testing.T) {
	bin := helper(t)

	t.Run("collectives", func(t *testing.T) {
		out, exit, _ := mpirun(t, bin, 30*time.Second, nil, "basic")
		if exit != 0 {
			t.Fatalf("exit status %d:\n%s", exit, out)
		}
		for _, r := range []string{"0", "1"} {
			mustContain(t, out,
				"rank "+r+" size 2 launched true localsize 2",
				"rank "+r+" signals ok",
				"rank "+r+" allreduce ok: f32[1000]=3003 f64[1000]=3003.5",
				"rank "+r+` bcast ok: "from rank 1"`,
				"rank "+r+" done")
		}
		// Rank 1 waited in the barrier for rank 0, which slept 300 ms first.
		if m := regexp.MustCompile(`rank 1 barrier ok after (\d+) ms`).FindStringSubmatch(out); m == nil || len(m[1]) < 3 {
			t.Errorf("rank 1 did not wait in Barrier for rank 0:\n%s", out)
		}
	})

	t.Run("panic", func(t *testing.T) {
		out, exit, _ := mpirun(t, bin, 30*time.Second, nil, "-timeout", "10s", "panic")
		if exit == 0 {
			t.Errorf("exit status 0 after a panic:\n%s", out)
		}
		mustContain(t, out, "panic: runtime error: invalid memory address or nil pointer dereference",
			"goroutine 1 [running]", "main.main()")
	})

	t.Run("abort", func(t *testing.T) {
		out, exit, _ := mpirun(t, bin, 30*time.Second, nil, "-timeout", "10s", "abort")
		if exit != 7 {
			t.Errorf("exit status %d, want 7 from Abort(7):\n%s", exit, out)
		}
		mustContain(t, out, "rank 1 calls Abort(7)")
		// Open MPI's own notice is best effort: mpirun sometimes fails to
		// unpack its help text ("Data unpack would read past end of
		// buffer" in show_help.c) while the job is torn down, and prints
		// none. The exit status above is what Abort promises.
		if !strings.Contains(out, "MPI_ABORT was invoked on rank 1") {
			t.Logf("mpirun printed no MPI_ABORT notice this time:\n%s", out)
		}
	})

	// A rank killed with SIGKILL mid-run: mpirun notices and stops the
	// survivor, which (with SIGTERM caught by the helper) says so.
	t.Run("kill", func(t *testing.T) {
		out, exit, took := mpirun(t, bin, 30*time.Second, nil, "-timeout", "5s", "kill")
		if exit == 0 {
			t.Errorf("exit status 0 after a rank was killed:\n%s", out)
		}
		mustContain(t, out, "rank 1 kills itself")
		if !strings.Contains(out, "rank 0 stopped by") && !strings.Contains(out, "mpi: timed out") {
			t.Errorf("rank 0 was neither stopped by mpirun nor timed out:\n%s", out)
		}
		killed, ok1 := stamp(out, `rank 1 kills itself at (\S+)`)
		stopped, ok2 := stamp(out, `rank 0 stopped by \w+ at (\S+)`)
		if ok1 && ok2 {
			t.Logf("rank 0 was stopped %v after rank 1 was killed", stopped.Sub(killed).Round(time.Millisecond))
		}
		if took > 10*time.Second {
			t.Errorf("the job took %v to end after a rank was killed, want under 10s", took)
		}
	})

	// With --enable-recovery mpirun lets the survivor run on; it is blocked
	// in MPI_Allreduce, and only the Comm's timeout stops it.
	t.Run("kill with recovery", func(t *testing.T) {
		out, _, took := mpirun(t, bin, 30*time.Second, []string{"--enable-recovery"}, "-timeout", "3s", "kill")
		mustContain(t, out, "rank 1 kills itself",
			"mpitest: mpi: timed out: MPI_Allreduce(MPI_SUM)(1000 float64) did not complete within 3s on rank 0 of 2")
		if took > 10*time.Second {
			t.Errorf("the survivor took %v to end after a rank was killed, want under 10s", took)
		}
	})

	// Rank 1 never joins the collective; rank 0 times out and exits with
	// status 3, and mpirun then stops rank 1.
	t.Run("hang", func(t *testing.T) {
		out, exit, took := mpirun(t, bin, 30*time.Second, nil, "-timeout", "2s", "hang")
		if exit != 3 {
			t.Errorf("exit status %d, want 3 from the rank that timed out:\n%s", exit, out)
		}
		mustContain(t, out, "mpi: timed out: MPI_Allreduce(MPI_SUM)(10 float32) did not complete within 2s on rank 0 of 2")
		if took > 10*time.Second {
			t.Errorf("the job took %v, want under 10s", took)
		}
	})
}
