package desired

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Pos is where something is declared: the source, the file (relative to
// the source) and the line and column (from 1). A zero Line means the whole
// file, or a position that is not known (an object made by LDAP).
type Pos struct {
	Source string
	File   string
	Line   int
	Col    int
}

func (p Pos) String() string {
	var b strings.Builder
	if p.Source != "" {
		b.WriteString(p.Source)
		b.WriteString(": ")
	}
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Col)
	}
	return b.String()
}

// Positions are the positions of an object and its fields: "" is the object
// itself; other keys are field paths such as "email" or
// "members.users.alice".
type Positions map[string]Pos

// Of returns the position of a field, or the object's when the field has
// none.
func (p Positions) Of(field string) Pos {
	if pos, ok := p[field]; ok {
		return pos
	}
	return p[""]
}

// Error is a problem at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos == (Pos{}) {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// MaxErrors is how many errors a run collects before it stops listing them.
const MaxErrors = 50

// Errors collects the errors of a run, up to MaxErrors, and counts the
// rest.
type Errors struct {
	list    []*Error
	dropped int
	order   []string // source names in load order, when known
}

// SetSourceOrder tells in which order sources list their errors (the
// config's order); by default, the order of their first error.
func (e *Errors) SetSourceOrder(names []string) { e.order = names }

// Add records an error at pos.
func (e *Errors) Add(pos Pos, format string, args ...any) {
	e.AddError(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// AddError records an error.
func (e *Errors) AddError(err *Error) {
	if len(e.list) >= MaxErrors {
		e.dropped++
		return
	}
	e.list = append(e.list, err)
}

// AddList records the errors of err when it is (or wraps) a *ListError,
// and reports whether it was.
func (e *Errors) AddList(err error) bool {
	var le *ListError
	if !errors.As(err, &le) {
		return false
	}
	for _, item := range le.Errors {
		e.AddError(item)
	}
	e.dropped += le.Dropped
	return true
}

// Len is the number of errors recorded, dropped ones included.
func (e *Errors) Len() int { return len(e.list) + e.dropped }

// Err returns the errors as one error (a *ListError), or nil when there
// are none.
func (e *Errors) Err() error {
	if e.Len() == 0 {
		return nil
	}
	// Sources keep the order they were loaded in; within a source, errors
	// are sorted by file and position.
	rank := map[string]int{}
	for _, name := range e.order {
		rank[name] = len(rank)
	}
	for _, err := range e.list {
		if _, ok := rank[err.Pos.Source]; !ok {
			rank[err.Pos.Source] = len(rank)
		}
	}
	list := slices.Clone(e.list)
	slices.SortStableFunc(list, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(rank[a.Pos.Source], rank[b.Pos.Source]), cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return &ListError{Errors: list, Dropped: e.dropped}
}

// ListError is the errors of a run, sorted by position.
type ListError struct {
	Errors  []*Error
	Dropped int // errors beyond MaxErrors, not listed
}

// Error lists the errors one per line.
func (l *ListError) Error() string {
	lines := make([]string, 0, len(l.Errors)+1)
	for _, e := range l.Errors {
		lines = append(lines, e.Error())
	}
	if l.Dropped > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more errors (only the first %d are listed)", l.Dropped, MaxErrors))
	}
	return strings.Join(lines, "\n")
}

// Count is the number of errors, listed or not.
func (l *ListError) Count() int { return len(l.Errors) + l.Dropped }
