package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/jfsync/jfsync/reconcile/access"
	"github.com/jfsync/jfsync/reconcile/access/emulator"
)

// specValidator is an HTTP middleware that checks every request and every
// response against the OpenAPI file (and the extension spec for the
// endpoints the file lacks), and records every violation and every
// (operation, status) it saw.
type specValidator struct {
	next    http.Handler
	routers []routers.Router
	errBody *openapi3.Schema

	mu         sync.Mutex
	violations []string
	seen       map[string]bool // "operationId status"
	userAgents map[string]bool
	// allowed are statuses the spec does not declare for an operation that
	// the current step expects: 401/403 (the spec's security) and the
	// emulator's documented deviations.
	allowed []int
	// requestInvalid: the current step sends a request the spec rejects
	// on purpose.
	requestInvalid bool
}

func loadSpec(t testing.TB, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("spec is not valid: %v", err)
	}
	return doc
}

// newValidatedEmulator starts an emulator behind the validator.
func newValidatedEmulator(t *testing.T, opts emulator.Options) (*specValidator, *httptest.Server, *emulator.Server) {
	t.Helper()
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	v := &specValidator{next: emu, seen: map[string]bool{}, userAgents: map[string]bool{}}
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	main := loadSpec(t, access.OpenAPISpec())
	ext := loadSpec(t, access.ExtensionSpec())
	for _, doc := range []*openapi3.T{main, ext} {
		doc.Servers = openapi3.Servers{{URL: srv.URL + "/access"}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		v.routers = append(v.routers, r)
	}
	v.errBody = ext.Components.Schemas["ErrorBody"].Value
	return v, srv, emu
}

// expect sets what the next step may do outside the spec.
func (v *specValidator) expect(requestInvalid bool, allowed ...int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.requestInvalid, v.allowed = requestInvalid, allowed
}

// takeViolations returns and clears the violations recorded so far.
func (v *specValidator) takeViolations() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.violations
	v.violations = nil
	return out
}

func (v *specValidator) violate(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.violations = append(v.violations, fmt.Sprintf(format, args...))
}

func (v *specValidator) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	var firstErr error
	for _, rt := range v.routers {
		route, params, err := rt.FindRoute(r)
		if err == nil {
			return route, params, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, nil, firstErr
}

func (v *specValidator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/emulator/") {
		v.next.ServeHTTP(w, r)
		return
	}
	v.mu.Lock()
	requestInvalid, allowed := v.requestInvalid, v.allowed
	v.userAgents[r.Header.Get("User-Agent")] = true
	v.mu.Unlock()

	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.findRoute(r)
	if err != nil {
		v.violate("%s %s: no operation in the spec: %v", r.Method, r.URL.Path, err)
		v.next.ServeHTTP(w, r)
		return
	}
	op := route.Operation.OperationID
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			SkipSettingDefaults: true,
			MultiError:          true,
			AuthenticationFunc:  checkAuthScheme,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), reqInput); err != nil && !requestInvalid {
		v.violate("%s request: %v", op, err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	rec := httptest.NewRecorder()
	v.next.ServeHTTP(rec, r)
	v.checkResponse(op, reqInput, rec, allowed)

	v.mu.Lock()
	v.seen[fmt.Sprintf("%s %d", op, rec.Code)] = true
	v.mu.Unlock()
	for k, vals := range rec.Header() {
		w.Header()[k] = vals
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (v *specValidator) checkResponse(op string, reqInput *openapi3filter.RequestValidationInput, rec *httptest.ResponseRecorder, allowed []int) {
	declared := reqInput.Route.Operation.Responses.Status(rec.Code) != nil
	if !declared && !slices.Contains(allowed, rec.Code) {
		v.violate("%s answered %d, which the spec does not declare: %s", op, rec.Code, rec.Body.String())
		return
	}
	if declared {
		resInput := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: reqInput,
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		resInput.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), resInput); err != nil {
			v.violate("%s response %d: %v", op, rec.Code, err)
		}
	}
	if rec.Code >= 400 {
		v.checkErrorBody(op, rec)
	}
}

// checkErrorBody checks that an error answer has the error body of DESIGN
// section 11, whether or not the spec describes its content.
func (v *specValidator) checkErrorBody(op string, rec *httptest.ResponseRecorder) {
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		v.violate("%s %d: error body is not JSON: %q", op, rec.Code, rec.Body.String())
		return
	}
	if err := v.errBody.VisitJSON(body); err != nil {
		v.violate("%s %d: error body: %v", op, rec.Code, err)
	}
}

// checkAuthScheme checks that a request carries credentials of the scheme
// the security requirement names; the emulator decides whether they are
// right.
func checkAuthScheme(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	auth := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, in.SecurityScheme.Scheme) {
		return in.NewError(fmt.Errorf("no %s credentials", in.SecurityScheme.Scheme))
	}
	return nil
}

// declaredStatuses lists every "operationId status" the specs declare.
func declaredStatuses(t *testing.T) []string {
	var out []string
	for _, data := range [][]byte{access.OpenAPISpec(), access.ExtensionSpec()} {
		doc := loadSpec(t, data)
		for _, path := range doc.Paths.InMatchingOrder() {
			for _, op := range doc.Paths.Value(path).Operations() {
				for status := range op.Responses.Map() {
					out = append(out, op.OperationID+" "+status)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
