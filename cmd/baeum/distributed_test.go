package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/baeum-ml/baeum/models"
	"github.com/baeum-ml/baeum/tensor"
)

// mpiLaunch returns the mpirun command line for n local ranks, skipping
// the test outside CI when Open MPI is missing (and failing in CI).
func mpiLaunch(t *testing.T, n int) []string {
	t.Helper()
	if _, err := exec.LookPath("mpirun"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("distributed training is tested under mpirun and CI must have it: apt-get install openmpi-bin libopenmpi-dev")
		}
		t.Skip("skipping the MPI tests: mpirun is missing (apt-get install openmpi-bin libopenmpi-dev)")
	}
	args := []string{"mpirun", "--oversubscribe", "--bind-to", "none", "-np", strconv.Itoa(n), "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo"}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-run-as-root")
	}
	return args
}

// buildBaeum builds the command as users get it, without cgo.
func buildBaeum(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "baeum")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runExternal(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// paramDiff returns the largest relative difference in norm between the
// parameter tensors of two checkpoints of the same model.
func paramDiff(t *testing.T, a, b string) float64 {
	t.Helper()
	ma, _, err := models.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, _, err := models.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	pb := mb.Params()
	for i, p := range ma.Params() {
		d := tensor.Norm(tensor.Sub(p.Value.Data(), pb[i].Value.Data()), 2) / math.Max(tensor.Norm(pb[i].Value.Data(), 2), 1e-12)
		worst = math.Max(worst, d)
	}
	return worst
}

var testAccuracy = regexp.MustCompile(`test accuracy (\d\.\d+)`)

// TestDistributedMatchesOneProcess trains LeNet-5 (no batch norm) with SGD
// and momentum under mpirun -np 2 and in one process, with the same seed
// and global batch: after 10 steps every parameter tensor agrees to 1e-5
// relative in norm (only the summation order differs), and after 2 epochs
// of MNIST the test accuracies agree to 0.2%. A run stopped after one
// epoch resumes in one process (the global batch is unchanged), and
// --distributed without a launcher says how to launch.
func TestDistributedMatchesOneProcess(t *testing.T) {
	launch := mpiLaunch(t, 2)
	bin := buildBaeum(t)
	dir := t.TempDir()
	common := []string{"train", "--model", "lenet5", "--optimizer", "momentum", "--augment=none", "--batch", "64", "--seed", "4", "--quiet"}
	one, two := filepath.Join(dir, "one.safetensors"), filepath.Join(dir, "two.safetensors")
	runExternal(t, append(append([]string{bin}, common...), "--limit", "640", "--val", "0", "--epochs", "1", "--out", one)...)
	runExternal(t, append(append(append(launch, bin), common...), "--limit", "640", "--val", "0", "--epochs", "1", "--distributed", "--out", two)...)
	if d := paramDiff(t, one, two); !(d <= 1e-5) {
		t.Errorf("after 10 steps the parameters differ by %.3g relative in norm", d)
	}
	full1 := runExternal(t, append(append([]string{bin}, common...), "--epochs", "2", "--out", filepath.Join(dir, "full1.safetensors"))...)
	full2 := runExternal(t, append(append(append(launch, bin), common...), "--epochs", "2", "--distributed", "--out", filepath.Join(dir, "full2.safetensors"))...)
	a1, a2 := testAccuracy.FindAllStringSubmatch(full1, -1), testAccuracy.FindAllStringSubmatch(full2, -1)
	if len(a1) == 0 || len(a2) == 0 {
		t.Fatalf("no accuracies in\n%s\n%s", full1, full2)
	}
	x1, _ := strconv.ParseFloat(a1[len(a1)-1][1], 64)
	x2, _ := strconv.ParseFloat(a2[len(a2)-1][1], 64)
	if math.Abs(x1-x2) > 0.002 {
		t.Errorf("after 2 epochs: one process %.4f, two ranks %.4f", x1, x2)
	}
	if !strings.Contains(full2, "distributed: 2 ranks") || strings.Count(full2, "epoch  2/2") != 1 {
		t.Errorf("the distributed run should report once, from rank 0:\n%s", full2)
	}
	// Stop after one epoch under MPI, resume in one process.
	part := filepath.Join(dir, "part.safetensors")
	runExternal(t, append(append(append(launch, bin), common...), "--limit", "1280", "--epochs", "2", "--stop-after", "1", "--distributed", "--out", part)...)
	out := runExternal(t, bin, "train", "--resume", "--out", part, "--quiet")
	if !strings.Contains(out, "resuming from") || !strings.Contains(out, "epoch  2/2") {
		t.Errorf("resume in one process:\n%s", out)
	}
	cmd := exec.Command(bin, "train", "--distributed", "--limit", "64")
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "mpirun -np 2 baeum train --distributed") {
		t.Errorf("--distributed without mpirun: %v\n%s", err, msg)
	}
}

