// Package emulator is an in-memory JFrog Access server: every operation of
// the OpenAPI file in reconcile/access, plus the project member lists, under
// /access, with the spec's authentication, validation, side effects and
// referential integrity. It serves the quickstart, the benchmarks, the tests
// and `jfsync emulator`.
//
// Error answers have the body {"errors": [{"code": ..., "message": ...}]}.
// Statuses are those the spec declares for each operation, apart from:
// 401 and 403 (the spec's security), 413 (a body over 1 MiB), injected
// faults (429, 5xx), 400 for a body that cannot be accepted on every
// operation that takes one (as the real service answers, even where the spec
// lists only 404), and 404 for an unknown project or group in
// addGroupToProject and removeGroupFromProject, for which the spec lists no
// error at all.
//
// Test hooks live under /emulator/ and need the admin credentials:
// GET /emulator/state, GET /emulator/calls, GET and POST /emulator/faults,
// POST /emulator/reset.
package emulator

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jfsync/jfsync/reconcile/access"
)

// Options configures a Server.
type Options struct {
	// Token is the admin bearer token. Required.
	Token string
	// AdminPassword is the password of the basic-auth user "admin"
	// (default: Token).
	AdminPassword string
	// State seeds the server; /emulator/reset restores it.
	State State
	// Latency is added to every API call.
	Latency time.Duration
	// ErrorRate is the fraction of API calls answered 503.
	ErrorRate float64
	// Version is what getSystemVersion answers (default "emulator").
	Version string
	// Logger logs each API call at debug level (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// maxBodyBytes is the largest request body accepted; more is 413.
const maxBodyBytes = 1 << 20

// Server is the emulator, an http.Handler. It is safe for concurrent use.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	calls  *callLog
	faults *faultInjector

	mu    sync.Mutex
	store *store
	seed  State
}

// New returns a server seeded with opts.State.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, fmt.Errorf("emulator: an admin token is required")
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = opts.Token
	}
	if opts.Version == "" {
		opts.Version = "emulator"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st, err := newStore(opts.State, opts.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:   opts,
		calls:  newCallLog(),
		faults: newFaultInjector(Faults{Latency: Duration(opts.Latency), Status: http.StatusServiceUnavailable, Rate: opts.ErrorRate}),
		store:  st,
		seed:   opts.State,
	}
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP serves the API under /access and the test hooks under
// /emulator.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// State returns a snapshot of the server's objects.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.dump()
}

// Calls returns the API calls received so far.
func (s *Server) Calls() Calls { return s.calls.snapshot() }

// Reset restores the seed state and clears the call log and the faults.
func (s *Server) Reset() error { return s.resetTo(s.seed) }

// Load replaces the state (the seed that Reset restores stays the same) and
// clears the call log and the faults.
func (s *Server) Load(state State) error { return s.resetTo(state) }

func (s *Server) resetTo(state State) error {
	st, err := newStore(state, s.opts.Now)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.store = st
	s.mu.Unlock()
	s.calls.reset()
	s.faults.set(Faults{})
	return nil
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.faults.set(f)
	return nil
}

// api registers an API operation at the route template (below /access):
// each call is logged, counted, may meet an injected fault, and is
// authenticated before handle runs.
type handler func(w http.ResponseWriter, r *http.Request, p principal)

func (s *Server) api(mux *http.ServeMux, method, route string, h handler) {
	mux.HandleFunc(method+" /access"+route, func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		defer func() {
			s.calls.add(method, route, rec.status)
			s.opts.Logger.Debug("emulator call", "method", method, "route", route, "status", rec.status, "duration", time.Since(start))
		}()
		if s.faults.inject(rec, r) {
			return
		}
		p, ok := s.authenticate(r)
		if !ok {
			rec.Header().Set("WWW-Authenticate", `Bearer realm="jfrog-access"`)
			writeError(rec, http.StatusUnauthorized, "missing, unknown, expired or revoked credentials")
			return
		}
		r.Body = http.MaxBytesReader(rec, r.Body, maxBodyBytes)
		h(rec, r, p)
	})
}

