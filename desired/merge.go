package desired

import (
	"fmt"
	"maps"
	"strings"
)

// Merge merges the states of several sources, in order, into a new state.
// The same object in several sources is merged: sets are united, and a
// scalar field set in two sources must agree, or it is a conflict error
// naming both positions. The error is a *ListError, or nil. The inputs are
// not changed.
func Merge(states ...*State) (*State, error) {
	var errs Errors
	out := New()
	for _, s := range states {
		for k, u := range s.Users {
			if have, ok := out.Users[k]; ok {
				mergeUser(&errs, have, u)
			} else {
				out.Users[k] = cloneUser(u)
			}
		}
		for k, g := range s.Groups {
			if have, ok := out.Groups[k]; ok {
				mergeGroup(&errs, have, g)
			} else {
				out.Groups[k] = cloneGroup(g)
			}
		}
		for k, p := range s.Permissions {
			if have, ok := out.Permissions[k]; ok {
				mergeResources(&have.Resources, &p.Resources)
				mergePositions(have.Pos, p.Pos)
			} else {
				out.Permissions[k] = clonePermission(p)
			}
		}
		for k, p := range s.Projects {
			if have, ok := out.Projects[k]; ok {
				mergeProject(&errs, have, p)
			} else {
				out.Projects[k] = cloneProject(p)
			}
		}
	}
	return out, errs.Err()
}

// conflict merges one scalar field: src's value is taken when dst has none;
// two different values are an error.
func conflict[T any](errs *Errors, what, field string, dst **T, src *T, dstPos, srcPos Positions, equal func(a, b T) bool) {
	switch {
	case src == nil:
	case *dst == nil:
		v := *src
		*dst = &v
	case !equal(**dst, *src):
		errs.Add(srcPos.Of(field), "%s: %s %v conflicts with %v at %s", what, field, quote(*src), quote(**dst), dstPos.Of(field))
	}
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

func same[T comparable](a, b T) bool { return a == b }

func mergeUser(errs *Errors, dst, src *User) {
	what := fmt.Sprintf("user %q", dst.Username)
	conflict(errs, what, "email", &dst.Email, src.Email, dst.Pos, src.Pos, strings.EqualFold)
	conflict(errs, what, "admin", &dst.Admin, src.Admin, dst.Pos, src.Pos, same)
	conflict(errs, what, "profile_updatable", &dst.ProfileUpdatable, src.ProfileUpdatable, dst.Pos, src.Pos, same)
	conflict(errs, what, "disable_ui_access", &dst.DisableUIAccess, src.DisableUIAccess, dst.Pos, src.Pos, same)
	conflict(errs, what, "status", &dst.Status, src.Status, dst.Pos, src.Pos, same)
	dst.Groups = union(dst.Groups, src.Groups)
	mergePositions(dst.Pos, src.Pos)
}

func mergeGroup(errs *Errors, dst, src *Group) {
	what := fmt.Sprintf("group %q", dst.Name)
	conflict(errs, what, "description", &dst.Description, src.Description, dst.Pos, src.Pos, same)
	conflict(errs, what, "auto_join", &dst.AutoJoin, src.AutoJoin, dst.Pos, src.Pos, same)
	conflict(errs, what, "admin_privileges", &dst.AdminPrivileges, src.AdminPrivileges, dst.Pos, src.Pos, same)
	conflict(errs, what, "realm", &dst.Realm, src.Realm, dst.Pos, src.Pos, same)
	conflict(errs, what, "external_id", &dst.ExternalID, src.ExternalID, dst.Pos, src.Pos, same)
	if src.Members != nil {
		dst.Members = union(dst.Members, src.Members)
	}
	mergePositions(dst.Pos, src.Pos)
}

func mergeProject(errs *Errors, dst, src *Project) {
	what := fmt.Sprintf("project %q", dst.ProjectKey)
	conflict(errs, what, "display_name", &dst.DisplayName, src.DisplayName, dst.Pos, src.Pos, same)
	conflict(errs, what, "description", &dst.Description, src.Description, dst.Pos, src.Pos, same)
	conflict(errs, what, "max_storage_in_gibibytes", &dst.MaxStorageInGibibytes, src.MaxStorageInGibibytes, dst.Pos, src.Pos, same)
	if src.AdminPrivileges != nil {
		if dst.AdminPrivileges == nil {
			dst.AdminPrivileges = &AdminPrivileges{}
		}
		d, s := dst.AdminPrivileges, src.AdminPrivileges
		field := "admin_privileges"
		conflict(errs, what, field+".manage_members", &d.ManageMembers, s.ManageMembers, dst.Pos, src.Pos, same)
		conflict(errs, what, field+".manage_resources", &d.ManageResources, s.ManageResources, dst.Pos, src.Pos, same)
		conflict(errs, what, field+".manage_security_assets", &d.ManageSecurityAssets, s.ManageSecurityAssets, dst.Pos, src.Pos, same)
		conflict(errs, what, field+".index_resources", &d.IndexResources, s.IndexResources, dst.Pos, src.Pos, same)
		conflict(errs, what, field+".allow_ignore_rules", &d.AllowIgnoreRules, s.AllowIgnoreRules, dst.Pos, src.Pos, same)
	}
	if src.Members != nil {
		if dst.Members == nil {
			dst.Members = &ProjectMembers{}
		}
		dst.Members.Users = unionGrants(dst.Members.Users, src.Members.Users)
		dst.Members.Groups = unionGrants(dst.Members.Groups, src.Members.Groups)
	}
	mergePositions(dst.Pos, src.Pos)
}

// mergeResources unites two permissions' resources: targets by name,
// patterns and actions as sets.
func mergeResources(dst, src *Resources) {
	for _, typ := range ResourceTypes() {
		from := src.ByType(typ)
		if from == nil {
			continue
		}
		to := dst.ByType(typ)
		if to == nil {
			to = map[string]*Target{}
			dst.setType(typ, to)
		}
		for name, t := range from {
			have, ok := to[name]
			if !ok {
				to[name] = cloneTarget(t)
				continue
			}
			have.IncludePatterns = union(have.IncludePatterns, t.IncludePatterns)
			have.ExcludePatterns = union(have.ExcludePatterns, t.ExcludePatterns)
			have.Users = unionGrants(have.Users, t.Users)
			have.Groups = unionGrants(have.Groups, t.Groups)
		}
	}
}

func (r *Resources) setType(typ string, m map[string]*Target) {
	switch typ {
	case "repository":
		r.Repository = m
	case "build":
		r.Build = m
	case "releaseBundle":
		r.ReleaseBundle = m
	}
}

// mergePositions keeps dst's positions and adds src's for fields dst lacks.
func mergePositions(dst, src Positions) {
	for k, p := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = p
		}
	}
}

