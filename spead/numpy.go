package spead

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// NumpyHeader is the type of an item described the numpy way: a dtype
// string such as "i1" or "<u2", the array order, and the shape.
type NumpyHeader struct {
	// Descr is the dtype string, such as "i1", "<u2" or ">f8".
	Descr string
	// FortranOrder says whether a multi-dimensional array is stored
	// column by column (Fortran's order) rather than row by row (C's).
	FortranOrder bool
	// Shape lists the array's dimensions; an empty shape is a scalar.
	Shape []int64
}

// ErrNumpyHeader is wrapped by the errors of numpy headers that do not
// parse.
var ErrNumpyHeader = errors.New("bad numpy header")

// String writes the header as spead2's C++ tutorial does, for example
// {'shape': (1048576,), 'fortran_order': False, 'descr': 'i1'}. A Descr
// holding a single quote is written in double quotes, as Python writes
// such a string, so that the header still parses.
func (n NumpyHeader) String() string {
	var b strings.Builder
	b.WriteString("{'shape': (")
	for i, d := range n.Shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(d, 10))
	}
	if len(n.Shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteString("), 'fortran_order': ")
	if n.FortranOrder {
		b.WriteString("True")
	} else {
		b.WriteString("False")
	}
	b.WriteString(", 'descr': ")
	q := byte('\'')
	if strings.ContainsRune(n.Descr, '\'') {
		q = '"'
	}
	b.WriteByte(q)
	b.WriteString(n.Descr)
	b.WriteByte(q)
	b.WriteByte('}')
	return b.String()
}

// ParseNumpyHeader parses the dictionary of a numpy header in the forms
// numpy and spead2 write: keys 'descr', 'fortran_order' and 'shape' in
// any order, with single or double quotes and optional trailing padding.
// It is more lenient than spead2, which wants all three keys once each:
// a missing key takes its zero value, and a one-element shape may lack
// its trailing comma, as in (3).
func ParseNumpyHeader(s string) (NumpyHeader, error) {
	var n NumpyHeader
	p := &numpyParser{s: strings.TrimRight(s, " \n\x00")}
	if !p.eat('{') {
		return n, fmt.Errorf("%w: %q does not start with {", ErrNumpyHeader, clip(s))
	}
	seen := 0
	for !p.eat('}') {
		if seen > 0 && !p.eat(',') {
			return n, fmt.Errorf("%w: expected , or } at offset %d", ErrNumpyHeader, p.i)
		}
		if p.eat('}') { // a trailing comma
			break
		}
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return n, fmt.Errorf("%w: expected a quoted key and : at offset %d", ErrNumpyHeader, p.i)
		}
		switch key {
		case "descr":
			v, ok := p.str()
			if !ok {
				return n, fmt.Errorf("%w: descr is not a string", ErrNumpyHeader)
			}
			n.Descr = v
		case "fortran_order":
			switch {
			case p.word("True"):
				n.FortranOrder = true
			case p.word("False"):
				n.FortranOrder = false
			default:
				return n, fmt.Errorf("%w: fortran_order is not True or False", ErrNumpyHeader)
			}
		case "shape":
			shape, err := p.tuple()
			if err != nil {
				return n, err
			}
			n.Shape = shape
		default:
			return n, fmt.Errorf("%w: unknown key %q", ErrNumpyHeader, key)
		}
		seen++
	}
	if n.Descr == "" {
		return n, fmt.Errorf("%w: no descr", ErrNumpyHeader)
	}
	if p.skip(); p.i != len(p.s) {
		return n, fmt.Errorf("%w: text after the closing }", ErrNumpyHeader)
	}
	return n, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// numpyParser reads the small subset of Python literals numpy headers use.
type numpyParser struct {
	s string
	i int
}

func (p *numpyParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *numpyParser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *numpyParser) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *numpyParser) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

func (p *numpyParser) tuple() ([]int64, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("%w: shape is not a tuple", ErrNumpyHeader)
	}
	shape := []int64{}
	for !p.eat(')') {
		if len(shape) > 0 && !p.eat(',') {
			return nil, fmt.Errorf("%w: expected , in shape at offset %d", ErrNumpyHeader, p.i)
		}
		if p.eat(')') {
			break
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		d, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: shape dimension at offset %d is not a number", ErrNumpyHeader, p.i)
		}
		if len(shape) >= 32 {
			return nil, fmt.Errorf("%w: more than 32 dimensions", ErrNumpyHeader)
		}
		shape = append(shape, d)
		p.i = j
	}
	return shape, nil
}
