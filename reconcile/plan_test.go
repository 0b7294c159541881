package reconcile_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/internal/emutest"
	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

const token = "reconcile-test-token"

// target starts an emulator with the live state (emulator state YAML) and
// returns it with a client.
func target(t testing.TB, liveYAML string) (*emulator.Server, *access.Client) {
	t.Helper()
	emu, url := emutest.Start(t, token, liveYAML)
	c, err := access.New(access.Options{URL: url, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return emu, c
}

func readLive(t testing.TB, c *access.Client) *reconcile.Live {
	t.Helper()
	live, err := reconcile.ReadLive(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

func decode(t testing.TB, yaml string) *desired.State {
	t.Helper()
	s, err := desired.Decode("policy", []desired.File{{Name: "desired.yaml", Data: []byte(yaml)}})
	if err == nil {
		err = desired.Validate(s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func policy(edit func(*reconcile.Policy)) reconcile.Policy {
	var p reconcile.Policy
	if edit != nil {
		edit(&p)
	}
	p.Resolve()
	return p
}

// lines describes a plan one change per line, as the text report does.
func lines(plan *reconcile.Plan) []string {
	var out []string
	for _, c := range plan.Changes {
		var b strings.Builder
		rep := &reconcile.Report{Mode: "plan", Changes: []*reconcile.Change{c}}
		reconcile.WriteText(&b, rep, false)
		text := strings.Split(b.String(), "\n")[2] // the change's line
		out = append(out, strings.Join(strings.Fields(text), " "))
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		live    string
		desired string
		policy  func(*reconcile.Policy)
		want    []string
		calls   int
	}{
		{
			name:    "first run creates everything",
			desired: "users:\n  - username: alice\n    email: alice@example.com\ngroups:\n  - name: devs\n    description: Developers\n    members: [alice]\n",
			want: []string{
				"+ user alice create email=alice@example.com",
				"+ group devs create description=Developers members: +alice",
			},
			calls: 2,
		},
		{
			name:    "second run plans nothing",
			live:    "users:\n  - username: alice\n    email: alice@example.com\ngroups:\n  - name: devs\n    description: Developers\n    members: [alice]\n",
			desired: "users:\n  - username: alice\n    email: alice@example.com\ngroups:\n  - name: devs\n    description: Developers\n    members: [alice]\n",
		},
		{
			name:    "case and order do not matter",
			live:    "users:\n  - username: alice\n    email: Alice@Example.com\n  - username: bob\n    email: bob@example.com\ngroups:\n  - name: Devs\n    members: [bob, alice]\n",
			desired: "users:\n  - username: ALICE\n    email: alice@example.com\ngroups:\n  - name: devs\n    members: [Alice, BOB, bob]\n",
		},
		{
			name:    "user fields",
			live:    "users:\n  - username: alice\n    email: alice@example.com\n",
			desired: "users:\n  - username: alice\n    email: alice@corp.example.com\n    admin: true\n    profile_updatable: false\n    disable_ui_access: true\n    status: disabled\n",
			want:    []string{"~ user alice update email: alice@example.com -> alice@corp.example.com admin: false -> true profile_updatable: true -> false disable_ui_access: false -> true status: enabled -> disabled"},
			calls:   1,
		},
		{
			name:    "unset fields are not compared",
			live:    "users:\n  - username: alice\n    email: alice@example.com\n    admin: true\n    status: disabled\ngroups:\n  - name: devs\n    description: old\n    members: [alice]\n",
			desired: "users:\n  - username: alice\ngroups:\n  - name: devs\n",
		},
		{
			name:    "a new disabled user costs two calls",
			desired: "users:\n  - username: carol\n    email: carol@example.com\n    status: disabled\n",
			want:    []string{"+ user carol create email=carol@example.com status=disabled"},
			calls:   2,
		},
		{
			name:    "a new user joins live groups in its create call",
			live:    "groups:\n  - name: devs\n",
			desired: "users:\n  - username: carol\n    email: carol@example.com\n    groups: [devs]\n",
			want:    []string{"+ user carol create email=carol@example.com groups: +devs"},
			calls:   1,
		},
		{
			name:    "a new user joins auto_join groups: a managed membership is corrected",
			live:    "users:\n  - username: bob\ngroups:\n  - name: everyone\n    auto_join: true\n    members: [bob]\n",
			desired: "users:\n  - username: carol\n    email: carol@example.com\ngroups:\n  - name: everyone\n    members: [bob]\n",
			want: []string{
				"+ user carol create email=carol@example.com",
				"~ group everyone update members: -carol",
			},
			calls: 2,
		},
		{
			name:    "group fields and members",
			live:    "users:\n  - username: alice\n  - username: dave\ngroups:\n  - name: devs\n    members: [dave]\n",
			desired: "users:\n  - username: carol\n    email: carol@example.com\ngroups:\n  - name: devs\n    description: Developers\n    auto_join: false\n    admin_privileges: true\n    realm: ldap\n    external_id: cn=devs\n    members: [alice, carol]\n",
			want: []string{
				"+ user carol create email=carol@example.com groups: +devs",
				`~ group devs update description: "" -> Developers realm: "" -> ldap external_id: "" -> cn=devs admin_privileges: false -> true members: +alice -dave`,
			},
			calls: 2,
		},
		{
			name:    "membership from users' groups lists",
			live:    "users:\n  - username: alice\n  - username: bob\ngroups:\n  - name: qa\n    members: [bob]\n",
			desired: "users:\n  - username: alice\n    groups: [qa]\n",
			want:    []string{"~ group qa update members: +alice -bob"},
			calls:   1,
		},
		{
			name:    "permission create and update",
			live:    "users:\n  - username: alice\ngroups:\n  - name: devs\npermissions:\n  - name: dev\n    resources:\n      repository:\n        libs: {include_patterns: ['**'], actions: {groups: {devs: [read]}}}\n",
			desired: "permissions:\n  - name: dev\n    resources:\n      repository:\n        libs: {actions: {groups: {devs: [read, annotate]}, users: {Alice: [write]}}}\n  - name: new\n    resources:\n      build:\n        b: {include_patterns: ['**'], actions: {groups: {devs: [read]}}}\n",
			want: []string{
				"~ permission dev update",
				"+ permission new create",
			},
			calls: 2,
		},
		{
			name:    "permission: unset patterns and resource types are kept",
			live:    "users:\n  - username: alice\npermissions:\n  - name: dev\n    resources:\n      repository:\n        libs: {include_patterns: ['**'], exclude_patterns: ['tmp/**'], actions: {users: {alice: [read]}}}\n      build:\n        b: {actions: {users: {alice: [read]}}}\n",
			desired: "permissions:\n  - name: dev\n    resources:\n      repository:\n        libs: {actions: {users: {alice: [read]}}}\n",
		},
		{
			name:    "project fields and members",
			live:    "users:\n  - username: alice\n  - username: bob\ngroups:\n  - name: devs\nprojects:\n  - project_key: web\n    display_name: Web\n    max_storage_in_gibibytes: 5\n    members: {users: {alice: [Viewer], bob: [Viewer]}}\n",
			desired: "projects:\n  - project_key: web\n    display_name: Web Team\n    description: Web applications\n    max_storage_in_gibibytes: 10\n    admin_privileges: {manage_members: false, allow_ignore_rules: true}\n    members:\n      users: {alice: [Developer, Viewer]}\n      groups: {devs: [Developer]}\n",
			want: []string{
				`~ project web update display_name: Web -> Web Team description: "" -> Web applications max_storage_in_gibibytes: 5 -> 10 admin_privileges.manage_members: true -> false admin_privileges.allow_ignore_rules: false -> true`,
				"+ project_member web/group:devs create roles=[Developer]",
				"~ project_member web/user:alice update roles: [Viewer] -> [Developer, Viewer]",
			},
			calls: 3,
		},
		{
			name:    "new project with members",
			live:    "users:\n  - username: alice\n",
			desired: "projects:\n  - project_key: web\n    display_name: Web\n    members: {users: {alice: [Project Admin]}}\n",
			want: []string{
				"+ project web create display_name=Web",
				"+ project_member web/user:alice create roles=[Project Admin]",
			},
			calls: 2,
		},
		{
			name:    "prune disable",
			live:    "users:\n  - username: alice\n  - username: mallory\n  - username: gone\n    status: disabled\n  - username: admin\n",
			desired: "users:\n  - username: alice\n",
			policy:  func(p *reconcile.Policy) { p.Prune.Users = "disable" },
			want: []string{
				"! user admin protected (would disable; protected objects are never changed)",
				"- user mallory disable status: enabled -> disabled",
			},
			calls: 1,
		},
		{
			name:    "prune delete everything",
			live:    "users:\n  - username: alice\n  - username: mallory\ngroups:\n  - name: old\n  - name: readers\npermissions:\n  - name: stale\nprojects:\n  - project_key: web\n    display_name: Web\n    members: {users: {mallory: [Viewer]}}\n  - project_key: dead\n    display_name: Dead\n",
			desired: "users:\n  - username: alice\nprojects:\n  - project_key: web\n    display_name: Web\n    members: {users: {}}\n",
			policy: func(p *reconcile.Policy) {
				p.Prune = reconcile.Prune{Users: "delete", Groups: true, Permissions: true, Projects: true, ProjectMembers: true}
			},
			want: []string{
				"- project_member web/user:mallory delete roles: [Viewer]",
				"- project dead delete",
				"- permission stale delete",
				"- group old delete",
				"! group readers protected (would delete; protected objects are never changed)",
				"- user mallory delete",
			},
			calls: 5,
		},
		{
			name:    "no prune by default",
			live:    "users:\n  - username: mallory\ngroups:\n  - name: old\npermissions:\n  - name: stale\nprojects:\n  - project_key: web\n    display_name: Web\n    members: {users: {mallory: [Viewer]}}\n",
			desired: "groups:\n  - name: new\nprojects:\n  - project_key: web\n    display_name: Web\n    members: {users: {}}\n",
			want:    []string{"+ group new create"},
			calls:   1,
		},
		{
			name:    "scope: live objects outside manage are left alone",
			live:    "users:\n  - username: svc-ci\n  - username: alice\ngroups:\n  - name: ext-partners\n",
			desired: "groups:\n  - name: team-web\n",
			policy: func(p *reconcile.Policy) {
				p.Manage = reconcile.Globs{Users: []string{"svc-*"}, Groups: []string{"team-*"}}
				p.Prune = reconcile.Prune{Users: "delete", Groups: true}
			},
			want:  []string{"+ group team-web create", "- user svc-ci delete"},
			calls: 2,
		},
		{
			name:    "protect: changes are listed, never made",
			live:    "users:\n  - username: admin\n    email: admin@example.com\n  - username: svc-ci\n    email: ci@example.com\ngroups:\n  - name: readers\n",
			desired: "users:\n  - username: admin\n    email: root@example.com\n  - username: svc-ci\n    admin: true\ngroups:\n  - name: readers\n    members: [admin]\n",
			policy:  func(p *reconcile.Policy) { p.Protect.Users = []string{"svc-*"} },
			want: []string{
				"! user admin protected (would update; protected objects are never changed)",
				"! user svc-ci protected (would update; protected objects are never changed)",
				"! group readers protected (would update; protected objects are never changed)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := target(t, tt.live)
			pol := policy(tt.policy)
			plan, err := reconcile.MakePlan(decode(t, tt.desired), readLive(t, c), pol)
			if err != nil {
				t.Fatal(err)
			}
			if got := lines(plan); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if got := plan.Summary().APICalls; got != tt.calls {
				t.Errorf("api_calls %d, want %d", got, tt.calls)
			}
			assertConverges(t, c, decode(t, tt.desired), pol, plan)
		})
	}
}

// assertConverges applies the plan and plans again: nothing is left to do.
func assertConverges(t *testing.T, c *access.Client, d *desired.State, pol reconcile.Policy, plan *reconcile.Plan) {
	t.Helper()
	reconcile.Apply(t.Context(), c, plan, reconcile.ApplyOptions{Concurrency: 4})
	for _, ch := range plan.Changes {
		if ch.Result == reconcile.ResultFailed || ch.Result == reconcile.ResultSkipped {
			t.Fatalf("apply: %s %s %s: %s: %s", ch.Kind, ch.Name, ch.Action, ch.Result, ch.Error)
		}
	}
	again, err := reconcile.MakePlan(d, readLive(t, c), pol)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Errorf("after apply, the plan is not empty:\n%s", strings.Join(lines(again), "\n"))
	}
}

func TestPlanReferences(t *testing.T) {
	_, c := target(t, "users:\n  - username: alice\ngroups:\n  - name: devs\n")
	d := decode(t, `groups:
  - name: qa
    members: [alice, ghost]
users:
  - username: alice
    groups: [nowhere]
permissions:
  - name: p
    resources:
      repository:
        libs: {actions: {users: {phantom: [read]}, groups: {devs: [read], void: [read]}}}
projects:
  - project_key: web
    display_name: Web
    members: {users: {nobody: [Viewer]}, groups: {none: [Viewer]}}
`)
	_, err := reconcile.MakePlan(d, readLive(t, c), policy(nil))
	want := []string{
		`policy: desired.yaml:3:22: group "qa": user "ghost" exists neither in the desired state nor in JFrog`,
		`policy: desired.yaml:6:14: user "alice": group "nowhere" exists neither in the desired state nor in JFrog`,
		`policy: desired.yaml:11:34: permission "p": user "phantom" exists neither in the desired state nor in JFrog`,
		`policy: desired.yaml:11:75: permission "p": group "void" exists neither in the desired state nor in JFrog`,
		`policy: desired.yaml:15:23: project "web": user "nobody" exists neither in the desired state nor in JFrog`,
		`policy: desired.yaml:15:51: project "web": group "none" exists neither in the desired state nor in JFrog`,
	}
	if err == nil || !reflect.DeepEqual(strings.Split(err.Error(), "\n"), want) {
		t.Errorf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestPlanNeedsEmailToCreate(t *testing.T) {
	_, c := target(t, "")
	_, err := reconcile.MakePlan(decode(t, "users:\n  - username: carol\n"), readLive(t, c), policy(nil))
	want := `policy: desired.yaml:2:5: user "carol": email is required to create the user, who does not exist in JFrog`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestPlanNeedsDisplayNameToCreate(t *testing.T) {
	_, c := target(t, "projects:\n  - project_key: web\n    display_name: Web\n")
	_, err := reconcile.MakePlan(decode(t, "projects:\n  - project_key: web\n  - project_key: api\n"), readLive(t, c), policy(nil))
	want := `policy: desired.yaml:3:5: project "api": display_name is required to create the project, which does not exist in JFrog`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	live := "users:\n  - username: a\n  - username: b\ngroups:\n  - name: g1\n  - name: g2\n"
	d := "users:\n  - username: c\n    email: c@example.com\n  - username: d\n    email: d@example.com\n    groups: [g1, g2]\ngroups:\n  - name: g1\n    members: [a, b, c]\n  - name: g3\n    members: [a]\n"
	_, c := target(t, live)
	first := lines(mustPlan(t, decode(t, d), readLive(t, c)))
	for range 20 {
		if got := lines(mustPlan(t, decode(t, d), readLive(t, c))); !reflect.DeepEqual(got, first) {
			t.Fatalf("plan changed between runs:\n%s\nthen:\n%s", strings.Join(first, "\n"), strings.Join(got, "\n"))
		}
	}
}

func mustPlan(t *testing.T, d *desired.State, live *reconcile.Live) *reconcile.Plan {
	t.Helper()
	plan, err := reconcile.MakePlan(d, live, policy(nil))
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestPermissionDiff(t *testing.T) {
	_, c := target(t, "groups:\n  - name: developers\npermissions:\n  - name: dev-repos\n    resources:\n      repository:\n        libs-release-local:\n          actions: {groups: {developers: [read]}}\n")
	plan := mustPlan(t, decode(t, "permissions:\n  - name: dev-repos\n    resources:\n      repository:\n        libs-release-local:\n          actions: {groups: {developers: [read, annotate]}}\n"), readLive(t, c))
	want := `--- live
+++ desired
 repository:
   libs-release-local:
     actions:
       groups:
-        developers: [read]
+        developers: [annotate, read]
`
	if len(plan.Changes) != 1 || plan.Changes[0].Diff != want {
		t.Errorf("diff:\n%s\nwant:\n%s", plan.Changes[0].Diff, want)
	}
}
