package ldap

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"text/template"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/sources"
)

// Source reads users and groups from an LDAP or Active Directory server.
type Source struct {
	name     string
	cfg      Config
	password string
	nameTmpl *template.Template
	descTmpl *template.Template
	log      *slog.Logger
	trips    atomic.Int64
}

// New returns the LDAP source called name. cfg must have been resolved
// (Config.Resolve) and checked (Config.Check).
func New(name string, cfg Config, log *slog.Logger) (*Source, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{name: name, cfg: cfg, log: log.With("source", name)}
	if cfg.BindDN != "" {
		pw, err := cfg.BindPassword().Read()
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", name, err)
		}
		s.password = pw
	}
	var err error
	if cfg.Groups.NameTemplate != "" {
		if s.nameTmpl, err = ParseTemplate("ldap.groups.name_template", cfg.Groups.NameTemplate); err != nil {
			return nil, fmt.Errorf("source %q: %w", name, err)
		}
	}
	if cfg.Groups.DescriptionTemplate != "" {
		if s.descTmpl, err = ParseTemplate("ldap.groups.description_template", cfg.Groups.DescriptionTemplate); err != nil {
			return nil, fmt.Errorf("source %q: %w", name, err)
		}
	}
	return s, nil
}

// Name returns the source's name.
func (s *Source) Name() string { return s.name }

// RoundTrips is the number of LDAP requests made so far.
func (s *Source) RoundTrips() int64 { return s.trips.Load() }

// Notes of the metadata.
const (
	NoteOutsideMembers = "members_outside_users_search"
	NoteDepthCapped    = "nested_groups_beyond_depth_32"
)

// Load reads the users and groups. Any error fails the load: a partial
// directory is never returned.
func (s *Source) Load(ctx context.Context) (*desired.State, sources.Meta, error) {
	meta := sources.Meta{Name: s.name, Kind: "ldap", Notes: map[string]int{}}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, meta, err
	}
	defer c.Close()
	dir, err := s.readUsers(c)
	if err != nil {
		return nil, meta, err
	}
	groups, notes, err := s.readGroups(c, dir)
	if err != nil {
		return nil, meta, err
	}
	for k, v := range notes {
		if v > 0 {
			meta.Notes[k] = v
		}
	}
	if len(groups) == 0 {
		meta.EmptySearches = append(meta.EmptySearches, fmt.Sprintf("the groups search (base %q, filter %s) found no group", s.cfg.Groups.BaseDN, s.cfg.Groups.Filter))
	}
	state, err := s.state(dir, groups, meta.Notes)
	if err != nil {
		return nil, meta, err
	}
	if ctx.Err() != nil {
		return nil, meta, ctx.Err()
	}
	meta.Objects = state.Counts()
	s.log.Debug("ldap source read", "users", meta.Objects.Users, "groups", meta.Objects.Groups, "round_trips", s.trips.Load())
	return state, meta, nil
}

// directory is what the users search found.
type directory struct {
	users  map[string]*ldapUser // by canonical DN
	byName map[string]*ldapUser // by lower-case username
}

type ldapUser struct {
	dn       string
	username string
	email    string
	disabled bool
}

// readUsers runs the users search (and the disabled search).
func (s *Source) readUsers(c *conn) (*directory, error) {
	u := s.cfg.Users
	entries, err := c.search("users search", u.BaseDN, goldap.ScopeWholeSubtree, u.Filter, []string{u.UsernameAttribute, u.EmailAttribute}, *s.cfg.PageSize)
	if err != nil {
		return nil, err
	}
	dir := &directory{users: map[string]*ldapUser{}, byName: map[string]*ldapUser{}}
	for _, e := range entries {
		name := strings.ToLower(e.GetAttributeValue(u.UsernameAttribute))
		if name == "" {
			s.log.Debug("ldap user without a username skipped", "dn", e.DN, "attribute", u.UsernameAttribute)
			continue
		}
		if msg := desired.CheckUsername(name); msg != "" {
			return nil, fmt.Errorf("users search: %s: %s %q: %s", e.DN, u.UsernameAttribute, name, msg)
		}
		lu := &ldapUser{dn: e.DN, username: name, email: e.GetAttributeValue(u.EmailAttribute)}
		if other, dup := dir.byName[name]; dup {
			return nil, fmt.Errorf("users search: %s and %s have the same %s %q", other.dn, e.DN, u.UsernameAttribute, name)
		}
		dn, err := canonicalDN(e.DN)
		if err != nil {
			return nil, fmt.Errorf("users search: %w", err)
		}
		dir.users[dn], dir.byName[name] = lu, lu
	}
	if u.DisabledFilter == "" {
		return dir, nil
	}
	filter := fmt.Sprintf("(&%s%s)", u.Filter, u.DisabledFilter)
	disabled, err := c.search("disabled users search", u.BaseDN, goldap.ScopeWholeSubtree, filter, []string{"1.1"}, *s.cfg.PageSize)
	if err != nil {
		return nil, err
	}
	for _, e := range disabled {
		if dn, err := canonicalDN(e.DN); err == nil && dir.users[dn] != nil {
			dir.users[dn].disabled = true
		}
	}
	return dir, nil
}

