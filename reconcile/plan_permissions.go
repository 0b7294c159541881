package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/reconcile/access"
)

func (p *planner) planPermissions() {
	for _, name := range desired.SortedKeys(p.desired.Permissions) {
		dp := p.desired.Permissions[name]
		deps, ok := p.checkGrants(dp)
		if !ok {
			continue
		}
		lp, live := p.live.Permissions[name]
		var have *access.Permission
		if live {
			have = &lp
		}
		want := permissionPayload(dp, have)
		c := &Change{Kind: KindPermission, Name: name, Action: ActionCreate, phase: phasePermissions, Calls: 1, deps: deps}
		if live {
			before, after := canonicalPermission(lp), canonicalPermission(want)
			if reflect.DeepEqual(before, after) {
				continue
			}
			c.Action = ActionUpdate
			c.Diff = lineDiff(resourcesYAML(before.Resources), resourcesYAML(after.Resources))
		} else {
			c.Diff = lineDiff("", resourcesYAML(canonicalPermission(want).Resources))
		}
		p.add(c)
		if p.policy.Protects("permissions", name) {
			protect(c, c.Action)
			continue
		}
		c.apply = func(ctx context.Context, cl *access.Client) error {
			if c.Action == ActionUpdate {
				return cl.UpdatePermission(ctx, want)
			}
			err := cl.CreatePermission(ctx, want)
			if errors.Is(err, access.ErrConflict) {
				return cl.UpdatePermission(ctx, want) // it exists already: converge
			}
			return err
		}
	}
	p.prunePermissions()
}

// checkGrants checks that every user and group a permission names exists
// somewhere, and returns the creations it depends on.
func (p *planner) checkGrants(dp *desired.Permission) ([]string, bool) {
	ok := true
	var deps []string
	who := fmt.Sprintf("permission %q", dp.Name)
	for _, typ := range desired.ResourceTypes() {
		targets := dp.Resources.ByType(typ)
		for _, res := range desired.SortedKeys(targets) {
			t := targets[res]
			path := "resources." + typ + "." + res
			for _, uk := range desired.SortedKeys(t.Users) {
				if !p.userExists(uk) {
					p.missing(dp.Pos.Of(path+".users."+uk), who, "user", uk)
					ok = false
				}
				deps = append(deps, p.userDeps([]string{uk})...)
			}
			for _, gk := range desired.SortedKeys(t.Groups) {
				if !p.groupExists(gk) {
					p.missing(dp.Pos.Of(path+".groups."+gk), who, "group", gk)
					ok = false
				}
				deps = append(deps, nonEmpty(p.groupDep(gk))...)
			}
		}
	}
	return deps, ok
}

// permissionPayload is the permission to PUT: the desired resources, with
// what the desired state leaves out (a resource type, a target's patterns
// or actions) kept from the live permission, so that an unmanaged field is
// never changed.
func permissionPayload(dp *desired.Permission, live *access.Permission) access.Permission {
	out := access.Permission{Name: dp.Name}
	var have access.PermissionResources
	if live != nil {
		have = live.Resources
	}
	out.Resources.Repository = p2targets(dp.Resources.Repository, have.Repository)
	out.Resources.Build = p2targets(dp.Resources.Build, have.Build)
	out.Resources.ReleaseBundle = p2targets(dp.Resources.ReleaseBundle, have.ReleaseBundle)
	return out
}

// p2targets turns desired targets into API targets, keeping live values for
// what the desired state does not set.
func p2targets(want map[string]*desired.Target, have map[string]access.PermissionTarget) map[string]access.PermissionTarget {
	if want == nil {
		return maps.Clone(have)
	}
	out := make(map[string]access.PermissionTarget, len(want))
	for name, t := range want {
		old := have[name]
		nt := access.PermissionTarget{
			IncludePatterns: keep(t.IncludePatterns, old.IncludePatterns),
			ExcludePatterns: keep(t.ExcludePatterns, old.ExcludePatterns),
			Actions: access.PermissionActions{
				Users:  keepMap(t.Users, old.Actions.Users),
				Groups: keepMap(t.Groups, old.Actions.Groups),
			},
		}
		out[name] = nt
	}
	return out
}

func keep(want, have []string) []string {
	if want == nil {
		return have
	}
	return want
}

func keepMap(want, have map[string][]string) map[string][]string {
	if want == nil {
		return have
	}
	return want
}

// canonicalPermission normalises a permission for comparison: names in
// lower case, sets sorted, empty and missing alike.
func canonicalPermission(p access.Permission) access.Permission {
	out := access.Permission{Name: p.Name}
	out.Resources.Repository = canonicalTargets(p.Resources.Repository)
	out.Resources.Build = canonicalTargets(p.Resources.Build)
	out.Resources.ReleaseBundle = canonicalTargets(p.Resources.ReleaseBundle)
	return out
}

func canonicalTargets(m map[string]access.PermissionTarget) map[string]access.PermissionTarget {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]access.PermissionTarget, len(m))
	for name, t := range m {
		out[name] = access.PermissionTarget{
			IncludePatterns: nilIfEmpty(sortedSet(t.IncludePatterns)),
			ExcludePatterns: nilIfEmpty(sortedSet(t.ExcludePatterns)),
			Actions: access.PermissionActions{
				Users:  canonicalGrants(t.Actions.Users),
				Groups: canonicalGrants(t.Actions.Groups),
			},
		}
	}
	return out
}

func canonicalGrants(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for name, acts := range m {
		k := desired.Key(name)
		out[k] = sortedSet(append(out[k], acts...))
	}
	return out
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// prunePermissions deletes the managed live permissions no source
// declares, when policy.prune.permissions says so.
func (p *planner) prunePermissions() {
	if !p.policy.Prune.Permissions {
		return
	}
	for _, name := range desired.SortedKeys(p.live.Permissions) {
		if _, declared := p.desired.Permissions[name]; declared || !p.policy.Manages("permissions", name) {
			continue
		}
		c := p.add(&Change{Kind: KindPermission, Name: name, Action: ActionDelete, phase: phaseDeletePermissions, Calls: 1})
		c.apply = func(ctx context.Context, cl *access.Client) error {
			return ignoreNotFound(cl.DeletePermission(ctx, name))
		}
		if p.policy.Protects("permissions", name) {
			protect(c, "delete")
		}
	}
}
