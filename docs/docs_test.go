package docs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// codeBlocks returns the fenced code blocks of a page whose info string is
// lang, each as its lines, with the line number where it starts.
func codeBlocks(text, lang string) (blocks [][]string, starts []int) {
	var cur []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case !in && strings.HasPrefix(line, "```"+lang) && strings.TrimSpace(line[3:]) == lang:
			in, cur = true, nil
			starts = append(starts, n+1)
		case in && strings.HasPrefix(line, "```"):
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, line)
		}
	}
	return blocks, starts
}

// isExcerpt reports whether block is an excerpt of src: its parts,
// separated by lines that hold only "...", appear in src in order, each as
// consecutive whole lines.
func isExcerpt(block []string, src []string) error {
	var parts [][]string
	var cur []string
	for _, l := range block {
		if strings.TrimSpace(l) == "..." {
			if len(cur) > 0 {
				parts = append(parts, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	from := 0
	for _, part := range parts {
		found := -1
		for i := from; i+len(part) <= len(src); i++ {
			ok := true
			for j, l := range part {
				if strings.TrimRight(src[i+j], " \t") != strings.TrimRight(l, " \t") {
					ok = false
					break
				}
			}
			if ok {
				found = i
				break
			}
		}
		if found < 0 {
			return fmt.Errorf("these lines are not in the source (after line %d):\n%s", from, strings.Join(part, "\n"))
		}
		from = found + len(part)
	}
	return nil
}

// TestStepExcerpts checks that every Go block in docs/stepN.md is an
// excerpt of stepN's source, so that the pages cannot drift from the code.
func TestStepExcerpts(t *testing.T) {
	for _, step := range []string{"step1", "step2", "step3"} {
		page, err := Page(step)
		if err != nil {
			t.Fatal(err)
		}
		var src []string
		for _, f := range []string{"send.go"} {
			b, err := os.ReadFile(filepath.Join("..", step, f))
			if err != nil {
				t.Fatal(err)
			}
			src = append(src, strings.Split(string(b), "\n")...)
		}
		blocks, starts := codeBlocks(page, "go")
		if len(blocks) == 0 {
			t.Errorf("%s.md has no Go excerpts", step)
		}
		for i, block := range blocks {
			if err := isExcerpt(block, src); err != nil {
				t.Errorf("%s.md:%d: the Go block is not an excerpt of %s/send.go: %v", step, starts[i], step, err)
			}
		}
	}
}

// pageSources lists, for pages other than the steps, the files their Go
// blocks are excerpts of.
var pageSources = map[string][]string{
	"multicast": {"spead/send/example_multicast_test.go", "spead/recv/example_multicast_test.go"},
}

// TestPageExcerpts checks that every Go block in the pages of pageSources
// is an excerpt of one of its files, and that no other page but the
// steps' has Go blocks, unchecked.
func TestPageExcerpts(t *testing.T) {
	for _, name := range Pages() {
		page, _ := Page(name)
		blocks, starts := codeBlocks(page, "go")
		files, ok := pageSources[name]
		if strings.HasPrefix(name, "step") {
			continue
		}
		if !ok {
			if len(blocks) > 0 {
				t.Errorf("%s.md has Go blocks, and pageSources names no source for them", name)
			}
			continue
		}
		var srcs [][]string
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join("..", f))
			if err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, strings.Split(string(b), "\n"))
		}
		if len(blocks) == 0 {
			t.Errorf("%s.md has no Go excerpts", name)
		}
	blocks:
		for i, block := range blocks {
			var errs []string
			for j, src := range srcs {
				err := isExcerpt(block, src)
				if err == nil {
					continue blocks
				}
				errs = append(errs, fmt.Sprintf("%s: %v", files[j], err))
			}
			t.Errorf("%s.md:%d: the Go block is an excerpt of none of its sources: %s", name, starts[i], strings.Join(errs, "; "))
		}
	}
}

func TestIsExcerpt(t *testing.T) {
	src := []string{"a", "\tb", "c", "d", "e"}
	tests := []struct {
		block []string
		ok    bool
	}{
		{[]string{"a", "\tb"}, true},
		{[]string{"a", "...", "d"}, true},
		{[]string{"d", "...", "a"}, false}, // out of order
		{[]string{"a", "c"}, false},        // skips a line without ...
		{[]string{"b"}, false},             // indentation matters
	}
	for _, tt := range tests {
		if err := isExcerpt(tt.block, src); (err == nil) != tt.ok {
			t.Errorf("isExcerpt(%q): %v, want ok=%v", tt.block, err, tt.ok)
		}
	}
}

// shellCommand matches a command shown in a page: a line in a sh block
// that starts with "tut ", "go run ./cmd/tut ", or "$ " before either.
// Under sudo, which resets PATH, pages write tut's full path as
// "$(go env GOPATH)/bin/tut"; it counts as tut.
var shellCommand = regexp.MustCompile(`^(?:\$ )?((?:sudo )?(?:ip netns exec \S+ )?(?:tut|"\$\(go env GOPATH\)/bin/tut"|go run \./cmd/tut) .*)$`)

// TestCommandsAreTested checks that every tut command a page shows is run
// by a testscript in testdata/ (which checks its output), or sits in a
// block marked "sh no-test" because it needs what tests cannot have.
func TestCommandsAreTested(t *testing.T) {
	var scripts strings.Builder
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.txtar"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		scripts.Write(b)
	}
	// Scripts run commands in their own namespace as "ip netns exec $NS
	// tut ..."; the pages show the same command in a namespace named by
	// the reader.
	tested := strings.ReplaceAll(scripts.String(), "ip netns exec $NS ", "")
	for _, name := range Pages() {
		page, _ := Page(name)
		blocks, starts := codeBlocks(page, "sh")
		for i, block := range blocks {
			for j, line := range block {
				m := shellCommand.FindStringSubmatch(strings.TrimSpace(line))
				if m == nil {
					continue
				}
				cmd := m[1]
				cmd = strings.TrimPrefix(cmd, "sudo ")
				cmd = regexp.MustCompile(`^ip netns exec \S+ `).ReplaceAllString(cmd, "")
				cmd = strings.Replace(cmd, "go run ./cmd/tut ", "tut ", 1)
				cmd = strings.Replace(cmd, `"$(go env GOPATH)/bin/tut" `, "tut ", 1)
				cmd = strings.TrimSuffix(strings.TrimSpace(cmd), " &")
				if !strings.Contains(tested, "exec "+cmd) && !strings.Contains(tested, "exitcode 0 "+cmd) &&
					!strings.Contains(tested, "exitcode 1 "+cmd) && !strings.Contains(tested, "exitcode 2 "+cmd) {
					t.Errorf("%s.md:%d: no testscript runs %q", name, starts[i]+j, cmd)
				}
			}
		}
	}
}

