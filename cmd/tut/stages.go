package main

import (
	"context"
	"fmt"
	"strconv"

	step1 "github.com/gospead/tutorial/step1"
	step2 "github.com/gospead/tutorial/step2"
	step3 "github.com/gospead/tutorial/step3"
)

// stepOptions are the options every stage's Run takes. The stages declare
// the same struct, each in its own package, so one converts to another.
type stepOptions = step1.Options

// stage is one stage of the tutorial as the commands see it.
type stage struct {
	title  string // what the stage is, in a few words
	change string // what changed since the stage before
	// heaps and packetSize are the stage's defaults.
	heaps, packetSize int
	// hostPort reports whether the stage takes its destination from the
	// command line.
	hostPort bool
	// source is the stage's program, send.go.
	source string
	run    func(context.Context, stepOptions) error
}

// stages holds the tutorial's stages; stage n is stages[n-1].
var stages = []stage{
	{
		title:      "random fill",
		change:     "100 heaps of random int8 samples to 127.0.0.1:8888, 1472-byte packets",
		heaps:      step1.DefaultHeaps,
		packetSize: step1.DefaultPacketSize,
		source:     step1.Source,
		run:        step1.Run,
	},
	{
		title:      "constant fill",
		change:     "heap i is filled with int8(i): samples cost almost nothing to make",
		heaps:      step2.DefaultHeaps,
		packetSize: step2.DefaultPacketSize,
		source:     step2.Source,
		run: func(ctx context.Context, o stepOptions) error {
			return step2.Run(ctx, step2.Options(o))
		},
	},
	{
		title:      "jumbo packets",
		change:     "9000-byte packets, HOST PORT on the command line, 10000 heaps",
		heaps:      step3.DefaultHeaps,
		packetSize: step3.DefaultPacketSize,
		hostPort:   true,
		source:     step3.Source,
		run: func(ctx context.Context, o stepOptions) error {
			return step3.Run(ctx, step3.Options(o))
		},
	},
}

// stepNumbers are the valid step numbers as arguments, for completion.
var stepNumbers = []string{"1", "2", "3"}

// parseStep turns a step number given as an argument into its stage.
func parseStep(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > len(stages) {
		return 0, usagef("step must be 1, 2 or 3, not %q", arg)
	}
	return n, nil
}

// sourceName is the name a stage's source goes by in diffs.
func sourceName(n int) string {
	return fmt.Sprintf("step%d/send.go", n)
}
