package desired_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/desired"
)

func decodeSource(t *testing.T, source, file, yaml string) *desired.State {
	t.Helper()
	s, err := desired.Decode(source, []desired.File{{Name: file, Data: []byte(yaml)}})
	if err != nil {
		t.Fatalf("%s: %v", source, err)
	}
	return s
}

func TestMergeUnitesSets(t *testing.T) {
	a := decodeSource(t, "policy", "groups.yaml", `
groups:
  - name: Developers
    description: All developers
    members: [alice]
users:
  - username: carol
    groups: [developers]
permissions:
  - name: dev
    resources:
      repository:
        libs: {include_patterns: ["**"], actions: {users: {alice: [read]}}}
projects:
  - project_key: web
    display_name: Web
    admin_privileges: {manage_members: true}
    members: {users: {alice: [Developer]}}
`)
	b := decodeSource(t, "corp", "ldap", `
groups:
  - name: developers
    members: [BOB, alice]
users:
  - username: Carol
    email: carol@example.com
    groups: [ops]
permissions:
  - name: dev
    resources:
      repository:
        libs: {exclude_patterns: ["tmp/**"], actions: {users: {alice: [write]}, groups: {developers: [read]}}}
      build:
        b: {actions: {groups: {developers: [read]}}}
projects:
  - project_key: web
    display_name: Web
    admin_privileges: {index_resources: false}
    members: {users: {alice: [Viewer]}, groups: {developers: [Developer]}}
`)
	m, err := desired.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Groups["developers"]
	if g.Name != "Developers" || *g.Description != "All developers" || !reflect.DeepEqual(g.Members, []string{"alice", "bob"}) {
		t.Errorf("group %+v", g)
	}
	u := m.Users["carol"]
	if *u.Email != "carol@example.com" || !reflect.DeepEqual(u.Groups, []string{"developers", "ops"}) {
		t.Errorf("user %+v", u)
	}
	if got := u.Pos.Of("email").Source; got != "corp" {
		t.Errorf("email position from %q, want corp", got)
	}
	libs := m.Permissions["dev"].Resources.Repository["libs"]
	want := &desired.Target{IncludePatterns: []string{"**"}, ExcludePatterns: []string{"tmp/**"},
		Users: map[string][]string{"alice": {"read", "write"}}, Groups: map[string][]string{"developers": {"read"}}}
	if !reflect.DeepEqual(libs, want) {
		t.Errorf("libs %+v, want %+v", libs, want)
	}
	if m.Permissions["dev"].Resources.Build["b"] == nil {
		t.Error("build target of the second source is lost")
	}
	p := m.Projects["web"]
	if !*p.AdminPrivileges.ManageMembers || *p.AdminPrivileges.IndexResources ||
		!reflect.DeepEqual(p.Members.Users, map[string][]string{"alice": {"Developer", "Viewer"}}) || len(p.Members.Groups) != 1 {
		t.Errorf("project %+v %+v", p.AdminPrivileges, p.Members)
	}
	if got := m.Memberships()["developers"]; !reflect.DeepEqual(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("developers membership %v", got)
	}
	// The inputs are unchanged.
	if !reflect.DeepEqual(a.Groups["developers"].Members, []string{"alice"}) || a.Permissions["dev"].Resources.Build != nil {
		t.Error("Merge changed its input")
	}
}

func TestMergeConflicts(t *testing.T) {
	a := decodeSource(t, "policy", "access/users.yaml", "users:\n  - username: alice\n    email: alice@example.com\n    admin: false\nprojects:\n  - project_key: web\n    display_name: Web\n    admin_privileges: {manage_members: true}\n")
	b := decodeSource(t, "corp", "people.yaml", "users:\n  - username: ALICE\n    email: ALICE@example.com\n    admin: true\nprojects:\n  - project_key: web\n    display_name: Web Team\n    admin_privileges: {manage_members: false}\n")
	_, err := desired.Merge(a, b)
	want := []string{
		`corp: people.yaml:4:5: user "alice": admin true conflicts with false at policy: access/users.yaml:4:5`,
		`corp: people.yaml:7:5: project "web": display_name "Web Team" conflicts with "Web" at policy: access/users.yaml:7:5`,
		`corp: people.yaml:8:24: project "web": admin_privileges.manage_members false conflicts with true at policy: access/users.yaml:8:24`,
	}
	if got := errorLines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMergeIsCaseInsensitive(t *testing.T) {
	a := decodeSource(t, "a", "a.yaml", "groups:\n  - name: DevOps\n    members: [Alice]\n")
	b := decodeSource(t, "b", "b.yaml", "groups:\n  - name: devops\n    members: [alice, ALICE]\n")
	m, err := desired.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Groups) != 1 || !reflect.DeepEqual(m.Groups["devops"].Members, []string{"alice"}) {
		t.Errorf("groups %v", m.Groups)
	}
}
