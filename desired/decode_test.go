package desired_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/desired"
)

// load decodes and validates one file of the source "policy".
func load(t *testing.T, yaml string) (*desired.State, error) {
	t.Helper()
	s, err := desired.Decode("policy", []desired.File{{Name: "access/x.yaml", Data: []byte(yaml)}})
	if err != nil {
		return s, err
	}
	return s, desired.Validate(s)
}

func errorLines(err error) []string {
	var le *desired.ListError
	if !errors.As(err, &le) {
		return nil
	}
	var out []string
	for _, e := range le.Errors {
		out = append(out, e.Error())
	}
	return out
}

func TestDecodeAndValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "group name with a space",
			yaml: "groups:\n  - name: dev ops\n",
			want: []string{`policy: access/x.yaml:2:11: group "dev ops": name may contain only letters, digits, '.', '_' and '-'`},
		},
		{
			name: "unknown key",
			yaml: "users:\n  - username: alice\n    emial: alice@example.com\n",
			want: []string{`policy: access/x.yaml:3:5: user "alice": unknown key "emial"; valid keys: admin, disable_ui_access, email, groups, profile_updatable, status, username`},
		},
		{
			name: "unknown top-level key",
			yaml: "user:\n  - username: alice\n",
			want: []string{`policy: access/x.yaml:1:1: file: unknown key "user"; valid keys: groups, permissions, projects, users`},
		},
		{
			name: "duplicate key",
			yaml: "users:\n  - username: alice\n    email: a@example.com\n    email: b@example.com\n",
			want: []string{`policy: access/x.yaml:4:5: user "alice": duplicate key "email" (first at line 3)`},
		},
		{
			name: "wrong type: bool for string",
			yaml: "users:\n  - username: alice\n    email: true\n",
			want: []string{`policy: access/x.yaml:3:12: user "alice": email: want a string, got a boolean (true)`},
		},
		{
			name: "wrong type: string for bool",
			yaml: "groups:\n  - name: devs\n    auto_join: \"yes\"\n",
			want: []string{`policy: access/x.yaml:3:16: group "devs": auto_join: want true or false, got the string "yes"`},
		},
		{
			name: "list of the wrong type",
			yaml: "groups:\n  - name: devs\n    members: alice\n",
			want: []string{`policy: access/x.yaml:3:14: group "devs": members: want a list, got the string "alice"`},
		},
		{
			name: "list item of the wrong type",
			yaml: "groups:\n  - name: devs\n    members: [alice, [bob]]\n",
			want: []string{`policy: access/x.yaml:3:22: group "devs": members: want a string, got a list`},
		},
		{
			name: "users is not a list",
			yaml: "users:\n  username: alice\n",
			want: []string{`policy: access/x.yaml:2:3: users: want a list, got a mapping`},
		},
		{
			name: "missing username",
			yaml: "users:\n  - email: alice@example.com\n",
			want: []string{`policy: access/x.yaml:2:5: user at line 2: username is required`},
		},
		{
			name: "empty group name",
			yaml: "groups:\n  - name: \"\"\n",
			want: []string{`policy: access/x.yaml:2:11: group at line 2: name may not be empty`},
		},
		{
			name: "bad email",
			yaml: "users:\n  - username: alice\n    email: alice.example.com\n",
			want: []string{`policy: access/x.yaml:3:5: user "alice": email "alice.example.com" is not a valid address (want name@example.com)`},
		},
		{
			name: "bad status",
			yaml: "users:\n  - username: alice\n    status: active\n",
			want: []string{`policy: access/x.yaml:3:5: user "alice": status "active" must be enabled or disabled`},
		},
		{
			name: "read-only user field",
			yaml: "users:\n  - username: alice\n    realm: ldap\n",
			want: []string{`policy: access/x.yaml:3:5: user "alice": realm cannot be set: the server sets it`},
		},
		{
			name: "password",
			yaml: "users:\n  - username: alice\n    password: hunter2\n",
			want: []string{`policy: access/x.yaml:3:5: user "alice": password cannot be set: passwords are never part of the desired state; jfsync gives new users a random password and they sign in through LDAP, SAML or SSO`},
		},
		{
			name: "read-only project field",
			yaml: "projects:\n  - project_key: web\n    display_name: Web\n    storage_quota_bytes: 10\n",
			want: []string{`policy: access/x.yaml:4:5: project "web": storage_quota_bytes cannot be set: the server sets it from max_storage_in_gibibytes`},
		},
		{
			name: "bad project key",
			yaml: "projects:\n  - project_key: Web_Team\n    display_name: Web\n",
			want: []string{`policy: access/x.yaml:2:18: project "Web_Team": project_key must be 2 to 32 lower-case letters, digits or '-', starting with a letter`},
		},
		{
			name: "project with an empty display name",
			yaml: "projects:\n  - project_key: web\n    display_name: ' '\n",
			want: []string{`policy: access/x.yaml:3:5: project "web": display_name may not be empty`},
		},
		{
			name: "negative storage",
			yaml: "projects:\n  - project_key: web\n    display_name: Web\n    max_storage_in_gibibytes: -1\n",
			want: []string{`policy: access/x.yaml:4:5: project "web": max_storage_in_gibibytes may not be negative`},
		},
		{
			name: "storage not a number",
			yaml: "projects:\n  - project_key: web\n    display_name: Web\n    max_storage_in_gibibytes: 10GB\n",
			want: []string{`policy: access/x.yaml:4:31: project "web": max_storage_in_gibibytes: want a whole number, got the string "10GB"`},
		},
		{
			name: "unknown admin privilege",
			yaml: "projects:\n  - project_key: web\n    display_name: Web\n    admin_privileges: {manage_everything: true}\n",
			want: []string{`policy: access/x.yaml:4:24: project "web": admin_privileges: unknown key "manage_everything"; valid keys: allow_ignore_rules, index_resources, manage_members, manage_resources, manage_security_assets`},
		},
		{
			name: "empty roles",
			yaml: "projects:\n  - project_key: web\n    display_name: Web\n    members:\n      users: {alice: []}\n",
			want: []string{`policy: access/x.yaml:5:15: project "web": member user "alice": the list may not be empty`},
		},
		{
			name: "bad action",
			yaml: "permissions:\n  - name: dev\n    resources:\n      repository:\n        libs:\n          actions:\n            groups: {devs: [read, fly]}\n",
			want: []string{`policy: access/x.yaml:7:22: permission "dev": repository "libs": group "devs": action "fly" is not one of read, write, annotate, delete, manage, managedXrayMeta, distribute`},
		},
		{
			name: "unknown resource type",
			yaml: "permissions:\n  - name: dev\n    resources:\n      repositories: {}\n",
			want: []string{`policy: access/x.yaml:4:7: permission "dev": resources: unknown key "repositories"; valid keys: build, releaseBundle, repository`},
		},
		{
			name: "action listed twice, other case",
			yaml: "permissions:\n  - name: dev\n    resources:\n      build:\n        b:\n          actions:\n            users: {alice: [read], Alice: [write]}\n",
			want: []string{`policy: access/x.yaml:7:36: permission "dev": build "b": actions.users: "Alice" is listed twice (first at line 7)`},
		},
		{
			name: "duplicate user in one source, other case",
			yaml: "users:\n  - username: alice\n  - username: ALICE\n",
			want: []string{`policy: access/x.yaml:3:5: user "ALICE" is declared twice in this source (first at policy: access/x.yaml:2:5)`},
		},
		{
			name: "alias",
			yaml: "groups:\n  - name: devs\n    members: &m [alice]\n  - name: ops\n    members: *m\n",
			want: []string{`policy: access/x.yaml:5:14: YAML aliases (*m) are not supported: write the value out`},
		},
		{
			name: "syntax error",
			yaml: "users:\n  - username: alice\n\t- username: bob\n",
			// yaml.v3 reports the line where the enclosing block starts.
			want: []string{`policy: access/x.yaml:2:1: invalid YAML: found a tab character that violates indentation`},
		},
		{
			name: "several errors, in order",
			yaml: "groups:\n  - name: ok\n    members: [bob smith]\n  - name: a b\nusers:\n  - username: carol\n    status: on\n",
			want: []string{
				`policy: access/x.yaml:3:15: group "ok": member "bob smith": name may contain only letters, digits, '.', '_', '-', '@' and '+'`,
				`policy: access/x.yaml:4:11: group "a b": name may contain only letters, digits, '.', '_' and '-'`,
				`policy: access/x.yaml:7:5: user "carol": status "on" must be enabled or disabled`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.yaml)
			if got := errorLines(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDecodeEveryField(t *testing.T) {
	s, err := load(t, `
users:
  - username: Alice
    email: Alice@Example.com
    admin: false
    profile_updatable: true
    disable_ui_access: false
    status: enabled
    groups: [Developers, developers, ops]
groups:
  - name: developers
    description: All developers
    auto_join: false
    admin_privileges: false
    realm: ldap
    external_id: cn=devs
    members: [bob, Bob, alice]
permissions:
  - name: dev-repos
    resources:
      repository:
        libs-release-local:
          include_patterns: ["**", "**"]
          exclude_patterns: []
          actions:
            users: {Alice: [write, read]}
            groups: {developers: [read, annotate]}
      build:
        artifactory-build-info:
          include_patterns: ["**"]
          actions: {groups: {developers: [read]}}
---
projects:
  - project_key: web
    display_name: 2024
    description: Web applications
    admin_privileges: {manage_members: true, manage_resources: true, index_resources: true}
    max_storage_in_gibibytes: 10
    members:
      users: {alice: [Project Admin]}
      groups: {developers: [Developer, Developer]}
`)
	if err != nil {
		t.Fatal(err)
	}
	u := s.Users["alice"]
	if u.Username != "Alice" || *u.Email != "Alice@Example.com" || *u.Admin || !*u.ProfileUpdatable || *u.Status != "enabled" ||
		!reflect.DeepEqual(u.Groups, []string{"developers", "ops"}) {
		t.Errorf("user %+v", u)
	}
	if p := u.Pos.Of("email"); p.Line != 4 || p.Col != 5 || p.Source != "policy" || p.File != "access/x.yaml" {
		t.Errorf("email position %v, want policy: access/x.yaml:4:5", p)
	}
	g := s.Groups["developers"]
	if *g.Description != "All developers" || *g.Realm != "ldap" || *g.ExternalID != "cn=devs" || !reflect.DeepEqual(g.Members, []string{"alice", "bob"}) {
		t.Errorf("group %+v", g)
	}
	target := s.Permissions["dev-repos"].Resources.Repository["libs-release-local"]
	want := &desired.Target{IncludePatterns: []string{"**"}, ExcludePatterns: []string{},
		Users: map[string][]string{"alice": {"read", "write"}}, Groups: map[string][]string{"developers": {"annotate", "read"}}}
	if !reflect.DeepEqual(target, want) {
		t.Errorf("target %+v, want %+v", target, want)
	}
	if p := s.Permissions["dev-repos"].Pos.Of("resources.repository.libs-release-local.users.alice"); p.Line != 26 {
		t.Errorf("position of alice's actions: %v, want line 26", p)
	}
	p := s.Projects["web"]
	if *p.DisplayName != "2024" || *p.MaxStorageInGibibytes != 10 || !*p.AdminPrivileges.IndexResources || p.AdminPrivileges.ManageSecurityAssets != nil ||
		!reflect.DeepEqual(p.Members.Groups, map[string][]string{"developers": {"Developer"}}) {
		t.Errorf("project %+v", p)
	}
	if got := s.Counts(); got != (desired.Counts{Users: 1, Groups: 1, Permissions: 1, Projects: 1}) {
		t.Errorf("counts %+v", got)
	}
}

func TestUnsetFieldsStayNil(t *testing.T) {
	s, err := load(t, "users:\n  - username: alice\ngroups:\n  - name: devs\n")
	if err != nil {
		t.Fatal(err)
	}
	u, g := s.Users["alice"], s.Groups["devs"]
	if u.Email != nil || u.Admin != nil || u.Status != nil || u.Groups != nil {
		t.Errorf("user fields set that the file leaves out: %+v", u)
	}
	if g.Members != nil || g.Description != nil {
		t.Errorf("group fields set that the file leaves out: %+v", g)
	}
	if _, managed := s.Memberships()["devs"]; managed {
		t.Error("devs has a managed membership though nothing declares it")
	}
}

func TestEmptyMembersListIsManaged(t *testing.T) {
	s, err := load(t, "groups:\n  - name: devs\n    members: []\n")
	if err != nil {
		t.Fatal(err)
	}
	if m, managed := s.Memberships()["devs"]; !managed || len(m) != 0 {
		t.Errorf("members: [] gives %v, %v; want a managed, empty membership", m, managed)
	}
}

func TestEmptyFilesAndDocuments(t *testing.T) {
	for _, yaml := range []string{"", "---\n", "# only a comment\n", "---\n---\nusers: []\n"} {
		s, err := load(t, yaml)
		if err != nil || s.Counts().Total() != 0 {
			t.Errorf("%q: %v, %+v", yaml, err, s.Counts())
		}
	}
}

func TestMemberships(t *testing.T) {
	s, err := load(t, "groups:\n  - name: devs\n    members: [bob]\n  - name: ops\nusers:\n  - username: Alice\n    groups: [DEVS, qa]\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"devs": {"alice", "bob"}, "qa": {"alice"}}
	if got := s.Memberships(); !reflect.DeepEqual(got, want) {
		t.Errorf("memberships %v, want %v", got, want)
	}
}

func TestErrorsAreCappedAt50(t *testing.T) {
	var b strings.Builder
	b.WriteString("users:\n")
	for i := range 60 {
		fmt.Fprintf(&b, "  - username: a%d\n    status: x\n", i)
	}
	_, err := load(t, b.String())
	var le *desired.ListError
	if !errors.As(err, &le) || len(le.Errors) != desired.MaxErrors || le.Count() != 60 {
		t.Fatalf("error %v", err)
	}
	if !strings.HasSuffix(err.Error(), "... and 10 more errors (only the first 50 are listed)") {
		t.Errorf("last line of %q", err.Error()[len(err.Error())-80:])
	}
}
