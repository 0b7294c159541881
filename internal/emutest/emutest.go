// Package emutest serves a JFrog Access emulator to a test.
package emutest

import (
	"net/http/httptest"
	"testing"

	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

// Start serves an emulator seeded with live (state YAML, may be empty)
// and the admin token until the test ends, and returns it with its URL.
func Start(t testing.TB, token, live string) (*emulator.Server, string) {
	t.Helper()
	state, err := emulator.ParseState("live", []byte(live))
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Options{Token: token, State: state})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// State parses state YAML or fails the test.
func State(t testing.TB, live string) emulator.State {
	t.Helper()
	st, err := emulator.ParseState("live", []byte(live))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
