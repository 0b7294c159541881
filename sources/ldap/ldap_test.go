package ldap_test

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/internal/ldaptest"
	"github.com/jfsync/jfsync/sources/ldap"
)

// fixture is the directory of most tests: 1,300 users (more than two
// pages past the size limit of 500), people in special roles, and groups
// of every kind.
func fixture() string {
	return ldaptest.Users(1300) + ldaptest.Person("Alice") + ldaptest.Person("bob") + ldaptest.Person("carol", "employeeType: disabled") + `
dn: ou=contractors,dc=example,dc=com
objectClass: organizationalUnit
ou: contractors

dn: uid=dave,ou=contractors,dc=example,dc=com
objectClass: inetOrgPerson
uid: dave
cn: Dave
sn: D

dn: cn=jfrog-devs,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: jfrog-devs
member: UID=alice,OU=People,DC=example,DC=com
member: uid=bob,ou=people,dc=example,dc=com
member: cn=jfrog-nested,ou=groups,dc=example,dc=com
member: uid=dave,ou=contractors,dc=example,dc=com

dn: cn=jfrog-nested,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: jfrog-nested
member: uid=carol,ou=people,dc=example,dc=com
member: cn=jfrog-devs,ou=groups,dc=example,dc=com
member: cn=deep,ou=groups,dc=example,dc=com

dn: cn=deep,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: deep
member: uid=user0001,ou=people,dc=example,dc=com

dn: cn=jfrog-unique,ou=groups,dc=example,dc=com
objectClass: groupOfUniqueNames
cn: jfrog-unique
uniqueMember: uid=alice,ou=people,dc=example,dc=com#'0101'B
uniqueMember: uid=bob,ou=people,dc=example,dc=com

dn: cn=jfrog-posix,ou=groups,dc=example,dc=com
objectClass: posixGroup
cn: jfrog-posix
gidNumber: 5000
memberUid: ALICE
memberUid: ghost
`
}

func config(s *ldaptest.Server, edit func(*ldap.Config)) ldap.Config {
	cfg := ldap.Config{
		URL:             ldap.URLs{s.URL},
		BindDN:          ldaptest.ReaderDN,
		BindPasswordEnv: "TEST_LDAP_PASSWORD",
		Timeout:         5 * time.Second,
		Users:           ldap.UsersConfig{BaseDN: ldaptest.PeopleDN, Filter: "(objectClass=inetOrgPerson)"},
		Groups: ldap.GroupsConfig{BaseDN: ldaptest.GroupsDN, Filter: "(&(objectClass=groupOfNames)(cn=jfrog-*))",
			NameTemplate: `{{ .Name | lower | trimPrefix "jfrog-" }}`},
	}
	if edit != nil {
		edit(&cfg)
	}
	cfg.Resolve("")
	return cfg
}