// TestDistributedRankDies kills one rank with SIGKILL in the middle of a
// run: the job stops within seconds, and the checkpoint of the last
// finished epoch is intact for --resume.
func TestDistributedRankDies(t *testing.T) {
	launch := mpiLaunch(t, 2)
	bin := buildBaeum(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "k.safetensors")
	_, state := siblings(out)
	args := append(append(launch, bin), "train", "--distributed", "--limit", "6000", "--epochs", "50", "--augment=none", "--out", out, "--quiet", "--mpi-timeout", "10s")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(state); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no epoch finished within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	// Kill one rank: a baeum process whose parent is an Open MPI daemon.
	pids, _ := exec.Command("pgrep", "-f", "^"+bin+" train --distributed").Output()
	fields := strings.Fields(string(pids))
	if len(fields) < 2 {
		t.Fatalf("expected two ranks, found %q", pids)
	}
	victim, _ := strconv.Atoi(fields[len(fields)-1])
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("the job succeeded although a rank was killed")
		}
		if took := time.Since(killed); took > 15*time.Second {
			t.Errorf("the job took %v to stop after a rank died", took)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not stop within 30 s of a rank's death")
	}
	if _, _, err := models.Load(out); err != nil {
		t.Errorf("the last checkpoint is not intact: %v", err)
	}
	if o := runExternal(t, bin, "train", "--resume", "--out", out, "--epochs", "50", "--stop-after", "2", "--quiet"); !strings.Contains(o, "resuming from") {
		t.Errorf("resume after the failure:\n%s", o)
	}
}

// TestDistributedAcrossNamespaces runs the two ranks on two "hosts": two
// network namespaces joined by a veth pair, one rank in each, talking
// TCP over that link only (mpirun starts the remote rank through an agent
// that enters the other namespace, in place of ssh). The result matches
// one process as on one machine. It needs root, for ip netns.
func TestDistributedAcrossNamespaces(t *testing.T) {
	mpiLaunch(t, 2)
	if os.Geteuid() != 0 {
		t.Skip("skipping the two-host test: creating network namespaces needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping the two-host test: the ip command (iproute2) is missing")
	}
	bin := buildBaeum(t)
	dir := t.TempDir()
	id := strconv.Itoa(os.Getpid() % 100000)
	nsA, nsB, vA, vB := "baeumA"+id, "baeumB"+id, "bva"+id, "bvb"+id
	subnet := fmt.Sprintf("10.%d.%d", 100+os.Getpid()%100, os.Getpid()/100%250)
	ipA, ipB := subnet+".1", subnet+".2"
	sh := func(args ...string) {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	sh("ip", "netns", "add", nsA)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", nsA).Run() })
	sh("ip", "netns", "add", nsB)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", nsB).Run() })
	sh("ip", "link", "add", vA, "type", "veth", "peer", "name", vB)
	sh("ip", "link", "set", vA, "netns", nsA)
	sh("ip", "link", "set", vB, "netns", nsB)
	sh("ip", "-n", nsA, "addr", "add", ipA+"/24", "dev", vA)
	sh("ip", "-n", nsB, "addr", "add", ipB+"/24", "dev", vB)
	for _, l := range [][2]string{{nsA, vA}, {nsB, vB}, {nsA, "lo"}, {nsB, "lo"}} {
		sh("ip", "-n", l[0], "link", "set", l[1], "up")
	}
	agent := filepath.Join(dir, "agent.sh")
	script := fmt.Sprintf("#!/bin/sh\nhost=\"$1\"; shift\ncase \"$host\" in\n %s) ns=%s ;;\n %s) ns=%s ;;\n *) echo \"agent: unknown host $host\" >&2; exit 1 ;;\nesac\nexec ip netns exec \"$ns\" /bin/sh -c \"$*\"\n", ipA, nsA, ipB, nsB)
	if err := os.WriteFile(agent, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	common := []string{"train", "--model", "lenet5", "--optimizer", "momentum", "--augment=none", "--batch", "64", "--seed", "4",
		"--limit", "640", "--val", "0", "--epochs", "1", "--quiet"}
	one, two := filepath.Join(dir, "one.safetensors"), filepath.Join(dir, "two.safetensors")
	runExternal(t, append(append([]string{bin}, common...), "--out", one)...)
	launch := []string{"ip", "netns", "exec", nsA, "mpirun", "--allow-run-as-root", "-H", ipA + "," + ipB, "-np", "2",
		"--mca", "plm_rsh_agent", agent, "--mca", "btl", "tcp,self",
		"--mca", "btl_tcp_if_include", subnet + ".0/24", "--mca", "oob_tcp_if_include", subnet + ".0/24"}
	out := runExternal(t, append(append(append(launch, bin), common...), "--distributed", "--out", two)...)
	if !strings.Contains(out, "distributed: 2 ranks") {
		t.Errorf("no distributed run:\n%s", out)
	}
	if d := paramDiff(t, one, two); !(d <= 1e-5) {
		t.Errorf("across two namespaces the parameters differ by %.3g relative in norm from one process", d)
	}
}
