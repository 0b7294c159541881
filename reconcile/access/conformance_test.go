package access_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

const adminToken = "conformance-admin-token"

// step is one call of the conformance script.
type step struct {
	name string
	do   func(ctx context.Context) error
	want error // a sentinel of package access, or nil
	// requestInvalid: the request breaks the spec on purpose.
	requestInvalid bool
	// allow: statuses outside the spec the step expects (see the emulator's
	// package documentation).
	allow []int
}

func newClient(t testing.TB, url string, opts access.Options) *access.Client {
	t.Helper()
	opts.URL = url
	if opts.UserAgent == "" {
		opts.UserAgent = "jfsync/test"
	}
	c, err := access.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func check[T any](what string, got, want T) error {
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s = %+v, want %+v", what, got, want)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// TestConformance drives every operation through the client against the
// emulator, success and every documented error status, while every request
// and response is validated against the OpenAPI file.
func TestConformance(t *testing.T) {
	v, srv, _ := newValidatedEmulator(t, emulator.Options{Token: adminToken, AdminPassword: "admin-pw"})
	admin := newClient(t, srv.URL, access.Options{Token: adminToken})
	basic := newClient(t, srv.URL, access.Options{Username: "admin", Password: "admin-pw"})
	paged := newClient(t, srv.URL, access.Options{Token: adminToken, PageSize: 1})
	wrong := newClient(t, srv.URL, access.Options{Token: "not-a-token"})
	var bob *access.Client
	var bobTokenID string

	steps := []step{
		{name: "ping", do: func(ctx context.Context) error {
			s, err := admin.Ping(ctx)
			if err != nil {
				return err
			}
			return check("ping", s, "OK")
		}},
		{name: "version", do: func(ctx context.Context) error {
			ver, err := basic.Version(ctx)
			if err != nil {
				return err
			}
			if ver.Version == "" {
				return errors.New("empty version")
			}
			return nil
		}},
		{name: "create group", do: func(ctx context.Context) error {
			return admin.CreateGroup(ctx, access.Group{Name: "developers", Description: "All developers", AutoJoin: true})
		}},
		{name: "create group with a slash", do: func(ctx context.Context) error {
			return admin.CreateGroup(ctx, access.Group{Name: "team/ops"})
		}},
		{name: "create group twice, other case", want: access.ErrConflict, do: func(ctx context.Context) error {
			return admin.CreateGroup(ctx, access.Group{Name: "Developers"})
		}},
		{name: "create group with an unknown member", want: access.ErrBadRequest, do: func(ctx context.Context) error {
			return admin.CreateGroup(ctx, access.Group{Name: "qa", Members: []string{"ghost"}})
		}},
		{name: "create user", do: func(ctx context.Context) error {
			u, err := admin.CreateUser(ctx, access.CreateUserRequest{Username: "alice", Email: "alice@example.com", Password: "pw-alice-1", Groups: []string{"team/ops"}})
			if err != nil {
				return err
			}
			// developers is auto_join: a new user joins it.
			return check("alice.groups", u.Groups, []string{"developers", "team/ops"})
		}},
		{name: "create user with an email username", do: func(ctx context.Context) error {
			_, err := admin.CreateUser(ctx, access.CreateUserRequest{Username: "bob@example.com", Email: "bob@example.com", Password: "pw-bob-1", Admin: ptr(false)})
			return err
		}},
		{name: "create user twice, other case", want: access.ErrConflict, do: func(ctx context.Context) error {
			_, err := admin.CreateUser(ctx, access.CreateUserRequest{Username: "ALICE", Email: "a@example.com", Password: "x"})
			return err
		}},
		{name: "create user in an unknown group", want: access.ErrBadRequest, do: func(ctx context.Context) error {
			_, err := admin.CreateUser(ctx, access.CreateUserRequest{Username: "carol", Email: "carol@example.com", Password: "x", Groups: []string{"ghosts"}})
			return err
		}},
		{name: "get user", do: func(ctx context.Context) error {
			u, err := admin.GetUser(ctx, "Alice")
			if err != nil {
				return err
			}
			want := access.User{Username: "alice", Email: "alice@example.com", ProfileUpdatable: true, Status: "enabled",
				Groups: []string{"developers", "team/ops"}, Realm: "internal", Created: u.Created}
			return check("alice", u, want)
		}},
		{name: "get unknown user", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.GetUser(ctx, "ghost")
			return err
		}},
		{name: "list users page by page", do: func(ctx context.Context) error {
			users, err := paged.ListUsers(ctx, access.ListUsersOptions{})
			if err != nil {
				return err
			}
			var names []string
			for _, u := range users {
				names = append(names, u.Username)
			}
			return check("users", names, []string{"alice", "bob@example.com"})
		}},
		{name: "list users by status", do: func(ctx context.Context) error {
			users, err := admin.ListUsers(ctx, access.ListUsersOptions{Status: "disabled"})
			if err != nil {
				return err
			}
			return check("disabled users", len(users), 0)
		}},
		{name: "update user", do: func(ctx context.Context) error {
			if err := admin.UpdateUser(ctx, "alice", access.UpdateUserRequest{Email: ptr("alice@corp.example.com"), Status: ptr("disabled")}); err != nil {
				return err
			}
			u, err := admin.GetUser(ctx, "alice")
			if err != nil {
				return err
			}
			return check("alice email, status", [2]string{u.Email, u.Status}, [2]string{"alice@corp.example.com", "disabled"})
		}},
		{name: "update unknown user", want: access.ErrNotFound, do: func(ctx context.Context) error {
			return admin.UpdateUser(ctx, "ghost", access.UpdateUserRequest{Admin: ptr(true)})
		}},
		{name: "get group", do: func(ctx context.Context) error {
			g, err := admin.GetGroup(ctx, "developers")
			if err != nil {
				return err
			}
			return check("developers", g, access.Group{Name: "developers", Description: "All developers", AutoJoin: true, Members: []string{"alice", "bob@example.com"}})
		}},
		{name: "get group with a slash", do: func(ctx context.Context) error {
			g, err := admin.GetGroup(ctx, "team/ops")
			if err != nil {
				return err
			}
			return check("team/ops members", g.Members, []string{"alice"})
		}},
		{name: "get unknown group", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.GetGroup(ctx, "ghosts")
			return err
		}},
		{name: "list groups with basic auth", do: func(ctx context.Context) error {
			groups, err := basic.ListGroups(ctx)
			if err != nil {
				return err
			}
			return check("groups", len(groups), 2)
		}},
		{name: "update group members", do: func(ctx context.Context) error {
			if err := admin.UpdateGroup(ctx, access.GroupUpdate{Name: "developers", Members: &[]string{"BOB@example.com"}, AutoJoin: ptr(false)}); err != nil {
				return err
			}
			u, err := admin.GetUser(ctx, "alice")
			if err != nil {
				return err
			}
			// One relation: the group's members and the user's groups agree.
			return check("alice.groups", u.Groups, []string{"team/ops"})
		}},
		{name: "update unknown group", want: access.ErrNotFound, do: func(ctx context.Context) error {
			return admin.UpdateGroup(ctx, access.GroupUpdate{Name: "ghosts", Description: ptr("x")})
		}},
		{name: "create permission", do: func(ctx context.Context) error {
			return admin.CreatePermission(ctx, devRepos([]string{"read", "write"}))
		}},
		{name: "create permission twice", want: access.ErrConflict, do: func(ctx context.Context) error {
			return admin.CreatePermission(ctx, devRepos(nil))
		}},
		{name: "create permission for an unknown user", want: access.ErrBadRequest, do: func(ctx context.Context) error {
			p := devRepos(nil)
			p.Name = "other"
			p.Resources.Repository["libs-release-local"].Actions.Users["ghost"] = []string{"read"}
			return admin.CreatePermission(ctx, p)
		}},
		{name: "get permission", do: func(ctx context.Context) error {
			p, err := admin.GetPermission(ctx, "dev-repos")
			if err != nil {
				return err
			}
			return check("dev-repos", p, devRepos([]string{"read", "write"}))
		}},
		{name: "get unknown permission", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.GetPermission(ctx, "ghost")
			return err
		}},
		{name: "list permissions", do: func(ctx context.Context) error {
			perms, err := admin.ListPermissions(ctx)
			if err != nil {
				return err
			}
			return check("permissions", len(perms), 1)
		}},
		{name: "update permission", do: func(ctx context.Context) error {
			if err := admin.UpdatePermission(ctx, devRepos([]string{"read"})); err != nil {
				return err
			}
			p, err := admin.GetPermission(ctx, "dev-repos")
			if err != nil {
				return err
			}
			return check("dev-repos", p, devRepos([]string{"read"}))
		}},
		{name: "update unknown permission", want: access.ErrNotFound, do: func(ctx context.Context) error {
			p := devRepos(nil)
			p.Name = "ghost"
			return admin.UpdatePermission(ctx, p)
		}},
		{name: "create project", do: func(ctx context.Context) error {
			p, err := admin.CreateProject(ctx, webProject("Web Team"))
			if err != nil {
				return err
			}
			return check("storage_quota_bytes", *p.StorageQuotaBytes, int64(10)<<30)
		}},
		{name: "create project twice", want: access.ErrConflict, do: func(ctx context.Context) error {
			_, err := admin.CreateProject(ctx, webProject("Again"))
			return err
		}},
		{name: "create project with a bad key", want: access.ErrBadRequest, do: func(ctx context.Context) error {
			_, err := admin.CreateProject(ctx, access.ProjectRequest{ProjectKey: "Web_Team", DisplayName: "Web"})
			return err
		}},
		{name: "get project", do: func(ctx context.Context) error {
			p, err := admin.GetProject(ctx, "web")
			if err != nil {
				return err
			}
			return check("display_name", p.DisplayName, "Web Team")
		}},
		{name: "get unknown project", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.GetProject(ctx, "ghost")
			return err
		}},
		{name: "list projects", do: func(ctx context.Context) error {
			ps, err := admin.ListProjects(ctx)
			if err != nil {
				return err
			}
			return check("projects", len(ps), 1)
		}},
		{name: "update project", do: func(ctx context.Context) error {
			if err := admin.UpdateProject(ctx, webProject("Web")); err != nil {
				return err
			}
			p, err := admin.GetProject(ctx, "web")
			if err != nil {
				return err
			}
			return check("display_name", p.DisplayName, "Web")
		}},
		{name: "update unknown project", want: access.ErrNotFound, do: func(ctx context.Context) error {
			p := webProject("x")
			p.ProjectKey = "ghost"
			return admin.UpdateProject(ctx, p)
		}},
		{name: "add user to project", do: func(ctx context.Context) error {
			return admin.SetProjectUser(ctx, "web", "alice", []string{"Developer", "Viewer"})
		}},
		{name: "add unknown user to project", want: access.ErrNotFound, do: func(ctx context.Context) error {
			return admin.SetProjectUser(ctx, "web", "ghost", []string{"Developer"})
		}},
		{name: "add group to project", do: func(ctx context.Context) error {
			return admin.SetProjectGroup(ctx, "web", "team/ops", []string{"Viewer"})
		}},
		{name: "add unknown group to project", want: access.ErrNotFound, allow: []int{404}, do: func(ctx context.Context) error {
			return admin.SetProjectGroup(ctx, "web", "ghosts", []string{"Viewer"})
		}},
		{name: "list project users", do: func(ctx context.Context) error {
			m, err := admin.ListProjectUsers(ctx, "web")
			if err != nil {
				return err
			}
			return check("web users", m, []access.ProjectMember{{Name: "alice", Roles: []string{"Developer", "Viewer"}}})
		}},
		{name: "list users of unknown project", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.ListProjectUsers(ctx, "ghost")
			return err
		}},
		{name: "list project groups", do: func(ctx context.Context) error {
			m, err := admin.ListProjectGroups(ctx, "web")
			if err != nil {
				return err
			}
			return check("web groups", m, []access.ProjectMember{{Name: "team/ops", Roles: []string{"Viewer"}}})
		}},
		{name: "list groups of unknown project", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.ListProjectGroups(ctx, "ghost")
			return err
		}},
		{name: "remove user from project", do: func(ctx context.Context) error {
			return admin.RemoveProjectUser(ctx, "web", "alice")
		}},
		{name: "remove non-member user from project", want: access.ErrNotFound, do: func(ctx context.Context) error {
			return admin.RemoveProjectUser(ctx, "web", "alice")
		}},
		{name: "remove group from project", do: func(ctx context.Context) error {
			return admin.RemoveProjectGroup(ctx, "web", "team/ops")
		}},
		{name: "remove non-member group from project", want: access.ErrNotFound, allow: []int{404}, do: func(ctx context.Context) error {
			return admin.RemoveProjectGroup(ctx, "web", "team/ops")
		}},
		{name: "create token", do: func(ctx context.Context) error {
			tok, err := admin.CreateToken(ctx, access.CreateTokenRequest{Subject: "user/bob@example.com", Scope: "applied-permissions/user", Description: "bob's CI", ExpiresIn: ptr(int64(3600))})
			if err != nil {
				return err
			}
			if tok.AccessToken == "" || tok.TokenID == "" {
				return fmt.Errorf("token answer misses the token or its id: %+v", tok.TokenID)
			}
			bobTokenID = tok.TokenID
			bob = newClient(t, srv.URL, access.Options{Token: tok.AccessToken})
			return nil
		}},
		{name: "create token with an unknown scope", want: access.ErrBadRequest, do: func(ctx context.Context) error {
			_, err := admin.CreateToken(ctx, access.CreateTokenRequest{Scope: "everything"})
			return err
		}},
		{name: "create token with a wrong token", want: access.ErrUnauthorized, do: func(ctx context.Context) error {
			_, err := wrong.CreateToken(ctx, access.CreateTokenRequest{Scope: "applied-permissions/user"})
			return err
		}},
		{name: "list tokens", do: func(ctx context.Context) error {
			toks, err := admin.ListTokens(ctx, access.ListTokensOptions{Subject: "user/bob@example.com"})
			if err != nil {
				return err
			}
			return check("token ids", ids(toks), []string{bobTokenID})
		}},
		{name: "list tokens with a wrong token", want: access.ErrUnauthorized, do: func(ctx context.Context) error {
			_, err := wrong.ListTokens(ctx, access.ListTokensOptions{})
			return err
		}},
		{name: "non-admin lists its own tokens", do: func(ctx context.Context) error {
			if _, err := admin.CreateToken(ctx, access.CreateTokenRequest{Subject: "user/alice", Scope: "applied-permissions/user"}); err != nil {
				return err
			}
			toks, err := bob.ListTokens(ctx, access.ListTokensOptions{})
			if err != nil {
				return err
			}
			return check("bob's tokens", ids(toks), []string{bobTokenID})
		}},
		{name: "non-admin on an admin operation", want: access.ErrForbidden, allow: []int{403}, do: func(ctx context.Context) error {
			_, err := bob.ListUsers(ctx, access.ListUsersOptions{})
			return err
		}},
		{name: "get token", do: func(ctx context.Context) error {
			info, err := bob.GetToken(ctx, bobTokenID)
			if err != nil {
				return err
			}
			return check("subject", info.Subject, "user/bob@example.com")
		}},
		{name: "get unknown token", want: access.ErrNotFound, do: func(ctx context.Context) error {
			_, err := admin.GetToken(ctx, "ghost")
			return err
		}},
		{name: "revoke token", do: func(ctx context.Context) error {
			return admin.RevokeToken(ctx, bobTokenID)
		}},
		{name: "revoke token twice", want: access.ErrNotFound, do: func(ctx context.Context) error {
			return admin.RevokeToken(ctx, bobTokenID)
		}},
		{name: "revoked token", want: access.ErrUnauthorized, allow: []int{401}, do: func(ctx context.Context) error {
			_, err := bob.Ping(ctx)
			return err
		}},
		{name: "delete project", do: func(ctx context.Context) error { return admin.DeleteProject(ctx, "web") }},
		{name: "delete unknown project", want: access.ErrNotFound, do: func(ctx context.Context) error { return admin.DeleteProject(ctx, "web") }},
		{name: "delete permission", do: func(ctx context.Context) error { return admin.DeletePermission(ctx, "dev-repos") }},
		{name: "delete unknown permission", want: access.ErrNotFound, do: func(ctx context.Context) error { return admin.DeletePermission(ctx, "dev-repos") }},
		{name: "delete group", do: func(ctx context.Context) error { return admin.DeleteGroup(ctx, "team/ops") }},
		{name: "delete unknown group", want: access.ErrNotFound, do: func(ctx context.Context) error { return admin.DeleteGroup(ctx, "team/ops") }},
		{name: "delete user", do: func(ctx context.Context) error { return admin.DeleteUser(ctx, "alice") }},
		{name: "delete unknown user", want: access.ErrNotFound, do: func(ctx context.Context) error { return admin.DeleteUser(ctx, "alice") }},
	}

	for _, s := range steps {
		v.expect(s.requestInvalid, s.allow...)
		err := s.do(t.Context())
		if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
			t.Errorf("%s: error %v, want %v", s.name, err, s.want)
		}
		for _, viol := range v.takeViolations() {
			t.Errorf("%s: %s", s.name, viol)
		}
	}

	for _, ds := range declaredStatuses(t) {
		if !v.seen[ds] {
			t.Errorf("not exercised: %s", ds)
		}
	}
	if !v.userAgents["jfsync/test"] || len(v.userAgents) != 1 {
		t.Errorf("user agents seen: %v, want only jfsync/test", v.userAgents)
	}
}

