package access

import (
	"context"
	"net/http"
)

const (
	routePermissions = "/api/v2/permissions"
	routePermission  = "/api/v2/permissions/{permissionName}"
)

// ListPermissions calls listPermissions.
func (c *Client) ListPermissions(ctx context.Context) ([]Permission, error) {
	var out struct {
		Permissions []Permission `json:"permissions"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: routePermissions, path: routePermissions, out: &out})
	return out.Permissions, err
}

// GetPermission calls getPermission.
func (c *Client) GetPermission(ctx context.Context, name string) (Permission, error) {
	var out Permission
	err := c.do(ctx, call{method: http.MethodGet, route: routePermission, path: escape("/api/v2/permissions/%s", name), out: &out})
	return out, err
}

// CreatePermission calls createPermission.
func (c *Client) CreatePermission(ctx context.Context, p Permission) error {
	return c.do(ctx, call{method: http.MethodPost, route: routePermissions, path: routePermissions, body: p})
}

// UpdatePermission calls updatePermission, which replaces the permission
// named p.Name.
func (c *Client) UpdatePermission(ctx context.Context, p Permission) error {
	return c.do(ctx, call{method: http.MethodPut, route: routePermission, path: escape("/api/v2/permissions/%s", p.Name), body: p})
}

// DeletePermission calls deletePermission.
func (c *Client) DeletePermission(ctx context.Context, name string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routePermission, path: escape("/api/v2/permissions/%s", name)})
}
