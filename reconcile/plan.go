package reconcile

import (
	"fmt"
	"slices"

	"github.com/jfsync/jfsync/desired"
)

// MakePlan compares the desired state with the live state under the policy
// and returns the changes that make them equal, in apply order. It is a
// pure function: no I/O, and the same inputs give the same plan.
//
// It compares only the fields the desired state sets; sets as sets; names
// and emails case-insensitively. Live objects outside policy.manage are
// left alone; protected objects that differ are listed as protected and
// get no call. A reference to a user or group that neither the desired
// nor the live state has is an error (a *desired.ListError).
func MakePlan(d *desired.State, live *Live, policy Policy) (*Plan, error) {
	p := &planner{
		desired:     d,
		live:        live,
		policy:      policy,
		memberships: d.Memberships(),
		created:     map[string]bool{},
		joined:      map[string][]string{},
	}
	p.planUsers()
	p.planGroups()
	p.planPermissions()
	p.planProjects()
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	sortChanges(p.changes)
	return &Plan{Changes: p.changes}, nil
}

// planner holds the state of one MakePlan.
type planner struct {
	desired     *desired.State
	live        *Live
	policy      Policy
	memberships map[string][]string // desired members by group key (managed memberships only)
	changes     []*Change
	errs        desired.Errors

	// created are the users the plan creates, by key.
	created map[string]bool
	// joined are, by group key, the users that join a live group when
	// they are created: through the create call's groups, or because the
	// group is auto_join (the server's side effect).
	joined map[string][]string
}

func (p *planner) add(c *Change) *Change {
	c.id = c.Kind + "/" + c.Name + "/" + c.Action
	if c.Result == "" {
		c.Result = ResultPlanned
	}
	p.changes = append(p.changes, c)
	return c
}

// protect marks a change as listed only.
func protect(c *Change, why string) {
	c.Result = ResultProtected
	c.Calls = 0
	c.apply = nil
	c.Note = fmt.Sprintf("would %s; protected objects are never changed", why)
}

// userExists and groupExists say whether a user or group is in the desired
// or the live state.
func (p *planner) userExists(k string) bool {
	_, d := p.desired.Users[k]
	_, l := p.live.Users[k]
	return d || l
}

func (p *planner) groupExists(k string) bool {
	_, d := p.desired.Groups[k]
	_, l := p.live.Groups[k]
	return d || l
}

// missing records a reference to an object that exists nowhere.
func (p *planner) missing(at desired.Pos, who, kind, name string) {
	p.errs.Add(at, "%s: %s %q exists neither in the desired state nor in JFrog", who, kind, name)
}

// userDeps returns the ids of the user creations among these user keys.
func (p *planner) userDeps(keys []string) []string {
	var ids []string
	for _, k := range keys {
		if p.created[k] {
			ids = append(ids, KindUser+"/"+p.userName(k)+"/"+ActionCreate)
		}
	}
	return ids
}

// groupDep returns the id of a group's creation, or "" when the group
// exists.
func (p *planner) groupDep(k string) string {
	if _, ok := p.live.Groups[k]; ok {
		return ""
	}
	return KindGroup + "/" + p.groupName(k) + "/" + ActionCreate
}

// userName and groupName give the name to show and send for a key: the
// desired spelling, else the live one.
func (p *planner) userName(k string) string {
	if u, ok := p.desired.Users[k]; ok {
		return u.Username
	}
	if u, ok := p.live.Users[k]; ok {
		return u.Username
	}
	return k
}

func (p *planner) groupName(k string) string {
	if g, ok := p.desired.Groups[k]; ok {
		return g.Name
	}
	if g, ok := p.live.Groups[k]; ok {
		return g.Name
	}
	return k
}

// userNames maps user keys to names to send.
func (p *planner) userNames(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = p.userName(k)
	}
	return out
}

func nonEmpty(ids ...string) []string {
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}

// scalar compares one managed scalar field: it returns a FieldChange when
// the desired value is set and differs.
func scalar[T comparable](field string, want *T, have T) (FieldChange, bool) {
	if want == nil || *want == have {
		return FieldChange{}, false
	}
	return FieldChange{Field: field, From: quoteEmpty(fmt.Sprint(have)), To: quoteEmpty(fmt.Sprint(*want))}, true
}

// quoteEmpty shows an empty value as "" in a change.
func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func setField[T any](field string, v *T) []FieldChange {
	if v == nil {
		return nil
	}
	return []FieldChange{{Field: field, To: fmt.Sprint(*v)}}
}
