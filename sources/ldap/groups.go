package ldap

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// ldapGroup is a group of the groups search with its resolved members
// (usernames).
type ldapGroup struct {
	dn      string
	name    string
	values  []string // the member attribute's values: DNs, or usernames for memberUid
	members map[string]bool
}

const (
	maxDepth = 32
	// inChainRule is Active Directory's LDAP_MATCHING_RULE_IN_CHAIN.
	inChainRule = "1.2.840.113556.1.4.1941"
	// adCapability is in an Active Directory's rootDSE supportedCapabilities.
	adCapability = "1.2.840.113556.1.4.800"
)

func (s *Source) memberAttr() string { return s.cfg.Groups.MemberAttribute }

// memberRequest is the member attribute to ask for: ranged when
// range_size is set.
func (s *Source) memberRequest() string {
	if n := s.cfg.Groups.RangeSize; n > 0 {
		return fmt.Sprintf("%s;range=0-%d", s.memberAttr(), n-1)
	}
	return s.memberAttr()
}

func (s *Source) byUID() bool { return strings.EqualFold(s.memberAttr(), "memberUid") }

// readGroups runs the groups search and resolves each group's members
// as the nested mode says. The notes count members outside the users
// search and nesting beyond the depth cap.
func (s *Source) readGroups(c *conn, dir *directory) ([]*ldapGroup, map[string]int, error) {
	g := s.cfg.Groups
	entries, err := c.search("groups search", g.BaseDN, goldap.ScopeWholeSubtree, g.Filter, []string{g.NameAttribute, s.memberRequest()}, *s.cfg.PageSize)
	if err != nil {
		return nil, nil, err
	}
	groups := make([]*ldapGroup, 0, len(entries))
	byDN := map[string]*ldapGroup{}
	for _, e := range entries {
		values, err := s.memberValues(c, e)
		if err != nil {
			return nil, nil, err
		}
		grp := &ldapGroup{dn: e.DN, name: e.GetAttributeValue(g.NameAttribute), values: values, members: map[string]bool{}}
		if grp.name == "" {
			return nil, nil, fmt.Errorf("groups search: %s has no %s", e.DN, g.NameAttribute)
		}
		dn, err := canonicalDN(e.DN)
		if err != nil {
			return nil, nil, fmt.Errorf("groups search: %w", err)
		}
		groups = append(groups, grp)
		byDN[dn] = grp
	}
	r := &resolver{s: s, c: c, dir: dir, groups: byDN, fetched: map[string]*ldapGroup{}, outside: map[string]bool{}}
	switch g.Nested {
	case NestedChain:
		err = r.chain(groups)
	case NestedExpand:
		err = r.expand(groups)
	default:
		for _, grp := range groups {
			r.direct(grp)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return groups, map[string]int{NoteOutsideMembers: len(r.outside), NoteDepthCapped: r.capped}, nil
}

// memberValues returns an entry's member values, following ranged
// retrieval (member;range=0-1499) until the last range.
func (s *Source) memberValues(c *conn, e *goldap.Entry) ([]string, error) {
	attr := strings.ToLower(s.memberAttr())
	var values []string
	next := ""
	for _, a := range e.Attributes {
		name := strings.ToLower(a.Name)
		switch {
		case name == attr:
			values = append(values, a.Values...)
		case strings.HasPrefix(name, attr+";range="):
			values = append(values, a.Values...)
			next = nextRange(name)
		}
	}
	for next != "" {
		req := s.memberAttr() + ";range=" + next + "-*"
		entries, err := c.search("ranged member retrieval of "+e.DN, e.DN, goldap.ScopeBaseObject, "(objectClass=*)", []string{req}, 0)
		if err != nil {
			return nil, err
		}
		if len(entries) != 1 {
			return nil, fmt.Errorf("ranged member retrieval of %s: the entry is gone", e.DN)
		}
		next = ""
		for _, a := range entries[0].Attributes {
			if strings.HasPrefix(strings.ToLower(a.Name), attr+";range=") {
				values = append(values, a.Values...)
				next = nextRange(strings.ToLower(a.Name))
			}
		}
	}
	return values, nil
}

// nextRange reads "member;range=0-1499" and returns "1500", or "" for the
// last range ("member;range=1500-*").
func nextRange(attr string) string {
	_, rng, _ := strings.Cut(attr, ";range=")
	_, high, _ := strings.Cut(rng, "-")
	n, err := strconv.Atoi(high)
	if err != nil {
		return ""
	}
	return strconv.Itoa(n + 1)
}

// resolver turns member values into usernames.
type resolver struct {
	s       *Source
	c       *conn
	dir     *directory
	groups  map[string]*ldapGroup // groups of the search, by canonical DN
	fetched map[string]*ldapGroup // nested groups outside the search; nil value: not a group
	outside map[string]bool       // members that are not users of the users search
	capped  int
}

// user returns the username of a member value, or "" when it is not a user
// of the users search.
func (r *resolver) user(value string) string {
	if r.s.byUID() {
		if u := r.dir.byName[strings.ToLower(value)]; u != nil {
			return u.username
		}
		return ""
	}
	dn, err := canonicalDN(stripUID(value))
	if err != nil {
		return ""
	}
	if u := r.dir.users[dn]; u != nil {
		return u.username
	}
	return ""
}

// stripUID drops the optional "#'0101'B" of a uniqueMember value.
func stripUID(v string) string {
	if i := strings.LastIndex(v, "#"); i > 0 && !strings.HasSuffix(v[:i], "\\") {
		return v[:i]
	}
	return v
}

func (r *resolver) skip(group, value string) {
	if !r.outside[strings.ToLower(value)] {
		r.outside[strings.ToLower(value)] = true
		r.s.log.Debug("ldap member outside the users search", "group", group, "member", value)
	}
}

// direct resolves the direct members of a group (nested: none).
func (r *resolver) direct(g *ldapGroup) {
	for _, v := range g.values {
		if u := r.user(v); u != "" {
			g.members[u] = true
		} else {
			r.skip(g.dn, v)
		}
	}
}

// expand resolves members through nested groups, breadth-first, each group
// once (cycles end there), at most 32 levels deep.
func (r *resolver) expand(groups []*ldapGroup) error {
	for _, top := range groups {
		visited := map[string]bool{}
		type level struct {
			g     *ldapGroup
			depth int
		}
		dn, _ := canonicalDN(top.dn)
		visited[dn] = true
		queue := []level{{top, 0}}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, v := range cur.g.values {
				if u := r.user(v); u != "" {
					top.members[u] = true
					continue
				}
				nested, vdn, err := r.group(v)
				if err != nil {
					return err
				}
				switch {
				case nested == nil:
					r.skip(top.dn, v)
				case visited[vdn]:
				case cur.depth+1 >= maxDepth:
					r.capped++
					r.s.log.Warn("ldap nested groups deeper than 32 levels are not followed", "group", top.dn, "nested", v)
				default:
					visited[vdn] = true
					queue = append(queue, level{nested, cur.depth + 1})
				}
			}
		}
	}
	return nil
}

// group returns the group a member DN names, reading it when it is
// outside the groups search; nil when the DN is not a group.
func (r *resolver) group(value string) (*ldapGroup, string, error) {
	dn, err := canonicalDN(value)
	if err != nil {
		return nil, "", nil
	}
	if g := r.groups[dn]; g != nil {
		return g, dn, nil
	}
	if g, seen := r.fetched[dn]; seen {
		return g, dn, nil
	}
	entries, err := r.c.search("nested group "+value, value, goldap.ScopeBaseObject, "(objectClass=*)", []string{r.s.memberRequest(), "objectClass"}, 0)
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		r.fetched[dn] = nil // a dangling member
		return nil, dn, nil
	case err != nil:
		return nil, "", err
	}
	var g *ldapGroup
	if len(entries) == 1 && isGroup(entries[0]) {
		values, err := r.s.memberValues(r.c, entries[0])
		if err != nil {
			return nil, "", err
		}
		g = &ldapGroup{dn: entries[0].DN, values: values}
	}
	r.fetched[dn] = g
	return g, dn, nil
}

