package emulator_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

const token = "emulator-test-token"

func start(t *testing.T, opts emulator.Options) (*emulator.Server, *httptest.Server) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv
}

func client(t *testing.T, srv *httptest.Server, opts access.Options) *access.Client {
	t.Helper()
	opts.URL = srv.URL
	if opts.Token == "" && opts.Username == "" {
		opts.Token = token
	}
	c, err := access.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do sends a raw request with the admin token and returns the status and
// body.
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var eb access.ErrorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil || len(eb.Errors) != 1 {
		t.Fatalf("not an error body: %q", body)
	}
	return eb.Errors[0].Code
}

func TestBadBodies(t *testing.T) {
	_, srv := start(t, emulator.Options{})
	api := srv.URL + "/access/api/v2"
	tests := []struct {
		name, method, url, body string
		status                  int
		code                    string
	}{
		{"malformed JSON", "POST", api + "/groups", `{"name": "devs"`, 400, "BAD_REQUEST"},
		{"two JSON values", "POST", api + "/groups", `{"name": "a"} {"name": "b"}`, 400, "BAD_REQUEST"},
		{"no body", "POST", api + "/users", ``, 400, "BAD_REQUEST"},
		{"wrong type", "POST", api + "/users", `{"username": "a", "email": "a@example.com", "password": "x", "admin": "yes"}`, 400, "BAD_REQUEST"},
		{"missing email", "POST", api + "/users", `{"username": "a", "password": "x"}`, 400, "BAD_REQUEST"},
		{"bad email", "POST", api + "/users", `{"username": "a", "email": "Alice <a@example.com>", "password": "x"}`, 400, "BAD_REQUEST"},
		{"name with a space", "POST", api + "/groups", `{"name": "dev ops"}`, 400, "BAD_REQUEST"},
		{"bad action", "POST", api + "/permissions", `{"name": "p", "resources": {"repository": {"r": {"actions": {"groups": {}, "users": {}}}}, "build": {"b": {"actions": {"users": {"admin": ["fly"]}}}}}}`, 400, "BAD_REQUEST"},
		{"body over 1 MiB", "POST", api + "/groups", `{"name": "big", "description": "` + strings.Repeat("x", 1<<20) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, tt.method, tt.url, tt.body)
			if status != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("%d %s, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
}

func TestUpdateWithBadStatusChangesNothing(t *testing.T) {
	emu, srv := start(t, emulator.Options{State: emulator.State{Users: []emulator.StateUser{{Username: "alice", Email: "alice@example.com"}}}})
	status, body := do(t, "PATCH", srv.URL+"/access/api/v2/users/alice", `{"email": "new@example.com", "status": "gone"}`)
	if status != 400 {
		t.Fatalf("%d %s, want 400", status, body)
	}
	if u := emu.State().Users[0]; u.Email != "alice@example.com" {
		t.Errorf("email changed to %q by a rejected update", u.Email)
	}
}

// seeded is a state where alice and the group devs are referenced from
// everywhere.
func seeded() emulator.State {
	return emulator.State{
		Users: []emulator.StateUser{
			{Username: "alice", Email: "alice@example.com", Groups: []string{"devs"}},
			{Username: "bob", Email: "bob@example.com"},
		},
		Groups: []emulator.StateGroup{{Name: "devs", Members: []string{"bob"}}, {Name: "everyone", AutoJoin: true}},
		Permissions: []access.Permission{{Name: "p", Resources: access.PermissionResources{
			Repository: map[string]access.PermissionTarget{"libs": {Actions: access.PermissionActions{
				Users:  map[string][]string{"alice": {"read"}, "bob": {"read"}},
				Groups: map[string][]string{"devs": {"write"}, "everyone": {"read"}},
			}}},
		}}},
		Projects: []emulator.StateProject{{ProjectKey: "web", DisplayName: "Web", Members: emulator.StateProjectMembers{
			Users:  map[string][]string{"alice": {"Developer"}, "bob": {"Viewer"}},
			Groups: map[string][]string{"devs": {"Developer"}},
		}}},
	}
}

func TestReferentialIntegrity(t *testing.T) {
	emu, srv := start(t, emulator.Options{State: seeded()})
	c := client(t, srv, access.Options{})
	ctx := t.Context()
	if err := c.DeleteUser(ctx, "ALICE"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGroup(ctx, "devs"); err != nil {
		t.Fatal(err)
	}
	st := emu.State()
	if len(st.Users) != 1 || st.Users[0].Username != "bob" {
		t.Errorf("users %+v, want bob only", st.Users)
	}
	if names := groupNames(st); names != "everyone" {
		t.Errorf("groups %s, want everyone", names)
	}
	acts := st.Permissions[0].Resources.Repository["libs"].Actions
	if !reflect.DeepEqual(acts.Users, map[string][]string{"bob": {"read"}}) || !reflect.DeepEqual(acts.Groups, map[string][]string{"everyone": {"read"}}) {
		t.Errorf("permission actions %+v still name a deleted user or group", acts)
	}
	m := st.Projects[0].Members
	if !reflect.DeepEqual(m.Users, map[string][]string{"bob": {"Viewer"}}) || m.Groups != nil {
		t.Errorf("project members %+v still name a deleted user or group", m)
	}
	u, err := c.GetUser(ctx, "bob")
	if err != nil || len(u.Groups) != 0 {
		t.Errorf("bob's groups %v (err %v), want none: seeded users do not auto-join", u.Groups, err)
	}
}

func groupNames(st emulator.State) string {
	var names []string
	for _, g := range st.Groups {
		names = append(names, g.Name)
	}
	return strings.Join(names, ",")
}

func TestNewUserJoinsAutoJoinGroups(t *testing.T) {
	_, srv := start(t, emulator.Options{State: seeded()})
	c := client(t, srv, access.Options{})
	u, err := c.CreateUser(t.Context(), access.CreateUserRequest{Username: "carol", Email: "carol@example.com", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(u.Groups, []string{"everyone"}) {
		t.Errorf("carol's groups %v, want [everyone]", u.Groups)
	}
	g, err := c.GetGroup(t.Context(), "everyone")
	if err != nil || !reflect.DeepEqual(g.Members, []string{"carol"}) {
		t.Errorf("everyone's members %v (err %v), want [carol]", g.Members, err)
	}
}

func TestTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	state := seeded()
	state.Users = append(state.Users, emulator.StateUser{Username: "root", Email: "root@example.com", Admin: true})
	_, srv := start(t, emulator.Options{State: state, Now: clock})
	admin := client(t, srv, access.Options{})
	ctx := t.Context()

	newToken := func(c *access.Client, req access.CreateTokenRequest) (*access.Client, error) {
		tok, err := c.CreateToken(ctx, req)
		if err != nil {
			return nil, err
		}
		return client(t, srv, access.Options{Token: tok.AccessToken}), nil
	}
	alice, err := newToken(admin, access.CreateTokenRequest{Subject: "user/alice", Scope: "applied-permissions/user", ExpiresIn: ptr(int64(60))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ListUsers(ctx, access.ListUsersOptions{}); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("alice lists users: %v, want 403", err)
	}
	if _, err := newToken(alice, access.CreateTokenRequest{Subject: "user/bob", Scope: "applied-permissions/user"}); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("alice makes a token for bob: %v, want 403", err)
	}
	if _, err := newToken(alice, access.CreateTokenRequest{Scope: "applied-permissions/admin"}); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("alice makes an admin token: %v, want 403", err)
	}
	alice2, err := newToken(alice, access.CreateTokenRequest{Scope: "applied-permissions/user"})
	if err != nil {
		t.Fatalf("alice makes her own token: %v", err)
	}
	if toks, err := alice2.ListTokens(ctx, access.ListTokensOptions{}); err != nil || len(toks) != 2 {
		t.Errorf("alice's tokens: %d (err %v), want her 2", len(toks), err)
	}

	// Admin by scope, admin by subject.
	for _, req := range []access.CreateTokenRequest{
		{Subject: "user/bob", Scope: "applied-permissions/admin"},
		{Subject: "user/root", Scope: "applied-permissions/user"},
		{Subject: "service/ci", Scope: "applied-permissions/admin", IncludeReferenceToken: true},
	} {
		c, err := newToken(admin, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListUsers(ctx, access.ListUsersOptions{}); err != nil {
			t.Errorf("%s with %s lists users: %v, want admin", req.Subject, req.Scope, err)
		}
	}
	ref, err := admin.CreateToken(ctx, access.CreateTokenRequest{Subject: "service/ci", Scope: "applied-permissions/admin", IncludeReferenceToken: true})
	if err != nil || ref.ReferenceToken == "" {
		t.Fatalf("reference token: %v", err)
	}
	if _, err := client(t, srv, access.Options{Token: ref.ReferenceToken}).ListGroups(ctx); err != nil {
		t.Errorf("a reference token does not work as a bearer token: %v", err)
	}

	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	if _, err := alice.Ping(ctx); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("expired token: %v, want 401", err)
	}
	if _, err := alice2.Ping(ctx); err != nil {
		t.Errorf("non-expiring token: %v", err)
	}
	if err := admin.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice2.Ping(ctx); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("token of a deleted user: %v, want 401", err)
	}
}

func TestBasicAuth(t *testing.T) {
	_, srv := start(t, emulator.Options{AdminPassword: "admin-pw"})
	ctx := t.Context()
	admin := client(t, srv, access.Options{Username: "admin", Password: "admin-pw"})
	if _, err := admin.CreateUser(ctx, access.CreateUserRequest{Username: "dana", Email: "dana@example.com", Password: "dana-pw"}); err != nil {
		t.Fatal(err)
	}
	dana := client(t, srv, access.Options{Username: "dana", Password: "dana-pw"})
	if _, err := dana.Ping(ctx); err != nil {
		t.Errorf("dana pings: %v", err)
	}
	if _, err := dana.ListGroups(ctx); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("dana lists groups: %v, want 403", err)
	}
	if _, err := client(t, srv, access.Options{Username: "dana", Password: "wrong"}).Ping(ctx); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("wrong password: %v, want 401", err)
	}
	if err := admin.UpdateUser(ctx, "dana", access.UpdateUserRequest{Status: ptr("disabled")}); err != nil {
		t.Fatal(err)
	}
	if _, err := dana.Ping(ctx); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("disabled user: %v, want 401", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	emu, srv := start(t, emulator.Options{State: seeded()})
	status, body := do(t, "GET", srv.URL+"/emulator/state", "")
	if status != 200 {
		t.Fatalf("GET /emulator/state: %d %s", status, body)
	}
	parsed, err := emulator.ParseState("dump", []byte(body))
	if err != nil {
		t.Fatalf("the dump does not parse: %v\n%s", err, body)
	}
	again, err := emulator.New(emulator.Options{Token: token, State: parsed})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.State(), emu.State()) {
		t.Errorf("state changed across a dump and a load:\n%+v\n%+v", again.State(), emu.State())
	}
	if u := parsed.Users[0]; u.Username != "alice" || u.Realm != "internal" || u.Status != "enabled" {
		t.Errorf("first user %+v, want alice, internal, enabled", u)
	}
}

func TestParseStateErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "users:\n  - username: a\n    emial: a@example.com\n", "line 3: field emial not found"},
		{"unknown member", "groups:\n  - name: devs\n    members: [ghost]\n", `group "devs": user "ghost" does not exist`},
		{"unknown group", "users:\n  - username: a\n    groups: [ghosts]\n", `user "a": group "ghosts" does not exist`},
		{"duplicate user", "users:\n  - username: a\n  - username: A\n", `user "A" is declared twice`},
		{"bad status", "users:\n  - username: a\n    status: gone\n", `status "gone"`},
		{"bad project key", "projects:\n  - project_key: Web\n    display_name: W\n", `project key "Web"`},
		{"unknown project member", "projects:\n  - project_key: web\n    display_name: W\n    members: {users: {ghost: [Viewer]}}\n", `user "ghost" not found`},
		{"token without value", "tokens:\n  - subject: user/a\n    scope: applied-permissions/user\n", "token value is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emulator.ParseState("seed.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "seed.yaml") {
				t.Fatalf("error %v, want one naming seed.yaml and containing %q", err, tt.want)
			}
		})
	}
}

func TestSeededTokenWorks(t *testing.T) {
	state := emulator.State{
		Users:  []emulator.StateUser{{Username: "ci", Email: "ci@example.com"}},
		Tokens: []emulator.StateToken{{Token: "seeded-ci-token", Subject: "user/ci", Scope: "applied-permissions/admin"}},
	}
	_, srv := start(t, emulator.Options{State: state})
	if _, err := client(t, srv, access.Options{Token: "seeded-ci-token"}).ListUsers(t.Context(), access.ListUsersOptions{}); err != nil {
		t.Fatal(err)
	}
	_, body := do(t, "GET", srv.URL+"/emulator/state", "")
	if strings.Contains(body, "seeded-ci-token") {
		t.Errorf("the state dump holds a token value:\n%s", body)
	}
}

