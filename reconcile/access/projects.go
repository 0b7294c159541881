package access

import (
	"context"
	"net/http"
)

const (
	routeProjects      = "/api/v1/projects"
	routeProject       = "/api/v1/projects/{projectKey}"
	routeProjectUsers  = "/api/v1/projects/{projectKey}/users"
	routeProjectGroups = "/api/v1/projects/{projectKey}/groups"
	routeProjectUser   = "/api/v1/projects/{projectKey}/users/{username}"
	routeProjectGroup  = "/api/v1/projects/{projectKey}/groups/{groupName}"
)

// ListProjects calls listProjects.
func (c *Client) ListProjects(ctx context.Context) ([]Project, error) {
	var out []Project
	err := c.do(ctx, call{method: http.MethodGet, route: routeProjects, path: routeProjects, out: &out})
	return out, err
}

// GetProject calls getProject.
func (c *Client) GetProject(ctx context.Context, key string) (Project, error) {
	var out Project
	err := c.do(ctx, call{method: http.MethodGet, route: routeProject, path: escape("/api/v1/projects/%s", key), out: &out})
	return out, err
}

// CreateProject calls createProject and returns the created project.
func (c *Client) CreateProject(ctx context.Context, req ProjectRequest) (Project, error) {
	var out Project
	err := c.do(ctx, call{method: http.MethodPost, route: routeProjects, path: routeProjects, body: req, out: &out})
	return out, err
}

// UpdateProject calls updateProject for the project req.ProjectKey.
func (c *Client) UpdateProject(ctx context.Context, req ProjectRequest) error {
	return c.do(ctx, call{method: http.MethodPut, route: routeProject, path: escape("/api/v1/projects/%s", req.ProjectKey), body: req})
}

// DeleteProject calls deleteProject.
func (c *Client) DeleteProject(ctx context.Context, key string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routeProject, path: escape("/api/v1/projects/%s", key)})
}

// ListProjectUsers returns a project's user members with their roles.
func (c *Client) ListProjectUsers(ctx context.Context, key string) ([]ProjectMember, error) {
	var out ProjectMembers
	err := c.do(ctx, call{method: http.MethodGet, route: routeProjectUsers, path: escape("/api/v1/projects/%s/users", key), out: &out})
	return out.Members, err
}

// ListProjectGroups returns a project's group members with their roles.
func (c *Client) ListProjectGroups(ctx context.Context, key string) ([]ProjectMember, error) {
	var out ProjectMembers
	err := c.do(ctx, call{method: http.MethodGet, route: routeProjectGroups, path: escape("/api/v1/projects/%s/groups", key), out: &out})
	return out.Members, err
}

// SetProjectUser calls addUserToProject: the user becomes a member of the
// project with exactly these roles.
func (c *Client) SetProjectUser(ctx context.Context, key, username string, roles []string) error {
	return c.do(ctx, call{method: http.MethodPut, route: routeProjectUser, path: escape("/api/v1/projects/%s/users/%s", key, username), body: ProjectRoles{Roles: nonNil(roles)}})
}

// RemoveProjectUser calls removeUserFromProject.
func (c *Client) RemoveProjectUser(ctx context.Context, key, username string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routeProjectUser, path: escape("/api/v1/projects/%s/users/%s", key, username)})
}

// SetProjectGroup calls addGroupToProject: the group becomes a member of the
// project with exactly these roles.
func (c *Client) SetProjectGroup(ctx context.Context, key, group string, roles []string) error {
	return c.do(ctx, call{method: http.MethodPut, route: routeProjectGroup, path: escape("/api/v1/projects/%s/groups/%s", key, group), body: ProjectRoles{Roles: nonNil(roles)}})
}

// RemoveProjectGroup calls removeGroupFromProject.
func (c *Client) RemoveProjectGroup(ctx context.Context, key, group string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routeProjectGroup, path: escape("/api/v1/projects/%s/groups/%s", key, group)})
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
