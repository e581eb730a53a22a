package step

import _ "embed"

// Source is the text of send.go, this stage's program, so that a built
// tut binary can show it and diff it against the other stages.
//
//go:embed send.go
var Source string
