package access

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	routeUsers = "/api/v2/users"
	routeUser  = "/api/v2/users/{username}"
)

// ListUsers calls listUsers page by page (limit/offset) until a page comes
// back short, and returns every user.
func (c *Client) ListUsers(ctx context.Context, opts ListUsersOptions) ([]User, error) {
	var all []User
	seen := make(map[string]bool)
	for offset := 0; ; {
		q := url.Values{"limit": {strconv.Itoa(c.opts.PageSize)}, "offset": {strconv.Itoa(offset)}}
		if opts.Status != "" {
			q.Set("status", opts.Status)
		}
		var page struct {
			Users []User `json:"users"`
		}
		if err := c.do(ctx, call{method: http.MethodGet, route: routeUsers, path: routeUsers, query: q, out: &page}); err != nil {
			return nil, fmt.Errorf("list users (offset %d): %w", offset, err)
		}
		for _, u := range page.Users {
			key := strings.ToLower(u.Username)
			// A server that ignores offset would page forever.
			if seen[key] {
				return nil, fmt.Errorf("list users (offset %d): user %q returned twice: the server does not page as expected", offset, u.Username)
			}
			seen[key] = true
		}
		all = append(all, page.Users...)
		if len(page.Users) < c.opts.PageSize {
			return all, nil
		}
		offset += len(page.Users)
	}
}

// GetUser calls getUser.
func (c *Client) GetUser(ctx context.Context, username string) (User, error) {
	var out User
	err := c.do(ctx, call{method: http.MethodGet, route: routeUser, path: escape("/api/v2/users/%s", username), out: &out})
	return out, err
}

// CreateUser calls createUser and returns the created user.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (User, error) {
	var out User
	err := c.do(ctx, call{method: http.MethodPost, route: routeUsers, path: routeUsers, body: req, out: &out})
	return out, err
}

// UpdateUser calls updateUser: only the fields set in req change.
func (c *Client) UpdateUser(ctx context.Context, username string, req UpdateUserRequest) error {
	return c.do(ctx, call{method: http.MethodPatch, route: routeUser, path: escape("/api/v2/users/%s", username), body: req})
}

// DeleteUser calls deleteUser.
func (c *Client) DeleteUser(ctx context.Context, username string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routeUser, path: escape("/api/v2/users/%s", username)})
}
