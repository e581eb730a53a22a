// Package check grades the exercises of docs/exercises.md. "tut check N"
// runs exercise N's check against the stages compiled into the binary, so
// that "go run ./cmd/tut check N" grades the working tree as edited: the
// check runs the edited stage in this process, sends to a receiver of its
// own on a free loopback port, and inspects what arrived packet by packet
// (flavour from the packet headers, heap counters, which destination got
// which heap, item values, packet sizes, arrival times). It passes or fails
// with a reason and a hint; nothing depends on the machine's speed except a
// rate measured against a limit the exercise configures.
//
// # Adding an exercise
//
//  1. Write its task and hint in docs/exercises.md, under "## N. Title",
//     and what it teaches in docs/teaching.md.
//  2. Add an Exercise to the exercises slice in exercises.go (or in a file
//     of its own, appending in an init function): its number, title, the
//     stage it edits, and a Check function. A Check runs the stage with
//     runStage (or runStageTo for several destinations), looks at the
//     capture, and returns fail(reason, hint) for a wrong answer, nil for
//     a right one. The helpers verifyConstant, inflightMeter and the
//     capture's heaps cover most needs.
//  3. Add testdata/exercises/N.patch, the reference solution made with
//     "git diff" from the repository root, and at least one wrong answer,
//     testdata/exercises/N-SLUG.patch, whose header (the lines before
//     "diff --git", which git apply ignores) has a line
//     "Want: TEXT", TEXT being part of the reason check must give.
//     TestSolutions (solutions_test.go) then proves that the unchanged tree
//     fails, the solution passes and each wrong answer fails with its
//     reason.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Exercise is one checked exercise.
type Exercise struct {
	N     int    // its number in docs/exercises.md
	Title string // its heading there
	Step  int    // the stage it edits
	// Check grades the stage as compiled into this binary. It returns
	// nil and a one-line summary on success, an error made by fail for a
	// wrong answer, or any other error when it could not grade at all.
	Check func(ctx context.Context) (summary string, err error)
}

// exercises holds every checked exercise; see the package comment.
var exercises []Exercise

// Exercises returns the checked exercises in order of their numbers.
func Exercises() []Exercise {
	es := slices.Clone(exercises)
	slices.SortFunc(es, func(a, b Exercise) int { return a.N - b.N })
	return es
}

// Lookup returns exercise n.
func Lookup(n int) (Exercise, bool) {
	for _, e := range exercises {
		if e.N == n {
			return e, true
		}
	}
	return Exercise{}, false
}

// Failure is a wrong answer: what is wrong and what to look at.
type Failure struct {
	Reason string
	Hint   string
}

func (f *Failure) Error() string { return f.Reason }

// fail returns a Failure with a formatted reason.
func fail(hint, format string, args ...any) error {
	return &Failure{Reason: fmt.Sprintf(format, args...), Hint: hint}
}

// ErrFailed is returned by Run when the exercise's check fails.
var ErrFailed = errors.New("failed")

// timeout bounds one check: a stage that has not finished by then has
// gone wrong (a rate limit in bits, say, or a heap never sent).
const timeout = 60 * time.Second

// Run runs exercise e's check and prints its verdict on w: "PASS" and a
// summary, or "FAIL", the reason and a hint. It returns nil on a pass, an
// error wrapping ErrFailed on a wrong answer, and any other error when the
// check could not run.
func Run(ctx context.Context, e Exercise, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fmt.Fprintf(w, "exercise %d: %s (step%d/send.go)\n", e.N, e.Title, e.Step)
	summary, err := e.Check(ctx)
	var f *Failure
	switch {
	case err == nil:
		fmt.Fprintf(w, "PASS: %s\n", summary)
		return nil
	case errors.As(err, &f):
		fmt.Fprintf(w, "FAIL: %s\n", f.Reason)
		if f.Hint != "" {
			fmt.Fprintf(w, "hint: %s\n", f.Hint)
		}
		return fmt.Errorf("exercise %d %w", e.N, ErrFailed)
	default:
		return fmt.Errorf("exercise %d: %w", e.N, err)
	}
}

// List writes the exercises, one a line.
func List(w io.Writer) {
	for _, e := range Exercises() {
		fmt.Fprintf(w, "%3d  step %d  %s\n", e.N, e.Step, e.Title)
	}
}

// plural returns "1 heap" or "n heaps".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// oneLine shortens an error for a reason line.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	return s
}
