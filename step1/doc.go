// Package step is stage 1 of the spead2 sender tutorial in Go, the program
// as it stands when the page "Sender, version 3" begins: it sends 100 heaps
// of 1 MiB of random int8 samples, uniform in [-100, 100), to
// 127.0.0.1:8888 in packets of at most 1472 bytes, pipelined, two heaps in
// flight, and prints the rate.
//
// The three stages are packages of the same name, step, with the same
// files, so that
//
//	diff -u step1/send.go step2/send.go
//
// shows the tutorial's change and nothing else. Import them under names of
// their own:
//
//	import step1 "github.com/gospead/tutorial/step1"
//
// send.go is the program; read it from the top. Run it with
//
//	go run ./cmd/tut send --step 1
package step
