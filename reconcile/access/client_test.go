package access_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

// newEmulator starts a plain emulator (no validator) for client tests.
func newEmulator(t testing.TB, state emulator.State) (*emulator.Server, *httptest.Server) {
	t.Helper()
	emu, err := emulator.New(emulator.Options{Token: adminToken, State: state})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv
}

// observed records the client's request hook.
type observed struct {
	mu   sync.Mutex
	reqs []access.RequestInfo
}

func (o *observed) observe(ri access.RequestInfo) {
	o.mu.Lock()
	o.reqs = append(o.reqs, ri)
	o.mu.Unlock()
}

func (o *observed) statuses() []int {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []int
	for _, r := range o.reqs {
		out = append(out, r.StatusCode)
	}
	return out
}

func setFaults(t *testing.T, emu *emulator.Server, f emulator.Faults) {
	t.Helper()
	if err := emu.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	var obs observed
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Retries: 3, RetryBaseDelay: time.Millisecond, Observe: obs.observe})
	setFaults(t, emu, emulator.Faults{Status: 429, Count: 2, RetryAfter: 1})

	start := time.Now()
	if _, err := c.Ping(t.Context()); err != nil {
		t.Fatalf("ping after two 429s: %v", err)
	}
	// Two Retry-After: 1 waits; the backoff alone would be milliseconds.
	if elapsed := time.Since(start); elapsed < 1900*time.Millisecond {
		t.Errorf("two 429s with Retry-After: 1 took %v, want at least 2s", elapsed)
	}
	if got := fmt.Sprint(obs.statuses()); got != "[429 429 200]" {
		t.Errorf("statuses seen by the hook: %s, want [429 429 200]", got)
	}
}

func TestServiceUnavailableIsRetried(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Retries: 5, RetryBaseDelay: time.Millisecond})
	for _, status := range []int{502, 503, 504} {
		setFaults(t, emu, emulator.Faults{Status: status, Count: 3})
		if _, err := c.ListGroups(t.Context()); err != nil {
			t.Fatalf("list groups after three %ds: %v", status, err)
		}
	}
	if n := emu.Calls().Count("GET", "/api/v2/groups"); n != 12 {
		t.Errorf("calls: %d, want 12 (3 faults + 1 success, for 3 statuses)", n)
	}
}

func TestRetryCapGivesTypedError(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Retries: 2, RetryBaseDelay: time.Millisecond})
	setFaults(t, emu, emulator.Faults{Status: 503, Count: 10})

	err := c.DeleteUser(t.Context(), "alice")
	var apiErr *access.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, access.ErrServer) {
		t.Fatalf("error %v (%T), want an *APIError matching ErrServer", err, err)
	}
	if apiErr.StatusCode != 503 || apiErr.Attempts != 3 || apiErr.Method != "DELETE" || apiErr.Route != "/api/v2/users/{username}" {
		t.Errorf("error fields %+v, want DELETE /api/v2/users/{username} 503 after 3 attempts", apiErr)
	}
	if n := emu.Calls().Total; n != 3 {
		t.Errorf("calls: %d, want 3", n)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Retries: 5, RetryBaseDelay: time.Millisecond})
	setFaults(t, emu, emulator.Faults{Status: 500, Count: 1})
	if _, err := c.ListGroups(t.Context()); !errors.Is(err, access.ErrServer) {
		t.Fatalf("500: %v, want ErrServer", err)
	}
	if _, err := c.GetUser(t.Context(), "nobody"); !errors.Is(err, access.ErrNotFound) {
		t.Fatalf("unknown user: %v, want ErrNotFound", err)
	}
	if n := emu.Calls().Total; n != 2 {
		t.Errorf("calls: %d, want 2: neither 500 nor 404 is retried", n)
	}
}

func TestCancelStopsACallPromptly(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Retries: 5})
	setFaults(t, emu, emulator.Faults{Latency: emulator.Duration(30 * time.Second)})

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListGroups(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("cancelled call returned after %v; the server would have taken 30s", elapsed)
	}
}

func TestPerRequestTimeoutIsRetried(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Timeout: 100 * time.Millisecond, Retries: 1, RetryBaseDelay: time.Millisecond})
	setFaults(t, emu, emulator.Faults{Latency: emulator.Duration(5 * time.Second)})
	_, err := c.ListGroups(t.Context())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("error %v, want a deadline exceeded after 2 attempts", err)
	}
}

