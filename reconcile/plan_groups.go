package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/reconcile/access"
)

func (p *planner) planGroups() {
	keys := map[string]bool{}
	for k := range p.desired.Groups {
		keys[k] = true
	}
	for k := range p.memberships {
		keys[k] = true
	}
	for _, k := range desired.SortedKeys(keys) {
		members, managed := p.memberships[k]
		if managed && !p.checkMembers(k, members) {
			continue
		}
		dg, declared := p.desired.Groups[k]
		lg, live := p.live.Groups[k]
		switch {
		case live:
			p.updateGroup(k, dg, lg, members, managed)
		case declared:
			p.createGroup(dg, members, managed)
		default:
			// Only users' groups lists name it, and it does not exist.
			p.missingGroup(k)
		}
	}
	p.pruneGroups()
}

// checkMembers checks that every member exists somewhere and that the
// group may be managed.
func (p *planner) checkMembers(k string, members []string) bool {
	ok := true
	name := p.groupName(k)
	if _, live := p.live.Groups[k]; live && !p.policy.Manages("groups", name) {
		for _, uk := range members {
			if u, ok := p.desired.Users[uk]; ok && containsKey(u.Groups, k) {
				p.errs.Add(u.Pos.Of("groups."+k), "user %q: group %q is outside policy.manage.groups: its members cannot be changed", u.Username, name)
				return false
			}
		}
	}
	dg := p.desired.Groups[k]
	for _, uk := range members {
		if !p.userExists(uk) {
			at := desired.Pos{}
			if dg != nil {
				at = dg.Pos.Of("members." + uk)
			}
			p.missing(at, fmt.Sprintf("group %q", name), "user", uk)
			ok = false
		}
	}
	return ok
}

func containsKey(names []string, k string) bool {
	for _, n := range names {
		if desired.Key(n) == k {
			return true
		}
	}
	return false
}

func (p *planner) missingGroup(k string) {
	for _, uk := range desired.SortedKeys(p.desired.Users) {
		u := p.desired.Users[uk]
		if containsKey(u.Groups, k) {
			p.missing(u.Pos.Of("groups."+k), fmt.Sprintf("user %q", u.Username), "group", k)
		}
	}
}

// groupFields returns the fields a desired group sets that differ from the
// live group (all of them when lg is nil), and the PATCH that sets them.
func groupFields(dg *desired.Group, lg *access.Group) ([]FieldChange, access.GroupUpdate) {
	var have access.Group
	if lg != nil {
		have = *lg
	}
	var fields []FieldChange
	var req access.GroupUpdate
	str := []struct {
		name string
		want *string
		have string
		dst  **string
	}{
		{"description", dg.Description, have.Description, &req.Description},
		{"realm", dg.Realm, have.Realm, &req.Realm},
		{"external_id", dg.ExternalID, have.ExternalID, &req.ExternalID},
	}
	for _, f := range str {
		if fc, ok := scalar(f.name, f.want, f.have); ok || (lg == nil && f.want != nil) {
			if lg == nil {
				fc = FieldChange{Field: f.name, To: *f.want}
			}
			fields = append(fields, fc)
			*f.dst = f.want
		}
	}
	bools := []struct {
		name string
		want *bool
		have bool
		dst  **bool
	}{
		{"auto_join", dg.AutoJoin, have.AutoJoin, &req.AutoJoin},
		{"admin_privileges", dg.AdminPrivileges, have.AdminPrivileges, &req.AdminPrivileges},
	}
	for _, f := range bools {
		if fc, ok := scalar(f.name, f.want, f.have); ok || (lg == nil && f.want != nil) {
			if lg == nil {
				fc = FieldChange{Field: f.name, To: fmt.Sprint(*f.want)}
			}
			fields = append(fields, fc)
			*f.dst = f.want
		}
	}
	return fields, req
}

func (p *planner) createGroup(dg *desired.Group, members []string, managed bool) {
	fields, req := groupFields(dg, nil)
	g := access.Group{Name: dg.Name, Description: deref(req.Description), AutoJoin: deref(req.AutoJoin),
		AdminPrivileges: deref(req.AdminPrivileges), Realm: deref(req.Realm), ExternalID: deref(req.ExternalID)}
	if managed {
		g.Members = p.userNames(members)
		if len(members) > 0 {
			fields = append(fields, FieldChange{Field: "members", Added: g.Members})
		}
	}
	c := p.add(&Change{Kind: KindGroup, Name: dg.Name, Action: ActionCreate, Fields: fields, phase: phaseGroups, Calls: 1,
		deps: p.userDeps(members)})
	if p.policy.Protects("groups", dg.Name) {
		protect(c, "create")
		return
	}
	update := req
	update.Name = dg.Name
	if managed {
		update.Members = &g.Members
	}
	c.apply = func(ctx context.Context, cl *access.Client) error {
		err := cl.CreateGroup(ctx, g)
		if errors.Is(err, access.ErrConflict) {
			return cl.UpdateGroup(ctx, update) // it exists already: converge
		}
		return err
	}
}

func (p *planner) updateGroup(k string, dg *desired.Group, lg access.Group, members []string, managed bool) {
	var fields []FieldChange
	var req access.GroupUpdate
	if dg != nil {
		fields, req = groupFields(dg, &lg)
	}
	req.Name = lg.Name
	var deps []string
	if managed {
		// Members the plan's user creations add are members already.
		have := append(lowerAll(lg.Members), p.joined[k]...)
		added, removed := setDiff(have, members)
		if len(added) > 0 || len(removed) > 0 {
			names := p.userNames(members)
			req.Members = &names
			fields = append(fields, FieldChange{Field: "members", Added: p.userNames(added), Removed: p.userNames(removed)})
			deps = p.userDeps(added)
		}
	}
	if len(fields) == 0 {
		return
	}
	c := p.add(&Change{Kind: KindGroup, Name: lg.Name, Action: ActionUpdate, Fields: fields, phase: phaseGroups, Calls: 1, deps: deps})
	if p.policy.Protects("groups", lg.Name) {
		protect(c, "update")
		return
	}
	c.apply = func(ctx context.Context, cl *access.Client) error { return cl.UpdateGroup(ctx, req) }
}

// pruneGroups deletes the managed live groups no source declares, when
// policy.prune.groups says so.
func (p *planner) pruneGroups() {
	if !p.policy.Prune.Groups {
		return
	}
	for _, k := range desired.SortedKeys(p.live.Groups) {
		lg := p.live.Groups[k]
		_, declared := p.desired.Groups[k]
		_, hasMembers := p.memberships[k]
		if declared || hasMembers || !p.policy.Manages("groups", lg.Name) {
			continue
		}
		name := lg.Name
		c := p.add(&Change{Kind: KindGroup, Name: name, Action: ActionDelete, phase: phaseDeleteGroups, Calls: 1})
		c.apply = func(ctx context.Context, cl *access.Client) error { return ignoreNotFound(cl.DeleteGroup(ctx, name)) }
		if p.policy.Protects("groups", name) {
			protect(c, "delete")
		}
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
