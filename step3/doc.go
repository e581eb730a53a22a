// Package step is stage 3 of the spead2 sender tutorial in Go: stage 2
// with 9000-byte packets, the destination host and port chosen by the
// caller (on the command line) and 10000 heaps for a steadier measurement.
//
// The three stages are packages of the same name, step, with the same
// files, so that
//
//	diff -u step2/send.go step3/send.go
//
// shows the tutorial's change and nothing else. Import them under names of
// their own:
//
//	import step3 "github.com/gospead/tutorial/step3"
//
// send.go is the program; read it from the top. Run it with
//
//	go run ./cmd/tut send --step 3 127.0.0.1 8888
package step
