package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/jfsync/jfsync/reconcile/access"
)

// apiError is an error answer: a status and a message for the error body.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &apiError{http.StatusConflict, fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) error {
	return &apiError{http.StatusForbidden, fmt.Sprintf(format, args...)}
}

// errorCode is the "code" of an error body with this status.
func errorCode(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "PAYLOAD_TOO_LARGE"
	case http.StatusInternalServerError:
		return "INTERNAL_SERVER_ERROR"
	}
	return strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, access.ErrorBody{Errors: []access.ErrorDetail{{Code: errorCode(status), Message: message}}})
}

// fail answers err: an *apiError with its status, anything else with 500.
func fail(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae.status, ae.message)
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// answer writes v (when not nil) with status, or the error.
func answer(w http.ResponseWriter, status int, v any, err error) {
	switch {
	case err != nil:
		fail(w, err)
	case v == nil:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, v)
	}
}

// decode reads a JSON request body into v. Unknown fields are accepted, as
// the spec's schemas allow them; anything else that is not one JSON value of
// the right shape is 400, and a body over the limit is 413.
func decode(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)}
		}
		return badRequest("read request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON body: %v", err)
	}
	if dec.More() {
		return badRequest("malformed JSON body: more than one JSON value")
	}
	return nil
}

// op is an API operation on the store: it returns the answer body (nil for
// none) or an error.
type op func(st *store, r *http.Request, p principal) (any, error)

// serve runs an operation with the store locked and answers with status.
func (s *Server) serve(status int, f op) handler {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		var v any
		var err error
		s.withStore(func(st *store) { v, err = f(st, r, p) })
		answer(w, status, v, err)
	}
}

// serveBody decodes the request body into a T, then runs the operation with
// the store locked and answers with status.
func serveBody[T any](s *Server, status int, f func(st *store, r *http.Request, p principal, body T) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		var body T
		if err := decode(r, &body); err != nil {
			fail(w, err)
			return
		}
		s.serve(status, func(st *store, r *http.Request, p principal) (any, error) { return f(st, r, p, body) })(w, r, p)
	}
}

// nilIfErr turns an operation's (value, error) into an answer: no body on
// error.
func nilIfErr[T any](v T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
