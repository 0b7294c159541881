package access

import (
	"context"
	"net/http"
)

const (
	routeGroups = "/api/v2/groups"
	routeGroup  = "/api/v2/groups/{groupName}"
)

// ListGroups calls listGroups.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	var out struct {
		Groups []Group `json:"groups"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: routeGroups, path: routeGroups, out: &out})
	return out.Groups, err
}

// GetGroup calls getGroup.
func (c *Client) GetGroup(ctx context.Context, name string) (Group, error) {
	var out Group
	err := c.do(ctx, call{method: http.MethodGet, route: routeGroup, path: escape("/api/v2/groups/%s", name), out: &out})
	return out, err
}

// CreateGroup calls createGroup.
func (c *Client) CreateGroup(ctx context.Context, g Group) error {
	return c.do(ctx, call{method: http.MethodPost, route: routeGroups, path: routeGroups, body: g})
}

// UpdateGroup calls updateGroup for the group named req.Name: only the
// fields set in req change; Members, when set, replaces the membership.
func (c *Client) UpdateGroup(ctx context.Context, req GroupUpdate) error {
	return c.do(ctx, call{method: http.MethodPatch, route: routeGroup, path: escape("/api/v2/groups/%s", req.Name), body: req})
}

// DeleteGroup calls deleteGroup.
func (c *Client) DeleteGroup(ctx context.Context, name string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routeGroup, path: escape("/api/v2/groups/%s", name)})
}
