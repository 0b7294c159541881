package emulator

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/jfsync/jfsync/reconcile/access"
)

func (st *store) userView(u *user) access.User {
	out := u.User
	out.Groups = st.groupsOf(key(u.Username))
	return out
}

// listUsers returns one page of users, sorted by username; only the page's
// users are rendered, so paging through many users stays cheap.
func (st *store) listUsers(status string, limit, offset int) []access.User {
	keys := st.sortedUserKeys()
	if status != "" {
		keys = slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return st.users[k].Status != status })
	}
	if offset >= len(keys) {
		return []access.User{}
	}
	keys = keys[offset:min(len(keys), offset+limit)]
	out := make([]access.User, 0, len(keys))
	for _, k := range keys {
		out = append(out, st.userView(st.users[k]))
	}
	return out
}

// sortedUserKeys returns the user keys in order, computed once per change
// of the set of users.
func (st *store) sortedUserKeys() []string {
	if st.userOrder == nil {
		st.userOrder = slices.Sorted(maps.Keys(st.users))
	}
	return st.userOrder
}

func (st *store) getUser(name string) (access.User, error) {
	u := st.users[key(name)]
	if u == nil {
		return access.User{}, notFound("user %q not found", name)
	}
	return st.userView(u), nil
}

func (st *store) createUser(req access.CreateUserRequest) (access.User, error) {
	if err := checkName("user", req.Username); err != nil {
		return access.User{}, err
	}
	what := fmt.Sprintf("user %q", req.Username)
	if req.Email == "" {
		return access.User{}, badRequest("%s: email is required", what)
	}
	if err := checkEmail(what, req.Email); err != nil {
		return access.User{}, err
	}
	if req.Password == "" {
		return access.User{}, badRequest("%s: password is required", what)
	}
	if st.users[key(req.Username)] != nil {
		return access.User{}, conflict("user %q already exists", req.Username)
	}
	groupKeys, err := st.groupKeys(req.Groups, what)
	if err != nil {
		return access.User{}, err
	}
	u := &user{User: access.User{
		Username:         req.Username,
		Email:            req.Email,
		Admin:            deref(req.Admin, false),
		ProfileUpdatable: deref(req.ProfileUpdatable, true),
		DisableUIAccess:  deref(req.DisableUIAccess, false),
		Status:           access.StatusEnabled,
		Realm:            "internal",
		Created:          st.now().UTC().Format(time.RFC3339),
	}}
	u.setPassword(req.Password)
	uk := key(req.Username)
	st.users[uk] = u
	st.userOrder = nil
	// The spec: a new user joins every auto_join group.
	for gk, g := range st.groups {
		if g.AutoJoin {
			st.addMember(gk, uk)
		}
	}
	for _, gk := range groupKeys {
		st.addMember(gk, uk)
	}
	return st.userView(u), nil
}

func (st *store) updateUser(name string, req access.UpdateUserRequest) error {
	u := st.users[key(name)]
	if u == nil {
		return notFound("user %q not found", name)
	}
	what := fmt.Sprintf("user %q", u.Username)
	if req.Email != nil {
		if err := checkEmail(what, *req.Email); err != nil {
			return err
		}
	}
	if req.Status != nil {
		if err := checkStatus(what, *req.Status); err != nil {
			return err
		}
	}
	if req.Password != nil && *req.Password == "" {
		return badRequest("%s: password may not be empty", what)
	}
	var groupKeys []string
	if req.Groups != nil {
		var err error
		if groupKeys, err = st.groupKeys(*req.Groups, what); err != nil {
			return err
		}
	}
	// Everything is checked: now change.
	setIf(&u.Email, req.Email)
	setIf(&u.Admin, req.Admin)
	setIf(&u.ProfileUpdatable, req.ProfileUpdatable)
	setIf(&u.DisableUIAccess, req.DisableUIAccess)
	setIf(&u.Status, req.Status)
	if req.Password != nil {
		u.setPassword(*req.Password)
	}
	if req.Groups != nil {
		st.setUserGroups(key(name), groupKeys)
	}
	return nil
}

func (st *store) deleteUser(name string) error {
	uk := key(name)
	if st.users[uk] == nil {
		return notFound("user %q not found", name)
	}
	delete(st.users, uk)
	st.userOrder = nil
	st.members.removeUser(uk)
	for _, p := range st.permissions {
		forEachTarget(p, func(t *access.PermissionTarget) { deleteFold(t.Actions.Users, uk) })
	}
	for _, p := range st.projects {
		delete(p.users, uk)
	}
	// A deleted user's tokens stop working.
	for id, t := range st.tokens {
		if subjectUser(t.Subject) == uk {
			delete(st.tokens, id)
		}
	}
	return nil
}

func (u *user) setPassword(pw string) {
	u.password, u.hasPassword = sha256.Sum256([]byte(pw)), true
}

func queryInt(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return def
	}
	return n
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func setIf[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}