// TestConformanceUnauthenticated checks that every operation answers 401,
// with the error body, to a request without credentials.
func TestConformanceUnauthenticated(t *testing.T) {
	v, srv, _ := newValidatedEmulator(t, emulator.Options{Token: adminToken})
	v.expect(true, http.StatusUnauthorized)
	for _, r := range everyRoute(t) {
		req, err := http.NewRequest(r.method, srv.URL+"/access"+r.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401", r.method, r.path, resp.StatusCode)
		}
	}
	for _, viol := range v.takeViolations() {
		t.Error(viol)
	}
}

type route struct{ method, path string }

// everyRoute returns one concrete request path per operation of the specs.
func everyRoute(t *testing.T) []route {
	var out []route
	for _, data := range [][]byte{access.OpenAPISpec(), access.ExtensionSpec()} {
		doc := loadSpec(t, data)
		for _, path := range doc.Paths.InMatchingOrder() {
			for method := range doc.Paths.Value(path).Operations() {
				out = append(out, route{method, fillPath(path)})
			}
		}
	}
	if len(out) < 30 {
		t.Fatalf("only %d operations in the specs", len(out))
	}
	return out
}

// fillPath replaces the parameters of a path template with values.
func fillPath(template string) string {
	var out []byte
	for i := 0; i < len(template); i++ {
		if template[i] != '{' {
			out = append(out, template[i])
			continue
		}
		for i < len(template) && template[i] != '}' {
			i++
		}
		out = append(out, 'x')
	}
	return string(out)
}

func ids(toks []access.TokenInfo) []string {
	var out []string
	for _, t := range toks {
		out = append(out, t.TokenID)
	}
	slices.Sort(out)
	return out
}

func devRepos(actions []string) access.Permission {
	if actions == nil {
		actions = []string{"read"}
	}
	return access.Permission{Name: "dev-repos", Resources: access.PermissionResources{
		Repository: map[string]access.PermissionTarget{"libs-release-local": {
			IncludePatterns: []string{"**"},
			Actions: access.PermissionActions{
				Users:  map[string][]string{"alice": actions},
				Groups: map[string][]string{"developers": {"annotate", "read"}},
			},
		}},
		Build: map[string]access.PermissionTarget{"artifactory-build-info": {
			IncludePatterns: []string{"**"},
			Actions:         access.PermissionActions{Groups: map[string][]string{"developers": {"read"}}},
		}},
	}}
}

func webProject(display string) access.ProjectRequest {
	return access.ProjectRequest{ProjectKey: "web", DisplayName: display, Description: "Web applications",
		AdminPrivileges:       &access.AdminPrivileges{ManageMembers: true, IndexResources: true},
		MaxStorageInGibibytes: ptr(int64(10))}
}
