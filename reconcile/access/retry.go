package access

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryDelay says whether a failed attempt is retried, and after how long.
// 429, 502, 503, 504 and transport errors are retried, up to Options.Retries
// times; a Retry-After from the server is honoured, other waits grow
// exponentially with full jitter.
func (c *Client) retryDelay(ctx context.Context, err error, attempt int) (time.Duration, bool) {
	if attempt > c.opts.Retries || ctx.Err() != nil {
		return 0, false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		default:
			return 0, false
		}
		if apiErr.RetryAfter > 0 {
			return c.retryAfterDelay(ctx, apiErr.RetryAfter)
		}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return 0, false // a bad certificate stays bad
	}
	return backoff(c.opts.RetryBaseDelay, c.opts.RetryMaxDelay, attempt), true
}

// retryAfterDelay honours a Retry-After, unless the context's deadline comes
// first: then waiting is pointless and the error is returned at once.
func (c *Client) retryAfterDelay(ctx context.Context, d time.Duration) (time.Duration, bool) {
	d = min(d, maxRetryAfter)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return 0, false
	}
	return d, true
}

// backoff is the wait before retry number attempt (1 for the first retry):
// a random duration up to base*2^(attempt-1), capped at max ("full jitter").
func backoff(base, max time.Duration, attempt int) time.Duration {
	ceiling := max
	if shift := attempt - 1; shift < 32 && base<<shift > 0 && base<<shift < max {
		ceiling = base << shift
	}
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