func TestRateLimiterBoundsTheRate(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{})
	c := newClient(t, srv.URL, access.Options{Token: adminToken, RateLimit: 20})

	// With 20 requests per second and a burst of 1, 21 requests need at
	// least one second however many goroutines send them.
	const workers, requests = 4, 21
	var wg sync.WaitGroup
	jobs := make(chan struct{}, requests)
	for range requests {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for range jobs {
				if _, err := c.Ping(t.Context()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("%d requests at 20/s took %v, want at least 1s", requests, elapsed)
	}
	if n := emu.Calls().Total; n != requests {
		t.Errorf("calls: %d, want %d", n, requests)
	}
}

func TestNetworkErrorIsRetriedAndNamesTheRoute(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	var obs observed
	c := newClient(t, "http://"+addr, access.Options{Token: "s3cr3t-token", Retries: 2, RetryBaseDelay: time.Millisecond, Observe: obs.observe})
	_, err = c.GetGroup(t.Context(), "developers")
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	msg := err.Error()
	if !strings.Contains(msg, "GET /api/v2/groups/{groupName}") || !strings.Contains(msg, "after 3 attempts") {
		t.Errorf("error %q: want the route and the attempts", msg)
	}
	if strings.Contains(msg, "s3cr3t-token") {
		t.Errorf("error %q holds the token", msg)
	}
	if got := fmt.Sprint(obs.statuses()); got != "[0 0 0]" {
		t.Errorf("hook statuses %s, want [0 0 0]", got)
	}
}

func TestErrorsNeverHoldCredentials(t *testing.T) {
	// A server that echoes the credentials it got in its error message.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errors":[{"code":"BAD_REQUEST","message":"got %q, user %s, password %s"}]}`, r.Header.Get("Authorization"), user, pass)
	}))
	defer echo.Close()
	for _, opts := range []access.Options{
		{Token: "tok-9f8e7d6c5b4a"},
		{Username: "jfsync", Password: "pw-1a2b3c4d5e6f"},
	} {
		c := newClient(t, echo.URL, opts)
		_, err := c.GetUser(t.Context(), "alice")
		if !errors.Is(err, access.ErrBadRequest) {
			t.Fatalf("error %v, want ErrBadRequest", err)
		}
		for _, secret := range []string{opts.Token, opts.Password} {
			if secret != "" && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds a secret", err)
			}
		}
		if !strings.Contains(err.Error(), "[REDACTED]") {
			t.Errorf("error %q: want the secret replaced by [REDACTED]", err)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts access.Options
		want string
	}{
		{"no scheme", access.Options{URL: "acme.jfrog.io", Token: "t"}, "want http:// or https://"},
		{"credentials in url", access.Options{URL: "https://u:hunter2@acme.jfrog.io", Token: "t"}, "credentials in the URL"},
		{"no credentials", access.Options{URL: "https://acme.jfrog.io"}, "set a token"},
		{"user without password", access.Options{URL: "https://acme.jfrog.io", Username: "u"}, "set a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := access.New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q holds the password", err)
			}
		})
	}
}

func TestListUsersFollowsPages(t *testing.T) {
	var state emulator.State
	for i := range 250 {
		state.Users = append(state.Users, emulator.StateUser{Username: fmt.Sprintf("user%03d", i), Email: fmt.Sprintf("user%03d@example.com", i)})
	}
	emu, srv := newEmulator(t, state)
	c := newClient(t, srv.URL, access.Options{Token: adminToken, PageSize: 100})
	users, err := c.ListUsers(t.Context(), access.ListUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 250 || users[0].Username != "user000" || users[249].Username != "user249" {
		t.Fatalf("got %d users, want user000..user249", len(users))
	}
	if n := emu.Calls().Count("GET", "/api/v2/users"); n != 3 {
		t.Errorf("list calls: %d, want 3 pages", n)
	}
}

func TestListUsersRejectsAServerThatIgnoresOffset(t *testing.T) {
	same := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"users":[{"username":"a"},{"username":"b"}]}`)
	}))
	defer same.Close()
	c := newClient(t, same.URL, access.Options{Token: "t", PageSize: 2})
	_, err := c.ListUsers(t.Context(), access.ListUsersOptions{})
	if err == nil || !strings.Contains(err.Error(), "returned twice") {
		t.Fatalf("error %v, want a paging error", err)
	}
}

func TestObserverSeesRouteTemplates(t *testing.T) {
	emu, srv := newEmulator(t, emulator.State{Groups: []emulator.StateGroup{{Name: "devs"}}})
	var obs observed
	c := newClient(t, srv.URL, access.Options{Token: adminToken, Observe: obs.observe})
	c.GetGroup(t.Context(), "devs")
	c.GetGroup(t.Context(), "ghosts")
	c.ListProjectUsers(t.Context(), "web")

	got := map[string]int{}
	for _, r := range obs.reqs {
		got[fmt.Sprintf("%s %s %d", r.Method, r.Route, r.StatusCode)]++
		if r.Duration <= 0 {
			t.Errorf("%s %s: duration %v", r.Method, r.Route, r.Duration)
		}
	}
	want := map[string]int{}
	for _, cc := range emu.Calls().Calls {
		want[fmt.Sprintf("%s %s %d", cc.Method, cc.Route, cc.Status)] += cc.Count
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 3 {
		t.Errorf("hook saw %v, emulator saw %v", got, want)
	}
}
