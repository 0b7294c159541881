package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// principal is the authenticated caller of a request.
type principal struct {
	subject string // "admin" for the admin credentials, else a token's subject or a username
	admin   bool
}

// authenticate checks the request's bearer token or basic credentials.
func (s *Server) authenticate(r *http.Request) (principal, bool) {
	if user, pass, ok := r.BasicAuth(); ok {
		return s.authenticateBasic(user, pass)
	}
	auth := r.Header.Get("Authorization")
	scheme, value, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || value == "" {
		return principal{}, false
	}
	if equal(value, s.opts.Token) {
		return principal{subject: "admin", admin: true}, true
	}
	var p principal
	s.withStore(func(st *store) { p, ok = st.authenticateToken(value) })
	return p, ok
}

func (s *Server) authenticateBasic(username, password string) (principal, bool) {
	if username == "admin" && equal(password, s.opts.AdminPassword) {
		return principal{subject: "admin", admin: true}, true
	}
	var p principal
	var ok bool
	s.withStore(func(st *store) {
		u := st.users[key(username)]
		if u == nil || !u.hasPassword || u.Status != "enabled" {
			return
		}
		sum := sha256.Sum256([]byte(password))
		if subtle.ConstantTimeCompare(sum[:], u.password[:]) == 1 {
			p, ok = principal{subject: u.Username, admin: u.Admin}, true
		}
	})
	return p, ok
}

// authenticateToken finds a live token by its value (access or reference
// token).
func (st *store) authenticateToken(value string) (principal, bool) {
	now := st.now().Unix()
	for _, t := range st.tokens {
		if !equal(value, t.value) && (t.reference == "" || !equal(value, t.reference)) {
			continue
		}
		if t.Expiry != 0 && now >= t.Expiry {
			return principal{}, false
		}
		return principal{subject: t.Subject, admin: st.tokenIsAdmin(t)}, true
	}
	return principal{}, false
}

// tokenIsAdmin: a token is admin when its scope has
// applied-permissions/admin or its subject is an admin user.
func (st *store) tokenIsAdmin(t *token) bool {
	if hasScope(t.Scope, "applied-permissions/admin") {
		return true
	}
	uk := subjectUser(t.Subject)
	if uk == "admin" {
		return true
	}
	u := st.users[uk]
	return u != nil && u.Admin
}

func hasScope(scope, want string) bool {
	for _, s := range strings.Fields(scope) {
		if s == want {
			return true
		}
	}
	return false
}

// subjectUser returns the user key of a token subject ("user/alice" or
// "alice"), or "" for a service subject.
func subjectUser(subject string) string {
	if strings.HasPrefix(subject, "service/") {
		return ""
	}
	return key(strings.TrimPrefix(subject, "user/"))
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
