package main

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// pflagInvalid matches pflag's complaint about a flag value it cannot
// parse, as in `invalid argument "two" for "--step" flag:
// strconv.ParseInt: parsing "two": invalid syntax` or `invalid argument
// "xyz" for "--timeout" flag: time: invalid duration "xyz"`.
var pflagInvalid = regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: (.*)$`)

// flagError rewrites a flag parsing error of cmd without the Go package
// and function names pflag's leave in it: it names the flag and says
// what its value should be, by the flag's type.
func flagError(cmd *cobra.Command, err error) error {
	m := pflagInvalid.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, flag, cause := m[1], m[2], m[3]
	if v, uerr := strconv.Unquote(`"` + value + `"`); uerr == nil {
		value = v
	}
	// The flag is "--name", or "-n, --name" for one with a shorthand.
	name := flag[strings.LastIndex(flag, "--")+2:]
	f := cmd.Flags().Lookup(name)
	if f == nil {
		return err
	}
	var what string
	switch typ := f.Value.Type(); {
	case typ == "duration":
		what = fmt.Sprintf("want a number and a unit (ns, us, ms, s, m or h), as in --%s 5s", name)
	case typ == "bool":
		what = fmt.Sprintf("want true or false (--%s alone means true)", name)
	case strings.HasSuffix(cause, "value out of range"):
		what = "out of range"
	case strings.HasPrefix(typ, "int") || strings.HasPrefix(typ, "uint"):
		what = "not a whole number"
	default:
		return err
	}
	return fmt.Errorf("invalid argument %q for %s: %s", value, flag, what)
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
