package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSolutions proves that the checks check. For every exercise: the
// unchanged tree fails "check N"; with testdata/exercises/N.patch applied
// (to a copy of the files it changes) it passes; with each wrong answer,
// N-SLUG.patch, it fails with the reason the patch's "Want:" line gives.
// Each variant is a binary of its own, built with the go command's build
// cache, so that only the edited stage and this package compile again.
func TestSolutions(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	gitCmd, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git command to apply the patches:", err)
	}
	// The checks' receivers hold whole runs of heaps in their socket
	// buffers; without root they get no more than net.core.rmem_max, and a
	// small one loses packets on a busy machine.
	if os.Geteuid() != 0 {
		if b, err := os.ReadFile("/proc/sys/net/core/rmem_max"); err == nil {
			var n int
			if _, err := fmt.Sscan(string(b), &n); err == nil && n < 64<<20 {
				t.Skipf("net.core.rmem_max is %d bytes and the test is not root: raise it to 268435456 (as .ci/run does) to run the checks", n)
			}
		}
	}
	root, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	patches, err := filepath.Glob(filepath.Join(root, "testdata", "exercises", "*.patch"))
	if err != nil {
		t.Fatal(err)
	}
	byN := map[int][]string{}
	for _, p := range patches {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(p), "%d", &n); err != nil {
			t.Fatalf("%s: the name does not start with an exercise number", p)
		}
		byN[n] = append(byN[n], p)
	}
	for _, e := range Exercises() {
		ps := byN[e.N]
		hasSolution := slices.ContainsFunc(ps, func(p string) bool { return filepath.Base(p) == fmt.Sprintf("%d.patch", e.N) })
		if len(ps) < 2 || !hasSolution {
			t.Errorf("exercise %d needs testdata/exercises/%d.patch and at least one wrong answer, %d-SLUG.patch; found %q", e.N, e.N, e.N, ps)
		}
		delete(byN, e.N)
	}
	for n := range byN {
		t.Errorf("testdata/exercises has patches for exercise %d, which has no check", n)
	}
	if t.Failed() {
		return
	}

	start := time.Now()
	b := &builder{root: root, goCmd: goCmd, gitCmd: gitCmd}
	unchanged := b.build(t, "unchanged", "")
	t.Run("unchanged", func(t *testing.T) {
		t.Parallel()
		for _, e := range Exercises() {
			out, code := runCheck(t, unchanged, e.N)
			if code != 1 {
				t.Errorf("the unchanged tree: tut check %d exited %d, want 1:\n%s", e.N, code, out)
			}
		}
	})
	for _, e := range Exercises() {
		for _, p := range byN2(patches, e.N) {
			name := strings.TrimSuffix(filepath.Base(p), ".patch")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				want, err := wantLine(p)
				if err != nil {
					t.Fatal(err)
				}
				bin := b.build(t, name, p)
				out, code := runCheck(t, bin, e.N)
				switch {
				case want == "" && code != 0:
					t.Errorf("the reference solution: tut check %d exited %d, want 0:\n%s", e.N, code, out)
				case want != "" && code != 1:
					t.Errorf("a wrong answer: tut check %d exited %d, want 1:\n%s", e.N, code, out)
				case want != "" && (!strings.Contains(out, "FAIL: ") || !strings.Contains(out, want)):
					t.Errorf("tut check %d does not say %q:\n%s", e.N, want, out)
				}
			})
		}
	}
	t.Cleanup(func() {
		t.Logf("%d variants built and checked in %v", len(patches)+1, time.Since(start).Round(time.Second))
	})
}

// byN2 returns the patches for exercise n: N.patch and N-*.patch.
func byN2(patches []string, n int) []string {
	var ps []string
	for _, p := range patches {
		base := filepath.Base(p)
		if base == fmt.Sprintf("%d.patch", n) || strings.HasPrefix(base, fmt.Sprintf("%d-", n)) {
			ps = append(ps, p)
		}
	}
	return ps
}

var wantRE = regexp.MustCompile(`(?m)^Want: (.+)$`)

// wantLine returns the reason a wrong answer must be failed with, from the
// lines before the patch's first "diff --git", or "" for a solution.
func wantLine(patch string) (string, error) {
	data, err := os.ReadFile(patch)
	if err != nil {
		return "", err
	}
	head, _, ok := bytes.Cut(data, []byte("diff --git"))
	if !ok {
		return "", fmt.Errorf("%s: not a git patch", patch)
	}
	m := wantRE.FindSubmatch(head)
	isSolution := regexp.MustCompile(`^[0-9]+\.patch$`).MatchString(filepath.Base(patch))
	switch {
	case isSolution && m != nil:
		return "", fmt.Errorf("%s: a solution has no Want: line", patch)
	case !isSolution && m == nil:
		return "", fmt.Errorf("%s: a wrong answer needs a line \"Want: REASON\" before the diff", patch)
	case m == nil:
		return "", nil
	}
	return string(m[1]), nil
}

// driver is a main package that runs one check as "tut check N" does:
// exit status 0 for a pass, 1 for anything else. It goes into each build
// through the overlay, so that a build links no more than the checks need.
const driver = `package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/gospead/tutorial/cmd/tut/internal/check"
)

func main() {
	n, _ := strconv.Atoi(os.Args[2])
	e, ok := check.Lookup(n)
	if os.Args[1] != "check" || !ok {
		os.Exit(2)
	}
	if err := check.Run(context.Background(), e, os.Stdout); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
`

// builder builds check binaries of the module with a patch applied. The
// patched files replace the module's through go build's -overlay rather
// than in a copy of the module, so that every other package keeps its
// place in the build cache and only what the patch changes compiles
// again. Builds take turns, since each uses every CPU; the checks run in
// parallel.
type builder struct {
	root, goCmd, gitCmd string
	mu                  sync.Mutex
}

var patchedFile = regexp.MustCompile(`(?m)^diff --git a/(\S+) b/`)

// build applies patch (if not "") to a copy of the files it changes, and
// builds the check driver with those files in place of the module's.
func (b *builder) build(t *testing.T, name, patch string) string {
	tmp := t.TempDir()
	replace := map[string]string{}
	if patch != "" {
		data, err := os.ReadFile(patch)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range patchedFile.FindAllSubmatch(data, -1) {
			rel := filepath.FromSlash(string(m[1]))
			src, err := os.ReadFile(filepath.Join(b.root, rel))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(tmp, filepath.Dir(rel)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, rel), src, 0o644); err != nil {
				t.Fatal(err)
			}
			replace[filepath.Join(b.root, rel)] = filepath.Join(tmp, rel)
		}
		cmd := exec.Command(b.gitCmd, "apply", patch)
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git apply %s: %v\n%s", patch, err, out)
		}
	}
	main := filepath.Join(tmp, "driver.go")
	if err := os.WriteFile(main, []byte(driver), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(b.root, "cmd", "tut", "internal", "check", "checkdriver")
	replace[filepath.Join(pkg, "main.go")] = main
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "tut")
	b.mu.Lock()
	defer b.mu.Unlock()
	cmd := exec.Command(b.goCmd, "build", "-overlay", overlayFile, "-o", bin, "./cmd/tut/internal/check/checkdriver")
	cmd.Dir = b.root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: go build: %v\n%s", name, err, out)
	}
	return bin
}

// runCheck runs "tut check n" and returns its output and exit status.
func runCheck(t *testing.T, bin string, n int) (string, int) {
	cmd := exec.Command(bin, "check", fmt.Sprint(n))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("tut check %d: %v", n, err)
	return "", 0
}
