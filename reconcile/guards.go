package reconcile

import (
	"fmt"

	"github.com/jfsync/jfsync/sources"
)

// Blocked is a guard that stopped a cycle before any change was applied.
type Blocked struct {
	Guard   string `json:"guard"`
	Message string `json:"message"`
}

// Guards.
const (
	GuardEmptySource      = "empty_source"
	GuardMaxDeletes       = "max_deletes"
	GuardMaxDeletePercent = "max_delete_percent"
)

// CheckEmptySources blocks on a source that returned no object at all,
// unless the source allows it.
func CheckEmptySources(metas []sources.Meta, allowEmpty map[string]bool) []Blocked {
	var out []Blocked
	for _, m := range metas {
		if allowEmpty[m.Name] {
			continue
		}
		if m.Objects.Total() == 0 {
			out = append(out, Blocked{Guard: GuardEmptySource, Message: fmt.Sprintf(
				"source %q returned no object at all; if that is right, set allow_empty: true on the source", m.Name)})
			continue
		}
		for _, e := range m.EmptySearches {
			out = append(out, Blocked{Guard: GuardEmptySource, Message: fmt.Sprintf(
				"source %q: %s; if that is right, set allow_empty: true on the source", m.Name, e)})
		}
	}
	return out
}

// CheckDeleteLimits blocks a plan that deletes (or disables) more than
// policy.max_deletes objects in all, or more than policy.max_delete_percent
// of the managed live objects of one kind (kinds with 10 or more).
func CheckDeleteLimits(plan *Plan, live *Live, policy Policy) []Blocked {
	byKind := map[string]int{}
	total := 0
	for _, c := range plan.Changes {
		if !c.Protected() && (c.Action == ActionDelete || c.Action == ActionDisable) {
			byKind[c.Kind]++
			total++
		}
	}
	var out []Blocked
	if max := deref(policy.MaxDeletes); total > max {
		out = append(out, Blocked{Guard: GuardMaxDeletes, Message: fmt.Sprintf(
			"%d deletions (disables count) exceed policy.max_deletes %d; check the sources, then raise the limit or run with --force", total, max)})
	}
	percent := deref(policy.MaxDeletePercent)
	managed := managedCounts(live, policy)
	for _, kind := range []string{KindUser, KindGroup, KindPermission, KindProject, KindProjectMember} {
		n, of := byKind[kind], managed[kind]
		if of < 10 || n == 0 {
			continue
		}
		if share := 100 * float64(n) / float64(of); share > percent {
			out = append(out, Blocked{Guard: GuardMaxDeletePercent, Message: fmt.Sprintf(
				"%d of %d managed %ss (%.0f%%) would be deleted or disabled, more than policy.max_delete_percent %g%%; check the sources, then raise the limit or run with --force",
				n, of, kind, share, percent)})
		}
	}
	return out
}

// managedCounts counts the live objects the policy manages, by kind.
func managedCounts(live *Live, policy Policy) map[string]int {
	out := map[string]int{}
	for _, u := range live.Users {
		if policy.Manages("users", u.Username) {
			out[KindUser]++
		}
	}
	for _, g := range live.Groups {
		if policy.Manages("groups", g.Name) {
			out[KindGroup]++
		}
	}
	for name := range live.Permissions {
		if policy.Manages("permissions", name) {
			out[KindPermission]++
		}
	}
	for key, p := range live.Projects {
		if policy.Manages("projects", key) {
			out[KindProject]++
			out[KindProjectMember] += len(p.Users) + len(p.Groups)
		}
	}
	return out
}