// TestCIRunsReadmeTestCommand checks that .ci/run runs exactly the test
// command README.md gives, so that what a newcomer runs is what CI runs.
func TestCIRunsReadmeTestCommand(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var cmd string
	lines := strings.Split(string(readme), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Run every test") {
			for _, m := range lines[i+1:] {
				if strings.HasPrefix(m, "    ") {
					cmd = strings.TrimSpace(m)
					break
				}
			}
		}
	}
	if cmd == "" {
		t.Fatal(`README.md has no indented command after "Run every test"`)
	}
	for _, l := range strings.Split(string(ci), "\n") {
		if strings.TrimSpace(l) == cmd {
			return
		}
	}
	t.Errorf(".ci/run does not run README.md's test command %q", cmd)
}

// TestShellCommandForms checks the forms of a command that
// TestCommandsAreTested recognises, the sudo form with tut's full path
// among them.
func TestShellCommandForms(t *testing.T) {
	for line, want := range map[string]string{
		"tut recv --quiet":                                           "tut recv --quiet",
		"$ go run ./cmd/tut check 2":                                 "go run ./cmd/tut check 2",
		`sudo "$(go env GOPATH)/bin/tut" bench --runs 3`:             `sudo "$(go env GOPATH)/bin/tut" bench --runs 3`,
		`sudo ip netns exec tut "$(go env GOPATH)/bin/tut" dummy up`: `sudo ip netns exec tut "$(go env GOPATH)/bin/tut" dummy up`,
		"go install ./cmd/tut":                                       "",
	} {
		m := shellCommand.FindStringSubmatch(line)
		got := ""
		if m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", line, got, want)
		}
	}
}
