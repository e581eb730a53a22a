package spead

import (
	"fmt"
	"strconv"
	"strings"
)

// NumpyType is the element type a numpy descr names, such as "<c8" or
// "|S5". The kinds are those spead2's Python item groups send: 'b'
// (bool), 'i' and 'u' (integers), 'f' (floats), 'c' (complex), 'S'
// (bytes, read as a Go string without its trailing NULs) and 'U' (text
// of four bytes a character, UTF-32).
type NumpyType struct {
	// Kind is the numpy kind character: 'b', 'i', 'u', 'f', 'c', 'S' or
	// 'U'.
	Kind byte
	// Size is the size of one element in bytes: 1 to 8 for integers, 4
	// or 8 for floats, 8 or 16 for complex numbers, the length for 'S',
	// four times the length for 'U'.
	Size int
	// BigEndian says the element's bytes are most significant first.
	BigEndian bool
}

// ParseNumpyType parses a numpy descr of one element: an optional byte
// order ('<', '>', '|' or '='; '<' if absent), a kind and a size in
// bytes, as in "<c8", ">f4", "|b1", "i1" or "|S10", or "?" for bool.
// Structured (record) dtypes and the kinds listed in [NumpyType]'s doc
// comment are all it accepts; "f2" is refused, as Go has no half floats.
func ParseNumpyType(descr string) (NumpyType, error) {
	if descr == "?" {
		return NumpyType{Kind: 'b', Size: 1}, nil
	}
	t := NumpyType{}
	s := descr
	if len(s) > 0 {
		switch s[0] {
		case '<', '|', '=':
			s = s[1:]
		case '>':
			t.BigEndian = true
			s = s[1:]
		}
	}
	if len(s) < 2 {
		return t, fmt.Errorf("%w: dtype %q is not a numpy type such as <c8", ErrNumpyHeader, descr)
	}
	t.Kind = s[0]
	if !strings.Contains("biufcSU", string(t.Kind)) {
		return t, fmt.Errorf("%w: unsupported dtype %q", ErrNumpyHeader, descr)
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n <= 0 || s[1] == '+' || s[1] == '0' {
		return t, fmt.Errorf("%w: dtype %q has no size in bytes after its kind", ErrNumpyHeader, descr)
	}
	ok := false
	switch t.Kind {
	case 'b':
		ok = n == 1
	case 'i', 'u':
		ok = n == 1 || n == 2 || n == 4 || n == 8
	case 'f':
		ok = n == 4 || n == 8
	case 'c':
		ok = n == 8 || n == 16
	case 'S':
		ok = n <= 1<<20
	case 'U':
		ok = n <= 1<<18
		n *= 4
	}
	if !ok {
		return t, fmt.Errorf("%w: unsupported dtype %q", ErrNumpyHeader, descr)
	}
	t.Size = n
	return t, nil
}

// String returns the descr as numpy writes it, such as "<c8", "|b1" or
// "|S5".
func (t NumpyType) String() string {
	order := byte('<')
	switch {
	case t.Kind == 'S' || t.Kind == 'b' || t.Size == 1 && (t.Kind == 'i' || t.Kind == 'u'):
		order = '|'
	case t.BigEndian:
		order = '>'
	}
	n := t.Size
	if t.Kind == 'U' {
		n /= 4
	}
	return string(order) + string(t.Kind) + strconv.Itoa(n)
}
