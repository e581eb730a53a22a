package main

import (
	"testing"

	"github.com/gospead/tutorial/cmd/tut/internal/bench"
)

func TestBenchOptionsValidate(t *testing.T) {
	good := bench.Options{Runs: 5, Plot: "a.SVG", Cases: []string{"yardstick"}}
	if err := validateBench(&good); err != nil {
		t.Errorf("validate(%+v): %v", good, err)
	}
	for _, bad := range []bench.Options{
		{Runs: 0},
		{Runs: 1001},
		{Runs: 1, Heaps: -1},
		{Runs: 1, Plot: "a.png"},
		{Runs: 1, Cases: []string{"step4"}},
	} {
		if err := validateBench(&bad); err == nil || !isUsage(err) {
			t.Errorf("validate(%+v) = %v, want a usage error", bad, err)
		}
	}
}