// admin wraps a handler that only admins may call.
func admin(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		if !p.admin {
			writeError(w, http.StatusForbidden, fmt.Sprintf("%s is not an admin", p.subject))
			return
		}
		h(w, r, p)
	}
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	s.api(mux, "GET", "/api/v1/system/ping", s.ping)
	s.api(mux, "GET", "/api/v1/system/version", s.version)

	s.api(mux, "GET", "/api/v2/tokens", s.serve(200, func(st *store, r *http.Request, p principal) (any, error) {
		q := r.URL.Query()
		return map[string][]access.TokenInfo{"tokens": st.listTokens(p, q.Get("subject"), q.Get("token_id"))}, nil
	}))
	s.api(mux, "POST", "/api/v2/tokens", serveBody(s, 200, func(st *store, _ *http.Request, p principal, req access.CreateTokenRequest) (any, error) {
		return nilIfErr(st.createToken(p, req))
	}))
	s.api(mux, "GET", "/api/v2/tokens/{tokenId}", s.serve(200, func(st *store, r *http.Request, p principal) (any, error) {
		t, err := st.token(p, r.PathValue("tokenId"))
		if err != nil {
			return nil, err
		}
		return t.TokenInfo, nil
	}))
	s.api(mux, "DELETE", "/api/v2/tokens/{tokenId}", s.serve(200, func(st *store, r *http.Request, p principal) (any, error) {
		return nil, st.revokeToken(p, r.PathValue("tokenId"))
	}))

	s.api(mux, "GET", "/api/v2/users", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		q := r.URL.Query()
		// listUsers declares no 400: a limit or offset that is not a
		// non-negative number falls back to its default.
		limit := queryInt(q.Get("limit"), 100)
		if limit == 0 {
			limit = 100
		}
		return map[string][]access.User{"users": st.listUsers(q.Get("status"), limit, queryInt(q.Get("offset"), 0))}, nil
	})))
	s.api(mux, "POST", "/api/v2/users", admin(serveBody(s, 201, func(st *store, _ *http.Request, _ principal, req access.CreateUserRequest) (any, error) {
		return nilIfErr(st.createUser(req))
	})))
	s.api(mux, "GET", "/api/v2/users/{username}", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		return nilIfErr(st.getUser(r.PathValue("username")))
	})))
	s.api(mux, "PATCH", "/api/v2/users/{username}", admin(serveBody(s, 200, func(st *store, r *http.Request, _ principal, req access.UpdateUserRequest) (any, error) {
		return nil, st.updateUser(r.PathValue("username"), req)
	})))
	s.api(mux, "DELETE", "/api/v2/users/{username}", admin(s.serve(204, func(st *store, r *http.Request, _ principal) (any, error) {
		return nil, st.deleteUser(r.PathValue("username"))
	})))

	s.api(mux, "GET", "/api/v2/groups", admin(s.serve(200, func(st *store, _ *http.Request, _ principal) (any, error) {
		return map[string][]access.Group{"groups": st.listGroups()}, nil
	})))
	s.api(mux, "POST", "/api/v2/groups", admin(serveBody(s, 201, func(st *store, _ *http.Request, _ principal, req access.Group) (any, error) {
		return nil, st.createGroup(req)
	})))
	s.api(mux, "GET", "/api/v2/groups/{groupName}", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		return nilIfErr(st.getGroup(r.PathValue("groupName")))
	})))
	s.api(mux, "PATCH", "/api/v2/groups/{groupName}", admin(serveBody(s, 200, func(st *store, r *http.Request, _ principal, req access.GroupUpdate) (any, error) {
		return nil, st.updateGroup(r.PathValue("groupName"), req)
	})))
	s.api(mux, "DELETE", "/api/v2/groups/{groupName}", admin(s.serve(204, func(st *store, r *http.Request, _ principal) (any, error) {
		return nil, st.deleteGroup(r.PathValue("groupName"))
	})))

	s.api(mux, "GET", "/api/v2/permissions", admin(s.serve(200, func(st *store, _ *http.Request, _ principal) (any, error) {
		return map[string][]access.Permission{"permissions": st.listPermissions()}, nil
	})))
	s.api(mux, "POST", "/api/v2/permissions", admin(serveBody(s, 201, func(st *store, _ *http.Request, _ principal, req access.Permission) (any, error) {
		return nil, st.createPermission(req)
	})))
	s.api(mux, "GET", "/api/v2/permissions/{permissionName}", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		return nilIfErr(st.getPermission(r.PathValue("permissionName")))
	})))
	s.api(mux, "PUT", "/api/v2/permissions/{permissionName}", admin(serveBody(s, 200, func(st *store, r *http.Request, _ principal, req access.Permission) (any, error) {
		return nil, st.updatePermission(r.PathValue("permissionName"), req)
	})))
	s.api(mux, "DELETE", "/api/v2/permissions/{permissionName}", admin(s.serve(204, func(st *store, r *http.Request, _ principal) (any, error) {
		return nil, st.deletePermission(r.PathValue("permissionName"))
	})))

	s.api(mux, "GET", "/api/v1/projects", admin(s.serve(200, func(st *store, _ *http.Request, _ principal) (any, error) {
		return st.listProjects(), nil
	})))
	s.api(mux, "POST", "/api/v1/projects", admin(serveBody(s, 201, func(st *store, _ *http.Request, _ principal, req access.ProjectRequest) (any, error) {
		return nilIfErr(st.createProject(req))
	})))
	s.api(mux, "GET", "/api/v1/projects/{projectKey}", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		p, err := st.project(r.PathValue("projectKey"))
		if err != nil {
			return nil, err
		}
		return p.view(), nil
	})))
	s.api(mux, "PUT", "/api/v1/projects/{projectKey}", admin(serveBody(s, 200, func(st *store, r *http.Request, _ principal, req access.ProjectRequest) (any, error) {
		return nil, st.updateProject(r.PathValue("projectKey"), req)
	})))
	s.api(mux, "DELETE", "/api/v1/projects/{projectKey}", admin(s.serve(204, func(st *store, r *http.Request, _ principal) (any, error) {
		return nil, st.deleteProject(r.PathValue("projectKey"))
	})))
	s.api(mux, "GET", "/api/v1/projects/{projectKey}/users", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		return st.projectMembers(r.PathValue("projectKey"), userMembers)
	})))
	s.api(mux, "GET", "/api/v1/projects/{projectKey}/groups", admin(s.serve(200, func(st *store, r *http.Request, _ principal) (any, error) {
		return st.projectMembers(r.PathValue("projectKey"), groupMembers)
	})))
	s.api(mux, "PUT", "/api/v1/projects/{projectKey}/users/{username}", admin(serveBody(s, 200, func(st *store, r *http.Request, _ principal, req access.ProjectRoles) (any, error) {
		return nil, st.setProjectMember(r.PathValue("projectKey"), userMembers, r.PathValue("username"), req.Roles)
	})))
	s.api(mux, "DELETE", "/api/v1/projects/{projectKey}/users/{username}", admin(s.serve(204, func(st *store, r *http.Request, _ principal) (any, error) {
		return nil, st.removeProjectMember(r.PathValue("projectKey"), userMembers, r.PathValue("username"))
	})))
	s.api(mux, "PUT", "/api/v1/projects/{projectKey}/groups/{groupName}", admin(serveBody(s, 200, func(st *store, r *http.Request, _ principal, req access.ProjectRoles) (any, error) {
		return nil, st.setProjectMember(r.PathValue("projectKey"), groupMembers, r.PathValue("groupName"), req.Roles)
	})))
	s.api(mux, "DELETE", "/api/v1/projects/{projectKey}/groups/{groupName}", admin(s.serve(204, func(st *store, r *http.Request, _ principal) (any, error) {
		return nil, st.removeProjectMember(r.PathValue("projectKey"), groupMembers, r.PathValue("groupName"))
	})))

	s.hook(mux, "GET /emulator/state", s.getState)
	s.hook(mux, "GET /emulator/calls", s.getCalls)
	s.hook(mux, "GET /emulator/faults", s.getFaults)
	s.hook(mux, "POST /emulator/faults", s.postFaults)
	s.hook(mux, "DELETE /emulator/faults", s.deleteFaults)
	s.hook(mux, "POST /emulator/reset", s.postReset)
	return mux
}

// withStore runs f with the store locked.
func (s *Server) withStore(f func(st *store)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.store)
}

// statusRecorder remembers the status a handler wrote, for the call log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// key is the canonical key of a username or group name: they are matched
// case-insensitively.
func key(name string) string { return strings.ToLower(name) }
