package main_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/internal/ldaptest"
)

// directory has three people and a JFrog group with a nested one.
var directory = ldaptest.Person("alice") + ldaptest.Person("bob") + ldaptest.Person("carol") +
	ldaptest.Group("jfrog-web", ldaptest.PersonDN("alice"), ldaptest.GroupDN("jfrog-web-leads")) +
	ldaptest.Group("jfrog-web-leads", ldaptest.PersonDN("carol"))

// ldapConfig is a config with an LDAP source for the directory and a file
// source for the project the LDAP group joins.
func ldapConfig(t *testing.T, s *ldaptest.Server, url, groupFilter string) string {
	t.Helper()
	dir := project(t, map[string]string{
		"desired/projects.yaml": "projects:\n  - project_key: web\n    display_name: Web\n",
		"jfsync.yaml": `version: 1
jfrog:
  url: ` + url + `
  token_env: JFSYNC_TEST_TOKEN
sources:
  - name: policy
    file: {path: desired}
  - name: corp
    ldap:
      url: ` + s.URL + `
      bind_dn: ` + ldaptest.ReaderDN + `
      bind_password_env: JFSYNC_TEST_LDAP_PASSWORD
      users: {base_dn: "` + ldaptest.PeopleDN + `", filter: "(objectClass=inetOrgPerson)"}
      groups:
        base_dn: "` + ldaptest.GroupsDN + `"
        filter: "` + groupFilter + `"
        nested: expand
        name_template: '{{ .Name | trimPrefix "jfrog-" }}'
      projects:
        - {group: jfrog-web, project: web, roles: [Developer]}
policy:
  prune: {users: disable}
`,
	})
	t.Setenv("JFSYNC_TEST_LDAP_PASSWORD", ldaptest.ReaderPassword)
	return filepath.Join(dir, "jfsync.yaml")
}

func TestLDAPPipeline(t *testing.T) {
	s := ldaptest.Start(t, directory)
	emu, url := liveTarget(t, "users:\n  - username: bob\n    email: bob@example.com\n  - username: mallory\n    email: m@example.com\ngroups:\n  - name: web\n    members: [bob, mallory]\n")
	config := ldapConfig(t, s, url, "(cn=jfrog-*)")

	if _, stderr, code := run(t, "apply", "-c", config); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	state := emu.State()
	members := map[string][]string{}
	for _, g := range state.Groups {
		members[g.Name] = g.Members
	}
	want := map[string][]string{"web": {"alice", "carol"}, "web-leads": {"carol"}}
	if !reflect.DeepEqual(members, want) {
		t.Errorf("JFrog groups %v, want the directory's %v", members, want)
	}
	for _, u := range state.Users {
		if u.Username == "mallory" && u.Status != "disabled" {
			t.Errorf("mallory is %s, want disabled (no source declares her)", u.Status)
		}
	}
	if p := state.Projects[0]; !reflect.DeepEqual(p.Members.Groups, map[string][]string{"web": {"Developer"}}) {
		t.Errorf("project web members %v", p.Members.Groups)
	}
	if rep, code := planJSON(t, config); code != 0 {
		t.Errorf("second cycle: exit %d, %+v; want nothing to do", code, rep.Summary)
	}
}

func TestLDAPStoppedFailsTheCycle(t *testing.T) {
	s := ldaptest.Start(t, directory)
	emu, url := liveTarget(t, "users:\n  - username: alice\n    email: alice@example.com\n")
	config := ldapConfig(t, s, url, "(cn=jfrog-*)")
	s.Stop()
	_, stderr, code := run(t, "apply", "-c", config)
	if code != 1 || emu.Calls().Writes() != 0 {
		t.Errorf("apply with slapd stopped: exit %d, %d writes; want 1 and none\n%s", code, emu.Calls().Writes(), stderr)
	}
	if !strings.Contains(stderr, `source "corp": no LDAP server reachable`) {
		t.Errorf("stderr does not name the source and the cause:\n%s", stderr)
	}
}

func TestLDAPEmptyGroupSearchBlocks(t *testing.T) {
	s := ldaptest.Start(t, directory)
	emu, url := liveTarget(t, "")
	config := ldapConfig(t, s, url, "(cn=nothing-*)")
	os.WriteFile(config, []byte(strings.Replace(mustRead(t, config), "      projects:\n        - {group: jfrog-web, project: web, roles: [Developer]}\n", "", 1)), 0o600)
	stdout, stderr, code := run(t, "apply", "-c", config)
	if code != 3 || emu.Calls().Writes() != 0 {
		t.Fatalf("apply: exit %d, %d writes; want 3 and none\n%s", code, emu.Calls().Writes(), stderr)
	}
	if !strings.Contains(stdout, `Blocked by empty_source: source "corp": the groups search`) {
		t.Errorf("report:\n%s", stdout)
	}
	os.WriteFile(config, []byte(strings.Replace(mustRead(t, config), "      groups:\n", "      allow_empty: true\n      groups:\n", 1)), 0o600)
	if _, stderr, code := run(t, "apply", "-c", config); code != 0 {
		t.Errorf("with allow_empty: exit %d\n%s", code, stderr)
	}
}
