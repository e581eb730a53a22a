package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// tutRecv is "tut recv" running as a child process of bench, listening on
// loopback in bench's namespace: the receiver the tutorial listens with.
type tutRecv struct {
	cmd    *exec.Cmd
	port   uint16
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{} // closed when the child has ended
	err    error         // cmd.Wait's result, once done is closed
}

// recvIdleTimeout is how long tut recv waits for a packet before it
// stops, in case the end-of-stream heap was lost.
const recvIdleTimeout = 2 * time.Second

// recvReadyTimeout is how long bench waits for tut recv to open its
// socket.
const recvReadyTimeout = 10 * time.Second

// startTutRecv starts "tut recv --quiet" on a free loopback port in the
// environment's namespace and waits until its socket is open.
func startTutRecv(ctx context.Context, env *benchEnv) (*tutRecv, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding tut's own executable: %w", err)
	}
	port, err := env.closedPort()
	if err != nil {
		return nil, err
	}
	r := &tutRecv{port: port, done: make(chan struct{})}
	r.cmd = exec.CommandContext(ctx, self, "recv", "--quiet", "--timeout", recvIdleTimeout.String(),
		fmt.Sprintf("127.0.0.1:%d", port))
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := env.do(r.cmd.Start); err != nil {
		return nil, fmt.Errorf("starting tut recv: %w", err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	if err := r.waitListening(); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// waitListening waits until the child has a UDP socket bound to its port,
// as its /proc/PID/net/udp (the table of its own namespace) shows. Where
// that table cannot be read it waits a moment instead.
func (r *tutRecv) waitListening() error {
	table := fmt.Sprintf("/proc/%d/net/udp", r.cmd.Process.Pid)
	// 127.0.0.1 and the port, as the kernel writes them: the address in
	// the machine's byte order, the port in hex.
	little := []byte(fmt.Sprintf(" 0100007F:%04X ", r.port))
	big := []byte(fmt.Sprintf(" 7F000001:%04X ", r.port))
	deadline := time.Now().Add(recvReadyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			return fmt.Errorf("tut recv ended before it listened (%v): %s", r.err, strings.TrimSpace(r.stderr.String()))
		default:
		}
		b, err := os.ReadFile(table)
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			return nil
		}
		if bytes.Contains(b, little) || bytes.Contains(b, big) {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("tut recv did not open port %d within %v", r.port, recvReadyTimeout)
}

// finish waits for tut recv to end, at the end of the stream or after
// recvIdleTimeout without packets, and returns the data heaps it
// received whole.
func (r *tutRecv) finish() (int, error) {
	<-r.done
	if r.err != nil {
		return 0, fmt.Errorf("tut recv: %w: %s", r.err, strings.TrimSpace(r.stderr.String()))
	}
	heaps, err := parseHeaps(r.stdout.String())
	if err != nil {
		return 0, fmt.Errorf("tut recv: %w", err)
	}
	return heaps, nil
}

// stop ends tut recv if it is still running.
func (r *tutRecv) stop() {
	select {
	case <-r.done:
	default:
		r.cmd.Process.Kill()
		<-r.done
	}
}

// parseHeaps finds the line "heaps.complete: N" in tut recv's
// statistics: the heaps that arrived whole ("heaps: N" counts incomplete
// ones too).
func parseHeaps(stats string) (int, error) {
	sc := bufio.NewScanner(strings.NewReader(stats))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "heaps.complete: "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0, fmt.Errorf("statistics line %q: %w", sc.Text(), err)
			}
			return n, nil
		}
	}
	return 0, errors.New("no \"heaps.complete:\" line in its statistics")
}