// union returns the sorted union of two sets; nil only when both are nil.
func union(a, b []string) []string {
	if a == nil && b == nil {
		return nil
	}
	return set(append(append(make([]string, 0, len(a)+len(b)), a...), b...))
}

func unionGrants(a, b map[string][]string) map[string][]string {
	if a == nil && b == nil {
		return nil
	}
	out := make(map[string][]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = union(out[k], v)
	}
	return out
}

func cloneUser(u *User) *User {
	c := *u
	c.Groups = cloneList(u.Groups)
	c.Pos = maps.Clone(u.Pos)
	return &c
}

func cloneGroup(g *Group) *Group {
	c := *g
	c.Members = cloneList(g.Members)
	c.Pos = maps.Clone(g.Pos)
	return &c
}

func clonePermission(p *Permission) *Permission {
	c := &Permission{Name: p.Name, Pos: maps.Clone(p.Pos)}
	mergeResources(&c.Resources, &p.Resources)
	return c
}

func cloneTarget(t *Target) *Target {
	return &Target{
		IncludePatterns: cloneList(t.IncludePatterns),
		ExcludePatterns: cloneList(t.ExcludePatterns),
		Users:           unionGrants(t.Users, nil),
		Groups:          unionGrants(t.Groups, nil),
	}
}

func cloneProject(p *Project) *Project {
	c := *p
	if p.AdminPrivileges != nil {
		ap := *p.AdminPrivileges
		c.AdminPrivileges = &ap
	}
	if p.Members != nil {
		c.Members = &ProjectMembers{Users: unionGrants(p.Members.Users, nil), Groups: unionGrants(p.Members.Groups, nil)}
	}
	c.Pos = maps.Clone(p.Pos)
	return &c
}

func cloneList(l []string) []string {
	if l == nil {
		return nil
	}
	return append(make([]string, 0, len(l)), l...)
}
