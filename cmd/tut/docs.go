package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gospead/tutorial/docs"
	"github.com/spf13/cobra"
)

// newDocsCmd returns the docs command, which prints the tutorial's pages
// from the binary.
func newDocsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "docs [PAGE]",
		Short: "Print a page of the tutorial",
		Long: `docs prints a page of the tutorial, built into tut, so that a class can
work offline from an installed binary. With no PAGE it lists the pages.`,
		Example: `  tut docs
  tut docs step2
  tut docs exercises | less`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("docs takes at most one page name (got %d arguments)", len(args))
			}
			if len(args) == 1 {
				if _, err := docs.Page(args[0]); err != nil {
					return usageError{err}
				}
			}
			return nil
		},
		ValidArgs: docs.Pages(),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				for _, name := range docs.Pages() {
					text, _ := docs.Page(name)
					fmt.Fprintf(out, "%-16s %s\n", name, title(text))
				}
				return nil
			}
			text, _ := docs.Page(args[0])
			_, err := io.WriteString(out, text)
			return err
		},
	}
}

// title returns the first heading of a page, without its #.
func title(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "# ") {
			return strings.TrimPrefix(line, "# ")
		}
	}
	return ""
}
