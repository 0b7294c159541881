package reconcile_test

import (
	"strings"
	"testing"

	"github.com/jfsync/jfsync/reconcile"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

func TestApplySkipsWhatDependsOnAFailure(t *testing.T) {
	emu, c := target(t, "users:\n  - username: alice\ngroups:\n  - name: devs\n")
	d := decode(t, `users:
  - username: carol
    email: carol@example.com
groups:
  - name: qa
    members: [carol]
  - name: devs
    description: Developers
permissions:
  - name: carols
    resources:
      repository:
        libs: {actions: {users: {carol: [read]}}}
  - name: devs
    resources:
      repository:
        libs: {actions: {groups: {devs: [read]}}}
`)
	plan, err := reconcile.MakePlan(d, readLive(t, c), policy(nil))
	if err != nil {
		t.Fatal(err)
	}
	// The first write call (carol's creation) fails; 500 is not retried.
	emu.SetFaults(emulator.Faults{Status: 500, Count: 1})
	var observed []string
	reconcile.Apply(t.Context(), c, plan, reconcile.ApplyOptions{Observe: func(ch *reconcile.Change) { observed = append(observed, ch.Name+":"+ch.Result) }})

	results := map[string]string{}
	for _, ch := range plan.Changes {
		results[ch.Kind+" "+ch.Name] = ch.Result
		if ch.Result == reconcile.ResultSkipped && !strings.Contains(ch.Error, "user/carol/create, which failed") {
			t.Errorf("%s %s skipped for %q", ch.Kind, ch.Name, ch.Error)
		}
	}
	want := map[string]string{
		"user carol":        reconcile.ResultFailed,
		"group qa":          reconcile.ResultSkipped,
		"group devs":        reconcile.ResultApplied,
		"permission carols": reconcile.ResultSkipped,
		"permission devs":   reconcile.ResultApplied,
	}
	for k, v := range want {
		if results[k] != v {
			t.Errorf("%s: %s, want %s", k, results[k], v)
		}
	}
	if len(observed) != len(plan.Changes) {
		t.Errorf("observer saw %v, want every change", observed)
	}
	// The next cycle finishes the work.
	assertConverges(t, c, d, policy(nil), mustPlan(t, d, readLive(t, c)))
}
