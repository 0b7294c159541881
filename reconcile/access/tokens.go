package access

import (
	"context"
	"net/http"
	"net/url"
)

const (
	routeTokens = "/api/v2/tokens"
	routeToken  = "/api/v2/tokens/{tokenId}"
)

// ListTokens calls listTokens. Admins see every token, other callers their
// own.
func (c *Client) ListTokens(ctx context.Context, opts ListTokensOptions) ([]TokenInfo, error) {
	q := url.Values{}
	if opts.Subject != "" {
		q.Set("subject", opts.Subject)
	}
	if opts.TokenID != "" {
		q.Set("token_id", opts.TokenID)
	}
	var out struct {
		Tokens []TokenInfo `json:"tokens"`
	}
	err := c.do(ctx, call{method: http.MethodGet, route: routeTokens, path: routeTokens, query: q, out: &out})
	return out.Tokens, err
}

// CreateToken calls createToken. The answer holds the token: never log it.
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest) (TokenResponse, error) {
	var out TokenResponse
	err := c.do(ctx, call{method: http.MethodPost, route: routeTokens, path: routeTokens, body: req, out: &out})
	return out, err
}

// GetToken calls getToken.
func (c *Client) GetToken(ctx context.Context, id string) (TokenInfo, error) {
	var out TokenInfo
	err := c.do(ctx, call{method: http.MethodGet, route: routeToken, path: escape("/api/v2/tokens/%s", id), out: &out})
	return out, err
}

// RevokeToken calls revokeToken.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, route: routeToken, path: escape("/api/v2/tokens/%s", id)})
}
