// Package docs holds the tutorial's pages, embedded so that an installed
// tut binary can print them ("tut docs step2") and a class can work
// offline.
package docs

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.md
var pages embed.FS

// Pages returns the names of the pages, without the .md suffix, sorted.
func Pages() []string {
	entries, _ := fs.ReadDir(pages, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".md"))
	}
	sort.Strings(names)
	return names
}

// Page returns the text of the named page; the name may carry the .md
// suffix or not.
func Page(name string) (string, error) {
	name = strings.TrimSuffix(name, ".md")
	if name == "" || strings.ContainsAny(name, "/\\") {
		return "", fmt.Errorf("no page %q; pages are %s", name, strings.Join(Pages(), ", "))
	}
	b, err := pages.ReadFile(name + ".md")
	if err != nil {
		return "", fmt.Errorf("no page %q; pages are %s", name, strings.Join(Pages(), ", "))
	}
	return string(b), nil
}
