package main

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// pflagParse matches pflag's complaint about a number it cannot parse, as
// in `invalid argument "two" for "--step" flag: strconv.ParseInt: parsing
// "two": invalid syntax`.
var pflagParse = regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: strconv\.Parse\w+: parsing ".*": (.*)$`)

// flagError rewrites a flag parsing error without the Go function names
// pflag's leave in it.
func flagError(err error) error {
	m := pflagParse.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	what := "not a number"
	if m[3] == "value out of range" {
		what = "out of range"
	}
	return fmt.Errorf("invalid argument %q for %s: %s", m[1], m[2], what)
}

// shells are those cobra's completion command writes scripts for.
var shells = []string{"bash", "fish", "powershell", "zsh"}

// strictCompletion makes "tut completion SHELL" for a shell cobra does not
// know a usage error, rather than help and success.
func strictCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("completion: no script for the shell %q; there are scripts for %s", args[0], strings.Join(shells, ", "))
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		}
	}
}

// version returns tut's version from the build information: the module's
// version, or for a build from a checkout the commit and whether the tree
// had changes.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" && (v == "" || v == "(devel)") {
		return fmt.Sprintf("(devel) %.12s%s, %s", rev, modified, bi.GoVersion)
	}
	if v == "" {
		v = "(devel)"
	}
	return v + ", " + bi.GoVersion
}
