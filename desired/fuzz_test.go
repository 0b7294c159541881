package desired_test

import (
	"testing"

	"github.com/jfsync/jfsync/desired"
)

// FuzzDecode feeds the decoder arbitrary input: it may reject it, but it
// must not panic, and what it accepts must validate and merge without
// panicking either.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		"",
		"users:\n  - username: alice\n    email: alice@example.com\n    groups: [devs]\n",
		"groups:\n  - name: devs\n    members: [alice, bob]\n    auto_join: true\n",
		"permissions:\n  - name: p\n    resources:\n      repository:\n        libs:\n          include_patterns: ['**']\n          actions: {users: {alice: [read]}, groups: {devs: [write]}}\n",
		"projects:\n  - project_key: web\n    display_name: Web\n    admin_privileges: {manage_members: true}\n    max_storage_in_gibibytes: 10\n    members: {users: {alice: [Developer]}}\n",
		"users: [{username: a}, {username: A}]\n",
		"groups:\n  - name: a\n    members: &x [b]\n  - name: c\n    members: *x\n",
		"---\n---\nusers: ~\n",
		"users:\n\t- x\n",
		"? [a]\n: b\n",
		"projects: [{project_key: 1, display_name: [x], max_storage_in_gibibytes: 0x10}]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := desired.Decode("fuzz", []desired.File{{Name: "f.yaml", Data: data}})
		if s == nil {
			t.Fatal("Decode returned a nil state")
		}
		if err != nil {
			return
		}
		desired.Validate(s)
		if _, err := desired.Merge(s, s); err != nil {
			t.Fatalf("a state conflicts with itself: %v", err)
		}
	})
}
