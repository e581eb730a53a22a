// Package step is stage 2 of the spead2 sender tutorial in Go: stage 1
// with a constant fill. Heap i carries 1 MiB of samples all equal to
// int8(i), which costs almost nothing to make, so the sender is no longer
// held back by the random number generator.
//
// The three stages are packages of the same name, step, with the same
// files, so that
//
//	diff -u step1/send.go step2/send.go
//
// shows the tutorial's change and nothing else. Import them under names of
// their own:
//
//	import step2 "github.com/gospead/tutorial/step2"
//
// send.go is the program; read it from the top. Run it with
//
//	go run ./cmd/tut send --step 2
package step
