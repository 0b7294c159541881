// Package desired is jfsync's model of the desired state: users, groups,
// permission targets and projects with their members, as operators declare
// them in YAML (or as LDAP produces them). It decodes YAML strictly with
// the position of every object and field, validates every rule that needs
// no live state, and merges the states of several sources.
//
// A field that is set (a non-nil pointer, a non-nil members list) is
// managed; a field left out is not compared. Lists are sets. Usernames,
// group names and emails match case-insensitively: Key gives their
// canonical form.
package desired

import (
	"maps"
	"slices"
	"strings"
)

// Key is the canonical key of a username or group name: they are matched
// case-insensitively.
func Key(name string) string { return strings.ToLower(name) }

// State is a desired state: objects by canonical key (Key of usernames and
// group names; permission names and project keys as they are).
type State struct {
	Users       map[string]*User
	Groups      map[string]*Group
	Permissions map[string]*Permission
	Projects    map[string]*Project
}

// New returns an empty state.
func New() *State {
	return &State{
		Users:       map[string]*User{},
		Groups:      map[string]*Group{},
		Permissions: map[string]*Permission{},
		Projects:    map[string]*Project{},
	}
}

// Counts is the number of objects of each kind.
type Counts struct {
	Users       int `json:"users"`
	Groups      int `json:"groups"`
	Permissions int `json:"permissions"`
	Projects    int `json:"projects"`
}

// Total is the number of objects of every kind.
func (c Counts) Total() int { return c.Users + c.Groups + c.Permissions + c.Projects }

// Counts counts the state's objects.
func (s *State) Counts() Counts {
	return Counts{Users: len(s.Users), Groups: len(s.Groups), Permissions: len(s.Permissions), Projects: len(s.Projects)}
}

// User is a desired user. Nil fields are not managed.
type User struct {
	Username         string
	Email            *string
	Admin            *bool
	ProfileUpdatable *bool
	DisableUIAccess  *bool
	Status           *string // "enabled" or "disabled"
	// Groups are groups the user is a member of; they join the members of
	// those groups (see State.Memberships).
	Groups []string
	Pos    Positions
}

// Group is a desired group. Nil fields are not managed; Members is nil when
// the group's own declaration has no members list.
type Group struct {
	Name            string
	Description     *string
	AutoJoin        *bool
	AdminPrivileges *bool
	Realm           *string
	ExternalID      *string
	Members         []string
	Pos             Positions
}

// Permission is a desired permission target. Its resources are managed as a
// whole: a permission is replaced, not patched.
type Permission struct {
	Name      string
	Resources Resources
	Pos       Positions
}

// Resources are a permission's targets by resource type and resource name.
type Resources struct {
	Repository    map[string]*Target
	Build         map[string]*Target
	ReleaseBundle map[string]*Target
}

// ResourceTypes are the keys of a permission's resources, in order.
func ResourceTypes() []string { return []string{"repository", "build", "releaseBundle"} }

// ByType returns the targets of one resource type (see ResourceTypes).
func (r *Resources) ByType(typ string) map[string]*Target {
	switch typ {
	case "repository":
		return r.Repository
	case "build":
		return r.Build
	case "releaseBundle":
		return r.ReleaseBundle
	}
	return nil
}

// Target is what a permission grants on one resource.
type Target struct {
	IncludePatterns []string
	ExcludePatterns []string
	// Users and Groups map names to actions.
	Users  map[string][]string
	Groups map[string][]string
}

// Project is a desired project. Nil fields are not managed; Members is nil
// when no members are declared.
type Project struct {
	ProjectKey            string
	DisplayName           *string
	Description           *string
	AdminPrivileges       *AdminPrivileges
	MaxStorageInGibibytes *int64
	Members               *ProjectMembers
	Pos                   Positions
}

// AdminPrivileges of a project; nil fields are not managed.
type AdminPrivileges struct {
	ManageMembers        *bool
	ManageResources      *bool
	ManageSecurityAssets *bool
	IndexResources       *bool
	AllowIgnoreRules     *bool
}

// ProjectMembers maps the user and group members of a project to their
// roles.
type ProjectMembers struct {
	Users  map[string][]string
	Groups map[string][]string
}

// Actions are the permission actions the API accepts.
func Actions() []string {
	return []string{"read", "write", "annotate", "delete", "manage", "managedXrayMeta", "distribute"}
}

// SortedKeys returns the keys of a map in order, for deterministic output.
func SortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// Memberships returns the desired members of every group whose membership
// is declared anywhere: the union of the group's members and of the users
// that list the group, by group key, as sorted, de-duplicated user keys.
// A group absent from the result has no managed membership.
func (s *State) Memberships() map[string][]string {
	out := map[string][]string{}
	for gk, g := range s.Groups {
		if g.Members != nil {
			out[gk] = append(out[gk], keys(g.Members)...)
		}
	}
	for uk, u := range s.Users {
		for _, g := range u.Groups {
			out[Key(g)] = append(out[Key(g)], uk)
		}
	}
	for gk, members := range out {
		out[gk] = set(members)
		if out[gk] == nil {
			out[gk] = []string{}
		}
	}
	return out
}

func keys(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Key(n)
	}
	return out
}

// set sorts and de-duplicates a list in place and returns it.
func set(list []string) []string {
	slices.Sort(list)
	return slices.Compact(list)
}
