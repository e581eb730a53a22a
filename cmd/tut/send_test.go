package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// TestSendStageInterrupted checks that a canceled send reports that it was
// interrupted, not a send error.
func TestSendStageInterrupted(t *testing.T) {
	port, err := freeUDPPort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts := stepOptions{Heaps: 3, Host: "127.0.0.1", Port: port, Out: io.Discard}
	err = sendStage(ctx, 2, stages[1], opts, io.Discard)
	if err == nil || err.Error() != "step 2 interrupted" {
		t.Fatalf("sendStage with a canceled context = %v, want interrupted", err)
	}
	if isUsage(err) {
		t.Errorf("an interrupted send is reported as a usage error")
	}
}

// TestSendStageRuntimeError checks that a failure at run time is wrapped
// with the step and is not a usage error, for exit code 1.
func TestSendStageRuntimeError(t *testing.T) {
	opts := stepOptions{Heaps: 1, Host: "not-an-address", Port: 9, Out: io.Discard}
	err := sendStage(context.Background(), 3, stages[2], opts, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "step 3: ") {
		t.Fatalf("sendStage to a bad host = %v, want an error about step 3", err)
	}
	if isUsage(err) {
		t.Errorf("a run-time failure is reported as a usage error")
	}
}

// TestIsTerminal checks that a file that is not a terminal is never
// taken for one, so progress is never drawn into it.
func TestIsTerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("%s is taken for a terminal", os.DevNull)
	}
	if isTerminal(regularFile(t)) {
		t.Errorf("a regular file is taken for a terminal")
	}
}

// regularFile returns a regular file in a temporary directory.
func regularFile(t *testing.T) *os.File {
	f, err := os.Create(t.TempDir() + "/f")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestExitCode checks the exit code each kind of error gets.
func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{usagef("bad flag"), 2},
		{fmt.Errorf("step 2 %w", errInterrupted), 130},
		{fmt.Errorf("bench %w", errInterrupted), 130},
		{errors.New("recv: listen udp: bind: invalid argument"), 1},
	} {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
