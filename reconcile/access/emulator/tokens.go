package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/jfsync/jfsync/reconcile/access"
)

// knownScope says whether one scope of a token request is one the service
// accepts.
func knownScope(s string) bool {
	switch {
	case s == "applied-permissions/user", s == "applied-permissions/admin":
		return true
	case strings.HasPrefix(s, "applied-permissions/groups:"):
		return len(s) > len("applied-permissions/groups:")
	case strings.HasPrefix(s, "applied-permissions/roles:"):
		return len(s) > len("applied-permissions/roles:")
	}
	return false
}

func (st *store) createToken(caller principal, req access.CreateTokenRequest) (access.TokenResponse, error) {
	scopes := strings.Fields(req.Scope)
	if len(scopes) == 0 {
		return access.TokenResponse{}, badRequest("scope is required")
	}
	for _, s := range scopes {
		if !knownScope(s) {
			return access.TokenResponse{}, badRequest("scope %q is not supported; use applied-permissions/user, applied-permissions/admin, applied-permissions/groups:NAMES or applied-permissions/roles:PROJECT:ROLES", s)
		}
	}
	if req.ExpiresIn != nil && *req.ExpiresIn < 0 {
		return access.TokenResponse{}, badRequest("expires_in must be 0 (no expiry) or a number of seconds")
	}
	subject := req.Subject
	if subject == "" {
		subject = caller.subject
	}
	if uk := subjectUser(subject); uk != "" && uk != "admin" && st.users[uk] == nil {
		return access.TokenResponse{}, badRequest("subject %q: user does not exist", subject)
	}
	if req.ProjectKey != "" && st.projects[req.ProjectKey] == nil {
		return access.TokenResponse{}, badRequest("project %q does not exist", req.ProjectKey)
	}
	if !caller.admin {
		if subjectUser(subject) != subjectUser(caller.subject) {
			return access.TokenResponse{}, forbidden("%s may create tokens for itself only", caller.subject)
		}
		if hasScope(req.Scope, "applied-permissions/admin") {
			return access.TokenResponse{}, forbidden("%s may not create admin tokens", caller.subject)
		}
	}
	now := st.now().Unix()
	t := &token{
		TokenInfo: access.TokenInfo{
			TokenID:     randomHex(16),
			Subject:     subject,
			IssuedAt:    now,
			Issuer:      "jfsync-emulator",
			Description: req.Description,
			Refreshable: req.Refreshable,
			Scope:       strings.Join(scopes, " "),
			Audience:    req.Audience,
		},
		value: "jfemu_" + randomHex(32),
	}
	resp := access.TokenResponse{TokenID: t.TokenID, AccessToken: t.value, Scope: t.Scope, TokenType: "Bearer"}
	if req.ExpiresIn != nil && *req.ExpiresIn > 0 {
		t.Expiry = now + *req.ExpiresIn
		resp.ExpiresIn = *req.ExpiresIn
	}
	if req.Refreshable {
		resp.RefreshToken = randomHex(32)
	}
	if req.IncludeReferenceToken {
		t.reference = "jfemuref_" + randomHex(24)
		resp.ReferenceToken = t.reference
	}
	st.tokens[t.TokenID] = t
	return resp, nil
}

// visible says whether the caller may see a token: admins see all, others
// their own.
func visible(caller principal, t *token) bool {
	return caller.admin || subjectUser(t.Subject) == subjectUser(caller.subject)
}

func (st *store) listTokens(caller principal, subject, id string) []access.TokenInfo {
	out := []access.TokenInfo{}
	for _, t := range st.tokens {
		if visible(caller, t) && (subject == "" || t.Subject == subject) && (id == "" || t.TokenID == id) {
			out = append(out, t.TokenInfo)
		}
	}
	slices.SortFunc(out, func(a, b access.TokenInfo) int { return strings.Compare(a.TokenID, b.TokenID) })
	return out
}

func (st *store) token(caller principal, id string) (*token, error) {
	t := st.tokens[id]
	if t == nil || !visible(caller, t) {
		return nil, notFound("token %q not found", id)
	}
	return t, nil
}

func (st *store) revokeToken(caller principal, id string) error {
	t, err := st.token(caller, id)
	if err != nil {
		return err
	}
	delete(st.tokens, t.TokenID)
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) ping(w http.ResponseWriter, _ *http.Request, _ principal) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("OK"))
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request, _ principal) {
	writeJSON(w, http.StatusOK, access.SystemVersion{Version: s.opts.Version, Revision: "jfsync-emulator"})
}
