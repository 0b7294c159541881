// Package reconcile compares the desired state with the live JFrog state
// and changes the live state to match, within the limits of a Policy.
package reconcile

import (
	"errors"
	"fmt"
	"path"

	"github.com/jfsync/jfsync/desired"
)

// Policy is the `policy:` section of jfsync.yaml: what jfsync may touch,
// what it must never touch, what it removes, and how much at once.
type Policy struct {
	Manage  Globs `yaml:"manage"`
	Protect Globs `yaml:"protect"`
	Prune   Prune `yaml:"prune"`
	// MaxDeletes caps deletions (disables count) per cycle, all kinds
	// together; 0 allows none.
	MaxDeletes *int `yaml:"max_deletes"`
	// MaxDeletePercent caps deletions of one kind, as a percentage of the
	// managed live objects of that kind (kinds with 10 or more).
	MaxDeletePercent *float64 `yaml:"max_delete_percent"`
}

// Globs are name patterns (path.Match syntax) by kind.
type Globs struct {
	Users       []string `yaml:"users"`
	Groups      []string `yaml:"groups"`
	Permissions []string `yaml:"permissions"`
	Projects    []string `yaml:"projects"`
}

// Prune says what happens to managed live objects that no source declares.
type Prune struct {
	Users          string `yaml:"users"` // ignore, disable or delete
	Groups         bool   `yaml:"groups"`
	Permissions    bool   `yaml:"permissions"`
	Projects       bool   `yaml:"projects"`
	ProjectMembers bool   `yaml:"project_members"`
}

// Values of Prune.Users.
const (
	PruneIgnore  = "ignore"
	PruneDisable = "disable"
	PruneDelete  = "delete"
)

// Defaults of the policy section.
const (
	DefaultMaxDeletes       = 25
	DefaultMaxDeletePercent = 20
)

// BuiltinProtected are the objects every JFrog instance has and jfsync
// never changes, whatever the config says.
func BuiltinProtected() Globs {
	return Globs{
		Users:       []string{"admin", "anonymous"},
		Groups:      []string{"readers"},
		Permissions: []string{"Anything", "Any Remote"},
	}
}

// Resolve fills in defaults: everything managed, users ignored when
// unmanaged, and the default delete limits.
func (p *Policy) Resolve() {
	all := []string{"*"}
	for _, g := range []*[]string{&p.Manage.Users, &p.Manage.Groups, &p.Manage.Permissions, &p.Manage.Projects} {
		if *g == nil {
			*g = all
		}
	}
	if p.Prune.Users == "" {
		p.Prune.Users = PruneIgnore
	}
	if p.MaxDeletes == nil {
		n := DefaultMaxDeletes
		p.MaxDeletes = &n
	}
	if p.MaxDeletePercent == nil {
		n := float64(DefaultMaxDeletePercent)
		p.MaxDeletePercent = &n
	}
}

// Check checks the section: patterns, the prune mode, the limits.
func (p *Policy) Check() error {
	var errs []error
	for _, set := range []struct {
		key   string
		globs Globs
	}{{"policy.manage", p.Manage}, {"policy.protect", p.Protect}} {
		for kind, patterns := range set.globs.byKind() {
			for _, pat := range patterns {
				if _, err := path.Match(pat, ""); err != nil {
					errs = append(errs, fmt.Errorf("%s.%s: pattern %q: %w", set.key, kind, pat, err))
				}
			}
		}
	}
	switch p.Prune.Users {
	case "", PruneIgnore, PruneDisable, PruneDelete:
	default:
		errs = append(errs, fmt.Errorf("policy.prune.users %q: want ignore, disable or delete", p.Prune.Users))
	}
	if p.MaxDeletes != nil && *p.MaxDeletes < 0 {
		errs = append(errs, errors.New("policy.max_deletes may not be negative"))
	}
	if m := p.MaxDeletePercent; m != nil && (*m < 0 || *m > 100) {
		errs = append(errs, fmt.Errorf("policy.max_delete_percent %v: want 0 to 100", *m))
	}
	return errors.Join(errs...)
}

func (g Globs) byKind() map[string][]string {
	return map[string][]string{"users": g.Users, "groups": g.Groups, "permissions": g.Permissions, "projects": g.Projects}
}

// matchAny reports whether name matches one of the patterns. Usernames and
// group names match case-insensitively (pass desired.Key of both sides).
func matchAny(patterns []string, name string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// Manages reports whether the policy lets jfsync manage an object of the
// kind ("users", "groups", "permissions" or "projects") with this name.
func (p *Policy) Manages(kind, name string) bool {
	return matchAny(foldIf(kind, p.Manage.byKind()[kind]), foldIf(kind, []string{name})[0])
}

// Protects reports whether an object is protected, by the built-in list or
// by the policy.
func (p *Policy) Protects(kind, name string) bool {
	patterns := append(BuiltinProtected().byKind()[kind], p.Protect.byKind()[kind]...)
	return matchAny(foldIf(kind, patterns), foldIf(kind, []string{name})[0])
}

// foldIf lowers names of the kinds that match case-insensitively.
func foldIf(kind string, names []string) []string {
	if kind != "users" && kind != "groups" {
		return names
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = desired.Key(n)
	}
	return out
}

// CheckScope returns an error for every desired object the policy does not
// let jfsync manage (a *desired.ListError), or nil.
func (p *Policy) CheckScope(s *desired.State) error {
	var errs desired.Errors
	out := func(kind, name string, pos desired.Positions) {
		if !p.Manages(kind, name) {
			errs.Add(pos.Of(""), "%s %q is outside policy.manage.%s: add a pattern that matches it, or remove it", kind[:len(kind)-1], name, kind)
		}
	}
	for _, k := range desired.SortedKeys(s.Users) {
		out("users", s.Users[k].Username, s.Users[k].Pos)
	}
	for _, k := range desired.SortedKeys(s.Groups) {
		out("groups", s.Groups[k].Name, s.Groups[k].Pos)
	}
	for _, k := range desired.SortedKeys(s.Permissions) {
		out("permissions", k, s.Permissions[k].Pos)
	}
	for _, k := range desired.SortedKeys(s.Projects) {
		out("projects", k, s.Projects[k].Pos)
	}
	return errs.Err()
}