func load(t *testing.T, cfg ldap.Config) (*desired.State, error, *ldap.Source) {
	t.Helper()
	t.Setenv("TEST_LDAP_PASSWORD", ldaptest.ReaderPassword)
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	src, err := ldap.New("corp", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	state, _, err := src.Load(t.Context())
	return state, err, src
}

func mustLoad(t *testing.T, cfg ldap.Config) *desired.State {
	t.Helper()
	state, err, _ := load(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func members(s *desired.State, group string) string {
	g := s.Groups[group]
	if g == nil {
		return "(no group " + group + ")"
	}
	return strings.Join(g.Members, ",")
}

func TestPagingPastTheSizeLimit(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	state := mustLoad(t, config(s, nil))
	if n := len(state.Users); n != 1303 {
		t.Fatalf("%d users, want 1303 (the size limit is 500)", n)
	}
	u := state.Users["alice"]
	if u == nil || u.Username != "alice" || *u.Email != "alice@example.com" || u.Status != nil {
		t.Errorf("alice: %+v (usernames are lower-cased; no status without disabled_filter)", u)
	}
	if state.Users["dave"] != nil {
		t.Error("dave is outside the users search base, yet a user")
	}
}

func TestSizeLimitIsAnErrorNotATruncation(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	_, err, _ := load(t, config(s, func(c *ldap.Config) { c.PageSize = new(int) })) // paging off
	if err == nil || !strings.Contains(err.Error(), "users search: the server's size limit stopped the search after 500 entries") {
		t.Fatalf("error %v, want a size limit error", err)
	}
}

func TestMemberAttributes(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	tests := []struct {
		name   string
		edit   func(*ldap.Config)
		group  string
		want   string
		groups int
	}{
		{"member, case-insensitive DNs, nested ignored", nil, "devs", "alice,bob", 2},
		{"uniqueMember with optional UID", func(c *ldap.Config) {
			c.Groups.Filter, c.Groups.MemberAttribute = "(objectClass=groupOfUniqueNames)", "uniqueMember"
		}, "unique", "alice,bob", 1},
		{"memberUid", func(c *ldap.Config) {
			c.Groups.Filter, c.Groups.MemberAttribute = "(objectClass=posixGroup)", "memberUid"
		}, "posix", "alice", 1},
		{"expand: nested, with a cycle", func(c *ldap.Config) { c.Groups.Nested = "expand" }, "devs", "alice,bob,carol,user0001", 2},
		{"expand: the other side of the cycle", func(c *ldap.Config) { c.Groups.Nested = "expand" }, "nested", "alice,bob,carol,user0001", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := mustLoad(t, config(s, tt.edit))
			if got := members(state, tt.group); got != tt.want {
				t.Errorf("%s members %s, want %s", tt.group, got, tt.want)
			}
			if len(state.Groups) != tt.groups {
				t.Errorf("%d groups, want %d", len(state.Groups), tt.groups)
			}
		})
	}
}

func TestOutsideMembersAreCountedAndLogged(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	t.Setenv("TEST_LDAP_PASSWORD", ldaptest.ReaderPassword)
	var logs bytes.Buffer
	src, err := ldap.New("corp", config(s, nil), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	_, meta, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// dave (outside the users base), and with nested: none the groups
	// jfrog-nested, jfrog-devs and deep, once each.
	if n := meta.Notes[ldap.NoteOutsideMembers]; n != 4 {
		t.Errorf("outside members %d, want 4: %v", n, meta.Notes)
	}
	out := logs.String()
	if !strings.Contains(out, "ldap member outside the users search") || !strings.Contains(out, "uid=dave,ou=contractors") {
		t.Errorf("debug log misses the outside member:\n%s", out)
	}
	want := `command="ldapsearch -H ` + s.URL + ` -x -D cn=jfsync,ou=services,dc=example,dc=com -W -b ou=people,dc=example,dc=com -s sub -E pr=500/noprompt '(objectClass=inetOrgPerson)' uid mail"`
	if !strings.Contains(out, want) {
		t.Errorf("debug log misses the ldapsearch line %s:\n%s", want, out)
	}
	if strings.Contains(out, ldaptest.ReaderPassword) {
		t.Error("the log holds the bind password")
	}
}

func TestDisabledFilter(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	state := mustLoad(t, config(s, func(c *ldap.Config) { c.Users.DisabledFilter = "(employeeType=disabled)" }))
	if st := state.Users["carol"].Status; st == nil || *st != "disabled" {
		t.Errorf("carol's status %v, want disabled", st)
	}
	if st := state.Users["bob"].Status; st == nil || *st != "enabled" {
		t.Errorf("bob's status %v, want enabled", st)
	}
}

func TestTemplatesAndProjects(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	state := mustLoad(t, config(s, func(c *ldap.Config) {
		c.Groups.NameTemplate = `{{ .Name | upper | replace "JFROG-" "team." }}`
		c.Groups.DescriptionTemplate = `LDAP group {{ .DN }}`
		c.Projects = []ldap.ProjectMap{{Group: "JFROG-DEVS", Project: "web", Roles: []string{"Developer", "Viewer"}}}
	}))
	g := state.Groups["team.devs"]
	if g == nil || g.Name != "team.DEVS" || *g.Description != "LDAP group cn=jfrog-devs,ou=groups,dc=example,dc=com" {
		t.Fatalf("groups %v", state.Groups)
	}
	p := state.Projects["web"]
	if p == nil || !reflect.DeepEqual(p.Members.Groups, map[string][]string{"team.devs": {"Developer", "Viewer"}}) || p.DisplayName != nil {
		t.Errorf("project %+v", p)
	}
}

func TestTemplateGivingABadNameNamesTheGroup(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	_, err, _ := load(t, config(s, func(c *ldap.Config) { c.Groups.NameTemplate = `{{ .Name }} team` }))
	want := `group cn=jfrog-devs,ou=groups,dc=example,dc=com: the JFrog group name "jfrog-devs team": name may contain only letters, digits, '.', '_' and '-'`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestUnknownProjectGroup(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	_, err, _ := load(t, config(s, func(c *ldap.Config) {
		c.Projects = []ldap.ProjectMap{{Group: "jfrog-nope", Project: "web", Roles: []string{"Viewer"}}}
	}))
	if err == nil || !strings.Contains(err.Error(), `ldap.projects[0]: group "jfrog-nope" is not among the groups the groups search found`) {
		t.Errorf("error %v", err)
	}
}

func TestEmptyGroupSearchIsReported(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	t.Setenv("TEST_LDAP_PASSWORD", ldaptest.ReaderPassword)
	src, _ := ldap.New("corp", config(s, func(c *ldap.Config) { c.Groups.Filter = "(cn=nothing-matches)" }), nil)
	_, meta, err := src.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.EmptySearches) != 1 || !strings.Contains(meta.EmptySearches[0], "found no group") {
		t.Errorf("empty searches %v", meta.EmptySearches)
	}
}

func TestChainNeedsActiveDirectory(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	_, err, _ := load(t, config(s, func(c *ldap.Config) { c.Groups.Nested = "chain" }))
	if err == nil || !strings.Contains(err.Error(), "it is not Active Directory); use nested: expand") {
		t.Errorf("error %v, want the advice to use expand", err)
	}
}

func TestTLS(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	wrongCA := ldaptest.OtherCA(t)
	tests := []struct {
		name, url, ca string
		startTLS      bool
		wantErr       string
	}{
		{"StartTLS", s.URL, s.CAFile, true, ""},
		{"LDAPS", s.LDAPS, s.CAFile, false, ""},
		{"LDAPS with a wrong CA", s.LDAPS, wrongCA, false, "certificate signed by unknown authority"},
		{"StartTLS with a wrong CA", s.URL, wrongCA, true, "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err, _ := load(t, config(s, func(c *ldap.Config) { c.URL, c.CAFile, c.StartTLS = ldap.URLs{tt.url}, tt.ca, tt.startTLS }))
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestConnectionErrors(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	t.Run("bad password", func(t *testing.T) {
		t.Setenv("TEST_LDAP_PASSWORD", "Wr0ng-pass-phrase")
		src, _ := ldap.New("corp", config(s, nil), nil)
		_, _, err := src.Load(t.Context())
		if err == nil || !strings.Contains(err.Error(), `bind as "cn=jfsync,ou=services,dc=example,dc=com": invalid credentials; check ldap.bind_dn and the password in $TEST_LDAP_PASSWORD`) {
			t.Fatalf("error %v", err)
		}
		if strings.Contains(err.Error(), "Wr0ng-pass-phrase") {
			t.Errorf("error %q holds the password", err)
		}
	})
	t.Run("wrong base DN", func(t *testing.T) {
		_, err, _ := load(t, config(s, func(c *ldap.Config) { c.Users.BaseDN = "ou=staff,dc=example,dc=com" }))
		if err == nil || !strings.Contains(err.Error(), `users search: base DN "ou=staff,dc=example,dc=com" does not exist on the server; check its base_dn`) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("unreachable, then the next URL", func(t *testing.T) {
		dead := "ldap://127.0.0.1:1"
		_, err, _ := load(t, config(s, func(c *ldap.Config) { c.URL = ldap.URLs{dead} }))
		if err == nil || !strings.Contains(err.Error(), "no LDAP server reachable: ldap://127.0.0.1:1: ") || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("error %v", err)
		}
		if _, err, _ := load(t, config(s, func(c *ldap.Config) { c.URL = ldap.URLs{dead, s.URL} })); err != nil {
			t.Fatalf("with a second URL that works: %v", err)
		}
	})
}

func TestServerStopsDuringLoad(t *testing.T) {
	s := ldaptest.Start(t, fixture())
	t.Setenv("TEST_LDAP_PASSWORD", ldaptest.ReaderPassword)
	src, _ := ldap.New("corp", config(s, func(c *ldap.Config) { p := 10; c.PageSize = &p }), nil)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	go func() {
		for src.RoundTrips() < 5 {
			time.Sleep(time.Millisecond)
		}
		s.Stop()
	}()
	state, _, err := src.Load(ctx)
	if err == nil || state != nil {
		t.Fatalf("load while slapd stops: %v users, error %v; want an error and no state", state, err)
	}
}
