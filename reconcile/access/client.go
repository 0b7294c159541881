// Package access is a typed client for the JFrog Access REST API described
// by openapi.yaml in this package, plus the project member list endpoints
// that the real platform has and the OpenAPI file lacks.
//
// Every call takes a context, waits for the client-side rate limiter, is
// retried with exponential backoff and jitter on 429, 502, 503, 504 and
// network errors (honouring Retry-After), and reports each request to an
// optional observer for metrics.
package access

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Options configures a Client. Zero values mean: no per-request timeout, no
// rate limit, no retries; callers such as the config loader supply the
// defaults operators expect.
type Options struct {
	// URL is the platform URL; the API lives at URL + "/access".
	URL string
	// Token is a bearer token. When empty, Username and Password are sent
	// as basic auth.
	Token    string
	Username string
	Password string

	Timeout   time.Duration // per request (each attempt)
	RateLimit float64       // requests per second, all calls together
	Retries   int           // retries after the first attempt

	// RetryBaseDelay and RetryMaxDelay bound the exponential backoff
	// (defaults 250ms and 30s).
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration

	// PageSize is the limit sent with each page of listUsers (default 100).
	PageSize int

	// UserAgent is sent with every request (default "jfsync").
	UserAgent string

	// HTTPClient sends the requests (default: a client with a clone of
	// http.DefaultTransport). Its Timeout should be zero: Timeout above
	// applies per attempt.
	HTTPClient *http.Client

	// Observe, when set, is called after every request (retries included).
	Observe func(RequestInfo)
}

// RequestInfo describes one request, for metrics.
type RequestInfo struct {
	Method     string
	Route      string // route template, e.g. /api/v2/users/{username}
	StatusCode int    // 0 when no response arrived
	Duration   time.Duration
}

// Client calls the JFrog Access API. It is safe for concurrent use; all its
// calls share one rate limiter.
type Client struct {
	base    *url.URL
	opts    Options
	http    *http.Client
	limiter *rate.Limiter
}

const (
	defaultRetryBase = 250 * time.Millisecond
	defaultRetryMax  = 30 * time.Second
	defaultPageSize  = 100
	maxResponseBytes = 64 << 20
	// maxRetryAfter caps how long a Retry-After may make a call wait.
	maxRetryAfter = 5 * time.Minute
)

// New returns a client for the platform at opts.URL.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(strings.TrimSuffix(opts.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("jfrog url: %w", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("jfrog url %q: want http:// or https:// and a host", base.Redacted())
	}
	if base.User != nil {
		return nil, fmt.Errorf("jfrog url %q: credentials in the URL are not allowed; use the token or username/password settings", base.Redacted())
	}
	if opts.Token == "" && (opts.Username == "" || opts.Password == "") {
		return nil, errors.New("jfrog credentials: set a token, or a username and a password")
	}
	base.Path += "/access"
	if opts.RetryBaseDelay <= 0 {
		opts.RetryBaseDelay = defaultRetryBase
	}
	if opts.RetryMaxDelay <= 0 {
		opts.RetryMaxDelay = defaultRetryMax
	}
	if opts.PageSize <= 0 {
		opts.PageSize = defaultPageSize
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "jfsync"
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	limit := rate.Inf
	if opts.RateLimit > 0 {
		limit = rate.Limit(opts.RateLimit)
	}
	return &Client{base: base, opts: opts, http: hc, limiter: rate.NewLimiter(limit, 1)}, nil
}

// URL returns the platform URL the client talks to.
func (c *Client) URL() string { return strings.TrimSuffix(c.base.String(), "/access") }

// call is one API operation.
type call struct {
	method string
	route  string     // route template, for errors and metrics
	path   string     // escaped path below /access
	query  url.Values // optional
	body   any        // JSON-encoded when not nil
	out    any        // JSON-decoded from a 2xx answer when not nil
	text   *string    // the raw 2xx answer, for text/plain operations
}

// do runs a call with rate limiting and retries.
func (c *Client) do(ctx context.Context, cl call) error {
	var payload []byte
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return fmt.Errorf("%s %s: encode body: %w", cl.method, cl.route, err)
		}
		payload = b
	}
	for attempt := 1; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("%s %s: %w", cl.method, cl.route, contextErr(ctx, err))
		}
		body, err := c.send(ctx, cl, payload)
		if err == nil {
			return c.decode(cl, body)
		}
		wait, retry := c.retryDelay(ctx, err, attempt)
		if !retry {
			return finalError(cl, err, attempt)
		}
		if sleepErr := sleep(ctx, wait); sleepErr != nil {
			return fmt.Errorf("%s %s: %w (after %d attempts; last error: %v)", cl.method, cl.route, sleepErr, attempt, err)
		}
	}
}

// send makes one request and returns the body of a 2xx answer, an *APIError
// for any other status, or a transport error.
func (c *Client) send(ctx context.Context, cl call, payload []byte) ([]byte, error) {
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	req, err := c.newRequest(ctx, cl, payload)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(cl, 0, start)
		return nil, scrubTransportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.observe(cl, resp.StatusCode, start)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, nil
	}
	return nil, &APIError{
		Method:     cl.method,
		Route:      cl.route,
		StatusCode: resp.StatusCode,
		Message:    c.scrub(serverMessage(body)),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
}

func (c *Client) newRequest(ctx context.Context, cl call, payload []byte) (*http.Request, error) {
	u := *c.base
	rawPath := c.base.EscapedPath() + cl.path
	p, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", rawPath, err)
	}
	u.Path, u.RawPath = p, rawPath
	u.RawQuery = cl.query.Encode()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/plain")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	} else {
		req.SetBasicAuth(c.opts.Username, c.opts.Password)
	}
	return req, nil
}

func (c *Client) decode(cl call, body []byte) error {
	switch {
	case cl.text != nil:
		*cl.text = string(body)
	case cl.out != nil:
		if err := json.Unmarshal(body, cl.out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", cl.method, cl.route, err)
		}
	}
	return nil
}

func (c *Client) observe(cl call, status int, start time.Time) {
	if c.opts.Observe != nil {
		c.opts.Observe(RequestInfo{Method: cl.method, Route: cl.route, StatusCode: status, Duration: time.Since(start)})
	}
}

// scrub removes the client's credentials from a server message, in case a
// server echoes them.
func (c *Client) scrub(msg string) string {
	for _, secret := range []string{c.opts.Token, c.opts.Password} {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "[REDACTED]")
		}
	}
	return msg
}

// serverMessage extracts the messages of an error body, or a short excerpt
// of a body in another format.
func serverMessage(body []byte) string {
	var eb ErrorBody
	if json.Unmarshal(body, &eb) == nil && len(eb.Errors) > 0 {
		msgs := make([]string, 0, len(eb.Errors))
		for _, e := range eb.Errors {
			msgs = append(msgs, e.Message)
		}
		return strings.Join(msgs, "; ")
	}
	const max = 512
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// finalError gives the error of a call that will not be retried.
func finalError(cl call, err error, attempts int) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = attempts
		return apiErr
	}
	if attempts > 1 {
		return fmt.Errorf("%s %s: %w (after %d attempts)", cl.method, cl.route, err, attempts)
	}
	return fmt.Errorf("%s %s: %w", cl.method, cl.route, err)
}

// scrubTransportError drops the URL from a *url.Error: the message then
// names the route (added by the caller) and the cause only.
func scrubTransportError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

func contextErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// escape joins path segments, escaping each one.
func escape(format string, segments ...string) string {
	args := make([]any, len(segments))
	for i, s := range segments {
		args[i] = url.PathEscape(s)
	}
	return fmt.Sprintf(format, args...)
}