func TestHooks(t *testing.T) {
	emu, srv := start(t, emulator.Options{State: seeded()})
	c := client(t, srv, access.Options{})
	ctx := t.Context()

	for _, path := range []string{"/emulator/state", "/emulator/calls", "/emulator/faults"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("GET %s without credentials: %d, want 401", path, resp.StatusCode)
		}
	}

	c.ListGroups(ctx)
	c.GetUser(ctx, "ghost")
	status, body := do(t, "GET", srv.URL+"/emulator/calls", "")
	var calls emulator.Calls
	if err := json.Unmarshal([]byte(body), &calls); status != 200 || err != nil {
		t.Fatalf("GET /emulator/calls: %d %s", status, body)
	}
	want := emulator.Calls{Total: 2, Calls: []emulator.CallCount{
		{Method: "GET", Route: "/api/v2/groups", Status: 200, Count: 1},
		{Method: "GET", Route: "/api/v2/users/{username}", Status: 404, Count: 1},
	}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls %+v, want %+v", calls, want)
	}

	for _, bad := range []string{`{"status": 503}`, `{"status": 200, "count": 1}`, `{"rate": 2, "status": 503}`, `{"latency": "soon"}`} {
		if status, body := do(t, "POST", srv.URL+"/emulator/faults", bad); status != 400 {
			t.Errorf("POST /emulator/faults %s: %d %s, want 400", bad, status, body)
		}
	}
	if status, body := do(t, "POST", srv.URL+"/emulator/faults", `{"status": 429, "count": 1, "retry_after": 7}`); status != 200 {
		t.Fatalf("POST /emulator/faults: %d %s", status, body)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/access/api/v1/system/ping", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("faulted call: %d Retry-After %q, want 429 and 7", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	// Reset with a body loads it; without, restores the seed.
	if status, body := do(t, "POST", srv.URL+"/emulator/reset", "groups:\n  - name: only\n"); status != 204 {
		t.Fatalf("reset with a state: %d %s", status, body)
	}
	if names := groupNames(emu.State()); names != "only" || emu.Calls().Total != 0 {
		t.Errorf("after reset with a state: groups %s, %d calls", names, emu.Calls().Total)
	}
	if status, body := do(t, "POST", srv.URL+"/emulator/reset", "groups: [{name: 'a b'}]"); status != 400 {
		t.Errorf("reset with a bad state: %d %s, want 400", status, body)
	}
	if status, _ := do(t, "POST", srv.URL+"/emulator/reset", ""); status != 204 {
		t.Fatal("reset failed")
	}
	if names := groupNames(emu.State()); names != "devs,everyone" {
		t.Errorf("after reset: groups %s, want the seed's", names)
	}
}