// canonicalDN parses a DN and returns a form in which equal DNs are equal
// strings: attribute types and values lower-cased, escaping normalised.
func canonicalDN(raw string) (string, error) {
	dn, err := goldap.ParseDN(raw)
	if err != nil {
		return "", fmt.Errorf("DN %q: %w", raw, err)
	}
	rdns := make([]string, len(dn.RDNs))
	for i, rdn := range dn.RDNs {
		parts := make([]string, len(rdn.Attributes))
		for j, a := range rdn.Attributes {
			parts[j] = strings.ToLower(a.Type) + "=" + strings.ToLower(a.Value)
		}
		rdns[i] = strings.Join(parts, "+")
	}
	return strings.Join(rdns, ","), nil
}

// state turns the directory's users and groups into a desired state.
func (s *Source) state(dir *directory, groups []*ldapGroup, notes map[string]int) (*desired.State, error) {
	st := desired.New()
	for _, u := range dir.users {
		du := &desired.User{Username: u.username, Pos: desired.Positions{"": {Source: s.name, File: u.dn}}}
		if u.email != "" {
			email := u.email
			du.Email = &email
		}
		if s.cfg.Users.DisabledFilter != "" {
			status := "enabled"
			if u.disabled {
				status = "disabled"
			}
			du.Status = &status
		}
		st.Users[u.username] = du
	}
	byLDAPName := map[string]string{} // LDAP group name -> JFrog group name
	for _, g := range groups {
		name, desc, err := s.render(g)
		if err != nil {
			return nil, err
		}
		k := desired.Key(name)
		if other, dup := st.Groups[k]; dup {
			return nil, fmt.Errorf("groups %s and %s both map to the JFrog group %q", other.Pos[""].File, g.dn, name)
		}
		members := make([]string, 0, len(g.members))
		for m := range g.members {
			members = append(members, m)
		}
		dg := &desired.Group{Name: name, Members: sortedNames(members), Pos: desired.Positions{"": {Source: s.name, File: g.dn}}}
		if desc != "" {
			dg.Description = &desc
		}
		st.Groups[k] = dg
		byLDAPName[strings.ToLower(g.name)] = name
	}
	for i, p := range s.cfg.Projects {
		name, ok := byLDAPName[strings.ToLower(p.Group)]
		if !ok {
			return nil, fmt.Errorf("ldap.projects[%d]: group %q is not among the groups the groups search found", i, p.Group)
		}
		dp := st.Projects[p.Project]
		if dp == nil {
			dp = &desired.Project{ProjectKey: p.Project, Members: &desired.ProjectMembers{Groups: map[string][]string{}},
				Pos: desired.Positions{"": {Source: s.name, File: fmt.Sprintf("ldap.projects[%d]", i)}}}
			st.Projects[p.Project] = dp
		}
		k := desired.Key(name)
		dp.Members.Groups[k] = sortedNames(append(dp.Members.Groups[k], p.Roles...))
	}
	return st, nil
}

// render applies the name and description templates to a group.
func (s *Source) render(g *ldapGroup) (string, string, error) {
	data := map[string]string{"Name": g.name, "DN": g.dn}
	name := g.name
	if s.nameTmpl != nil {
		var b strings.Builder
		if err := s.nameTmpl.Execute(&b, data); err != nil {
			return "", "", fmt.Errorf("group %s: name_template: %w", g.dn, err)
		}
		name = strings.TrimSpace(b.String())
	}
	if msg := desired.CheckGroupName(name); msg != "" {
		return "", "", fmt.Errorf("group %s: the JFrog group name %q: %s; fix ldap.groups.name_template or the groups filter", g.dn, name, msg)
	}
	var desc string
	if s.descTmpl != nil {
		var b strings.Builder
		if err := s.descTmpl.Execute(&b, data); err != nil {
			return "", "", fmt.Errorf("group %s: description_template: %w", g.dn, err)
		}
		desc = b.String()
	}
	return name, desc, nil
}

func sortedNames(names []string) []string {
	out := make([]string, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
