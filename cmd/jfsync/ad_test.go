package main_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/internal/adtest"
)

// adDirectory is a small domain: people (one disabled) and jfrog-* groups
// nested in AD.
func adDirectory() string {
	var b strings.Builder
	for _, u := range []string{"alice", "bob", "dave"} {
		b.WriteString(adtest.User(u, false))
	}
	b.WriteString(adtest.User("carol", true))
	b.WriteString(adtest.Group("jfrog-web-leads", adtest.DN("dave")))
	b.WriteString(adtest.Group("jfrog-web", adtest.DN("alice"), adtest.DN("jfrog-web-leads")))
	b.WriteString(adtest.Group("jfrog-ops", adtest.DN("bob"), adtest.DN("carol")))
	b.WriteString(adtest.Group("not-synced", adtest.DN("alice")))
	return b.String()
}

// TestActiveDirectory runs the AD example against a Samba DC: it
// validates, and the whole pipeline ends with JFrog groups equal to AD's,
// after which a second cycle plans nothing. One DC for both: its ports are
// fixed.
func TestActiveDirectory(t *testing.T) {
	dc := adtest.Start(t, adDirectory())
	t.Setenv("AD_BIND_PASSWORD", adtest.AdminPassword)
	replace := []string{
		"ldaps://dc1.example.org:636", "ldaps://127.0.0.1:1", // down: the next one serves
		"ldaps://dc2.example.org:636", adtest.LDAPS,
		"/etc/ssl/example-org-ca.pem", dc.CAFile,
		"svc-jfsync@example.org", adtest.AdminBind,
	}

	t.Run("the example validates", func(t *testing.T) {
		stdout, stderr, code := jfsync(t, "validate", "-c", example(t, "active-directory", "jfsync.yaml", replace...))
		if code != 0 || !strings.Contains(stdout, "ad        ldap  users 4  groups 3  permissions 0  projects 1") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
	})

	t.Run("pipeline", func(t *testing.T) {
		emu, url := liveTarget(t, "users:\n  - username: mallory\n    email: m@example.org\ngroups:\n  - name: web\n    members: [mallory]\n")
		replace := append(replace, "https://acme.jfrog.io", url, "token_env: JFROG_ACCESS_TOKEN", "token_env: JFSYNC_TEST_TOKEN")
		config := example(t, "active-directory", "jfsync.yaml", replace...)
		if _, stderr, code := run(t, "apply", "-c", config); code != 0 {
			t.Fatalf("apply: exit %d\n%s", code, stderr)
		}
		state := emu.State()
		groups := map[string][]string{}
		for _, g := range state.Groups {
			groups[g.Name] = g.Members
		}
		want := map[string][]string{"web": {"alice", "dave"}, "web-leads": {"dave"}, "ops": {"bob", "carol"}}
		if !reflect.DeepEqual(groups, want) {
			t.Errorf("JFrog groups %v, want AD's %v", groups, want)
		}
		status := map[string]string{}
		for _, u := range state.Users {
			status[u.Username] = u.Status
		}
		if status["carol"] != "disabled" || status["mallory"] != "disabled" || status["alice"] != "enabled" {
			t.Errorf("statuses %v: carol is disabled in AD, mallory is not in AD", status)
		}
		if rep, code := planJSON(t, config); code != 0 {
			t.Errorf("second cycle: exit %d, %+v", code, rep.Summary)
		}
	})
}
