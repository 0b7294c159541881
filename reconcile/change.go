package reconcile

import (
	"context"
	"slices"
	"strings"

	"github.com/jfsync/jfsync/reconcile/access"
)

// Kinds of objects a change applies to.
const (
	KindUser          = "user"
	KindGroup         = "group"
	KindPermission    = "permission"
	KindProject       = "project"
	KindProjectMember = "project_member"
)

// Actions of a change.
const (
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionDisable = "disable"
	ActionDelete  = "delete"
)

// Results of a change.
const (
	ResultPlanned   = "planned"
	ResultApplied   = "applied"
	ResultFailed    = "failed"
	ResultSkipped   = "skipped"   // a dependency failed, or a guard blocked the cycle
	ResultProtected = "protected" // the object is protected: no call is made
)

// Change is one described operation of a plan: what changes and why, in
// words for the reports, and the calls that make it. The same Change
// drives the dry-run report, the apply and the metrics.
type Change struct {
	Kind   string        `json:"kind"`
	Name   string        `json:"name"`
	Action string        `json:"action"`
	Fields []FieldChange `json:"fields,omitempty"`
	Diff   string        `json:"diff"`
	Result string        `json:"result"`
	Error  string        `json:"error"`
	// Calls is the number of write calls the change makes (0 when
	// protected).
	Calls int `json:"-"`
	// Note says more, e.g. why a protected change is not made.
	Note string `json:"note,omitempty"`

	id    string   // unique key, for dependencies
	deps  []string // ids of changes that must succeed first
	phase int      // apply order, see phases
	apply func(ctx context.Context, c *access.Client) error
}

// FieldChange is how one field changes: a scalar from one value to
// another, or a set by added and removed items.
type FieldChange struct {
	Field   string   `json:"field"`
	From    string   `json:"from,omitempty"`
	To      string   `json:"to,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Protected reports whether the change is listed only, never made.
func (c *Change) Protected() bool { return c.Result == ResultProtected }

// Apply order (DESIGN section 7): creations and updates by kind, then
// deletions (and disables) in reverse.
const (
	phaseUsers = iota
	phaseGroups
	phasePermissions
	phaseProjects
	phaseProjectMembers
	phaseDeleteProjectMembers
	phaseDeleteProjects
	phaseDeletePermissions
	phaseDeleteGroups
	phaseDeleteUsers
	phaseCount
)

// Plan is the list of changes that make the live state equal the desired
// state, in apply order.
type Plan struct {
	Changes []*Change
}

// Summary counts a plan's changes that make calls (not protected ones).
type Summary struct {
	Create   int `json:"create"`
	Update   int `json:"update"`
	Disable  int `json:"disable"`
	Delete   int `json:"delete"`
	APICalls int `json:"api_calls"`
}

// Summary counts the plan's changes by action, and its write calls.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		if c.Protected() {
			continue
		}
		switch c.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionDisable:
			s.Disable++
		case ActionDelete:
			s.Delete++
		}
		s.APICalls += c.Calls
	}
	return s
}

// Empty reports whether the plan changes nothing (protected changes are
// listed but make no call).
func (p *Plan) Empty() bool { return p.Summary() == Summary{} }

// sortChanges puts changes in apply order, then by kind and name, so that
// a plan is deterministic.
func sortChanges(changes []*Change) {
	slices.SortStableFunc(changes, func(a, b *Change) int {
		if a.phase != b.phase {
			return a.phase - b.phase
		}
		if a.Kind != b.Kind {
			return strings.Compare(a.Kind, b.Kind)
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// sortedSet returns the distinct strings of s, sorted (never nil).
func sortedSet(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return slices.Compact(out)
}

// setDiff returns what b adds to a and what it removes, both sorted.
func setDiff(a, b []string) (added, removed []string) {
	in := func(list []string, x string) bool { _, ok := slices.BinarySearch(list, x); return ok }
	a, b = sortedSet(a), sortedSet(b)
	for _, x := range b {
		if !in(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !in(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}
