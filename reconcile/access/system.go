package access

import (
	"context"
	"net/http"
)

// Ping calls systemPing and returns the service's answer ("OK").
func (c *Client) Ping(ctx context.Context) (string, error) {
	var out string
	err := c.do(ctx, call{method: http.MethodGet, route: "/api/v1/system/ping", path: "/api/v1/system/ping", text: &out})
	return out, err
}

// Version calls getSystemVersion.
func (c *Client) Version(ctx context.Context) (SystemVersion, error) {
	var out SystemVersion
	err := c.do(ctx, call{method: http.MethodGet, route: "/api/v1/system/version", path: "/api/v1/system/version", out: &out})
	return out, err
}
