package emulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jfsync/jfsync/reconcile/access"
)

func (st *store) listPermissions() []access.Permission {
	out := make([]access.Permission, 0, len(st.permissions))
	for _, p := range st.permissions {
		out = append(out, clonePermission(*p))
	}
	slices.SortFunc(out, func(a, b access.Permission) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (st *store) getPermission(name string) (access.Permission, error) {
	p := st.permissions[name]
	if p == nil {
		return access.Permission{}, notFound("permission %q not found", name)
	}
	return clonePermission(*p), nil
}

func (st *store) createPermission(req access.Permission) error {
	if req.Name == "" {
		return badRequest("permission name is required")
	}
	if st.permissions[req.Name] != nil {
		return conflict("permission %q already exists", req.Name)
	}
	p, err := st.checkPermission(req)
	if err != nil {
		return err
	}
	st.permissions[p.Name] = &p
	return nil
}

func (st *store) updatePermission(name string, req access.Permission) error {
	if st.permissions[name] == nil {
		return notFound("permission %q not found", name)
	}
	if req.Name != name {
		return badRequest("permission %q: the name in the body (%q) must be the permission's name", name, req.Name)
	}
	p, err := st.checkPermission(req)
	if err != nil {
		return err
	}
	st.permissions[name] = &p
	return nil
}

func (st *store) deletePermission(name string) error {
	if st.permissions[name] == nil {
		return notFound("permission %q not found", name)
	}
	delete(st.permissions, name)
	return nil
}

// checkPermission validates a permission's actions and the users and groups
// they name, and returns a copy whose names are spelled as the users and
// groups were created.
func (st *store) checkPermission(req access.Permission) (access.Permission, error) {
	p := clonePermission(req)
	var err error
	forEachNamedTarget(&p, func(res string, t *access.PermissionTarget) {
		if err != nil {
			return
		}
		what := fmt.Sprintf("permission %q: %s", p.Name, res)
		t.Actions.Users, err = st.canonicalActions(t.Actions.Users, what, "user", func(n string) string {
			if u := st.users[key(n)]; u != nil {
				return u.Username
			}
			return ""
		})
		if err != nil {
			return
		}
		t.Actions.Groups, err = st.canonicalActions(t.Actions.Groups, what, "group", func(n string) string {
			if g := st.groups[key(n)]; g != nil {
				return g.Name
			}
			return ""
		})
	})
	return p, err
}

// canonicalActions checks an actions map and respells its names with
// lookup, which returns "" for an unknown name.
func (st *store) canonicalActions(m map[string][]string, what, kind string, lookup func(string) string) (map[string][]string, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string][]string, len(m))
	for name, acts := range m {
		canonical := lookup(name)
		if canonical == "" {
			return nil, badRequest("%s: %s %q does not exist", what, kind, name)
		}
		if err := checkActions(fmt.Sprintf("%s: %s %q", what, kind, name), acts); err != nil {
			return nil, err
		}
		out[canonical] = uniqueSorted(append(out[canonical], acts...))
	}
	return out, nil
}

// forEachTarget calls f with every target of a permission.
func forEachTarget(p *access.Permission, f func(*access.PermissionTarget)) {
	forEachNamedTarget(p, func(_ string, t *access.PermissionTarget) { f(t) })
}

// forEachNamedTarget calls f with every target of a permission and a name
// for it such as `repository "libs-release"`, in a stable order.
func forEachNamedTarget(p *access.Permission, f func(string, *access.PermissionTarget)) {
	for _, rt := range []struct {
		kind string
		m    map[string]access.PermissionTarget
	}{{"repository", p.Resources.Repository}, {"build", p.Resources.Build}, {"releaseBundle", p.Resources.ReleaseBundle}} {
		for _, name := range slices.Sorted(maps.Keys(rt.m)) {
			t := rt.m[name]
			f(fmt.Sprintf("%s %q", rt.kind, name), &t)
			rt.m[name] = t
		}
	}
}

// deleteFold deletes the entries of m whose key matches k
// case-insensitively.
func deleteFold(m map[string][]string, k string) {
	for name := range m {
		if key(name) == k {
			delete(m, name)
		}
	}
}

func clonePermission(p access.Permission) access.Permission {
	p.Resources.Repository = cloneTargets(p.Resources.Repository)
	p.Resources.Build = cloneTargets(p.Resources.Build)
	p.Resources.ReleaseBundle = cloneTargets(p.Resources.ReleaseBundle)
	return p
}

func cloneTargets(m map[string]access.PermissionTarget) map[string]access.PermissionTarget {
	if m == nil {
		return nil
	}
	out := make(map[string]access.PermissionTarget, len(m))
	for name, t := range m {
		t.IncludePatterns = slices.Clone(t.IncludePatterns)
		t.ExcludePatterns = slices.Clone(t.ExcludePatterns)
		t.Actions.Users = cloneActions(t.Actions.Users)
		t.Actions.Groups = cloneActions(t.Actions.Groups)
		out[name] = t
	}
	return out
}

func cloneActions(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
