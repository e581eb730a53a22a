package main

import "testing"

func TestCheckLinkName(t *testing.T) {
	for _, name := range []string{"dummy1", "a", "0123456789abcde", "tut-bench_0"} {
		if err := checkLinkName(name); err != nil {
			t.Errorf("checkLinkName(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", ".", "..", "a/b", "a:b", "a b", "0123456789abcdef", "a\tb"} {
		err := checkLinkName(name)
		if err == nil || !isUsage(err) {
			t.Errorf("checkLinkName(%q) = %v, want a usage error", name, err)
		}
	}
}