func isGroup(e *goldap.Entry) bool {
	for _, oc := range e.GetAttributeValues("objectClass") {
		switch strings.ToLower(oc) {
		case "groupofnames", "groupofuniquenames", "group", "groupofurls":
			return true
		}
	}
	return false
}

// chain resolves members with Active Directory's in-chain matching rule:
// one users search per group.
func (r *resolver) chain(groups []*ldapGroup) error {
	if err := r.requireAD(); err != nil {
		return err
	}
	u := r.s.cfg.Users
	for _, g := range groups {
		filter := fmt.Sprintf("(&%s(memberOf:%s:=%s))", u.Filter, inChainRule, goldap.EscapeFilter(g.dn))
		entries, err := r.c.search("nested members of "+g.dn, u.BaseDN, goldap.ScopeWholeSubtree, filter, []string{"1.1"}, *r.s.cfg.PageSize)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if dn, err := canonicalDN(e.DN); err == nil && r.dir.users[dn] != nil {
				g.members[r.dir.users[dn].username] = true
			}
		}
	}
	return nil
}

// requireAD checks the rootDSE for Active Directory, which alone has the
// in-chain matching rule.
func (r *resolver) requireAD() error {
	entries, err := r.c.search("rootDSE", "", goldap.ScopeBaseObject, "(objectClass=*)", []string{"supportedCapabilities"}, 0)
	if err != nil {
		return err
	}
	if len(entries) == 1 && slices.Contains(entries[0].GetAttributeValues("supportedCapabilities"), adCapability) {
		return nil
	}
	return fmt.Errorf("ldap.groups.nested: chain uses Active Directory's in-chain matching rule (%s), which %s does not have (it is not Active Directory); use nested: expand", inChainRule, r.c.url)
}
