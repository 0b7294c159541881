package access

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Errors that an *APIError matches with errors.Is, by HTTP status.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrRateLimited  = errors.New("rate limited")
	ErrServer       = errors.New("server error")
)

// APIError is an error answer of the API. It never holds a credential: the
// server's message is scrubbed of the client's token and password.
type APIError struct {
	Method     string // HTTP method
	Route      string // route template, e.g. /api/v2/groups/{groupName}
	StatusCode int
	Message    string        // the server's message(s)
	RetryAfter time.Duration // from Retry-After, when the server sent one
	Attempts   int           // requests made, retries included
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Route, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// Unwrap returns the sentinel error of the status class, so that
// errors.Is(err, access.ErrNotFound) works.
func (e *APIError) Unwrap() error {
	switch {
	case e.StatusCode == http.StatusBadRequest:
		return ErrBadRequest
	case e.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.StatusCode == http.StatusForbidden:
		return ErrForbidden
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusConflict:
		return ErrConflict
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.StatusCode >= 500:
		return ErrServer
	}
	return nil
}

// StatusCode returns the HTTP status of an API error, or 0 when err is not
// one.
func StatusCode(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}