func TestErrorRateOption(t *testing.T) {
	emu, srv := start(t, emulator.Options{ErrorRate: 1})
	if status, _ := do(t, "GET", srv.URL+"/access/api/v1/system/ping", ""); status != 503 {
		t.Errorf("ping with error rate 1: %d, want 503", status)
	}
	if n := emu.Calls().Count("GET", "/api/v1/system/ping"); n != 1 {
		t.Errorf("faulted calls are counted: %d, want 1", n)
	}
}

// TestConcurrentUse runs writers and readers at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	emu, srv := start(t, emulator.Options{State: seeded()})
	c := client(t, srv, access.Options{})
	ctx := t.Context()
	const workers, each = 8, 15
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("u%d-%d", w, i)
				if _, err := c.CreateUser(ctx, access.CreateUserRequest{Username: name, Email: name + "@example.com", Password: "pw", Groups: []string{"devs"}}); err != nil {
					t.Error(err)
					return
				}
				if err := c.SetProjectUser(ctx, "web", name, []string{"Viewer"}); err != nil {
					t.Error(err)
				}
				if _, err := c.ListGroups(ctx); err != nil {
					t.Error(err)
				}
				if i%3 == 0 {
					if err := c.DeleteUser(ctx, name); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	st := emu.State()
	wantUsers := 2 + workers*(each-each/3)
	if len(st.Users) != wantUsers {
		t.Errorf("%d users, want %d", len(st.Users), wantUsers)
	}
	for _, g := range st.Groups {
		if g.Name == "devs" && len(g.Members) != wantUsers { // the seeded alice and bob are members too
			t.Errorf("devs has %d members, want %d", len(g.Members), wantUsers)
		}
	}
	if n := len(st.Projects[0].Members.Users); n != wantUsers {
		t.Errorf("web has %d user members, want %d", n, wantUsers)
	}
}

func ptr[T any](v T) *T { return &v }
