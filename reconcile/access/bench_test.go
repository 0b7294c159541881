package access_test

import (
	"fmt"
	"testing"

	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

// BenchmarkListUsers reads 10,000 users in pages of 100 (100 calls) from
// the emulator over HTTP.
func BenchmarkListUsers(b *testing.B) {
	var state emulator.State
	for i := range 10_000 {
		name := fmt.Sprintf("user%05d", i)
		state.Users = append(state.Users, emulator.StateUser{Username: name, Email: name + "@example.com"})
	}
	_, srv := newEmulator(b, state)
	c := newClient(b, srv.URL, access.Options{Token: adminToken, PageSize: 100})
	b.ResetTimer()
	for b.Loop() {
		users, err := c.ListUsers(b.Context(), access.ListUsersOptions{})
		if err != nil || len(users) != 10_000 {
			b.Fatalf("%d users, %v", len(users), err)
		}
	}
}

// BenchmarkCreateGroup measures one write call through the client and the
// emulator.
func BenchmarkCreateGroup(b *testing.B) {
	_, srv := newEmulator(b, emulator.State{})
	c := newClient(b, srv.URL, access.Options{Token: adminToken})
	i := 0
	for b.Loop() {
		i++
		if err := c.CreateGroup(b.Context(), access.Group{Name: fmt.Sprintf("group-%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
}
