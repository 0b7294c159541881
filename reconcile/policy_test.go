package reconcile_test

import (
	"strings"
	"testing"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/reconcile"
)

func TestManagesAndProtects(t *testing.T) {
	p := reconcile.Policy{
		Manage:  reconcile.Globs{Users: []string{"*"}, Groups: []string{"team-*", "Developers"}, Permissions: []string{"app-*"}},
		Protect: reconcile.Globs{Users: []string{"svc-*"}, Projects: []string{"core"}},
	}
	tests := []struct {
		kind, name       string
		manage, protects bool
	}{
		{"users", "alice", true, false},
		{"users", "Admin", true, true}, // built in, case-insensitive
		{"users", "SVC-ci", true, true},
		{"groups", "TEAM-web", true, false},
		{"groups", "developers", true, false},
		{"groups", "readers", false, true},
		{"permissions", "app-web", true, false},
		{"permissions", "App-web", false, false}, // permission names are exact
		{"permissions", "Any Remote", false, true},
		{"projects", "web", false, false}, // an empty list manages nothing
		{"projects", "core", false, true},
	}
	for _, tt := range tests {
		if got := p.Manages(tt.kind, tt.name); got != tt.manage {
			t.Errorf("Manages(%s, %s) = %v", tt.kind, tt.name, got)
		}
		if got := p.Protects(tt.kind, tt.name); got != tt.protects {
			t.Errorf("Protects(%s, %s) = %v", tt.kind, tt.name, got)
		}
	}
}

func TestResolveManagesEverythingByDefault(t *testing.T) {
	var p reconcile.Policy
	p.Resolve()
	for _, kind := range []string{"users", "groups", "permissions", "projects"} {
		if !p.Manages(kind, "anything") {
			t.Errorf("default policy does not manage %s", kind)
		}
	}
	if *p.MaxDeletes != 25 || *p.MaxDeletePercent != 20 || p.Prune.Users != "ignore" {
		t.Errorf("defaults %+v", p)
	}
}

func TestCheckScope(t *testing.T) {
	s, err := desired.Decode("policy", []desired.File{{Name: "a.yaml", Data: []byte("groups:\n  - name: team-web\n  - name: ops\nprojects:\n  - project_key: web\n    display_name: Web\n")}})
	if err != nil {
		t.Fatal(err)
	}
	p := reconcile.Policy{Manage: reconcile.Globs{Groups: []string{"team-*"}, Projects: []string{"*"}}}
	err = p.CheckScope(s)
	want := `policy: a.yaml:3:5: group "ops" is outside policy.manage.groups: add a pattern that matches it, or remove it`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestPolicyCheck(t *testing.T) {
	neg, pct := -1, 120.0
	p := reconcile.Policy{Protect: reconcile.Globs{Users: []string{"[a"}}, Prune: reconcile.Prune{Users: "purge"}, MaxDeletes: &neg, MaxDeletePercent: &pct}
	err := p.Check()
	for _, want := range []string{`policy.protect.users: pattern "[a"`, `policy.prune.users "purge"`, "policy.max_deletes may not be negative", "policy.max_delete_percent 120: want 0 to 100"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}
