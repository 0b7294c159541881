package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/jfsync/jfsync/reconcile/access"
)

// State is the emulator's objects in the desired-state file format, plus
// tokens and the response-only fields a seed may need (realm,
// internal_password_disabled). Users have no passwords: seeded users sign in
// with tokens.
type State struct {
	Users       []StateUser         `yaml:"users,omitempty"`
	Groups      []StateGroup        `yaml:"groups,omitempty"`
	Permissions []access.Permission `yaml:"permissions,omitempty"`
	Projects    []StateProject      `yaml:"projects,omitempty"`
	Tokens      []StateToken        `yaml:"tokens,omitempty"`
}

// StateUser is a user of a State.
type StateUser struct {
	Username                 string   `yaml:"username"`
	Email                    string   `yaml:"email,omitempty"`
	Admin                    bool     `yaml:"admin,omitempty"`
	ProfileUpdatable         *bool    `yaml:"profile_updatable,omitempty"` // default true
	DisableUIAccess          bool     `yaml:"disable_ui_access,omitempty"`
	InternalPasswordDisabled bool     `yaml:"internal_password_disabled,omitempty"`
	Status                   string   `yaml:"status,omitempty"` // default enabled
	Realm                    string   `yaml:"realm,omitempty"`  // default internal
	Groups                   []string `yaml:"groups,omitempty"`
}

// StateGroup is a group of a State.
type StateGroup struct {
	Name            string   `yaml:"name"`
	Description     string   `yaml:"description,omitempty"`
	AutoJoin        bool     `yaml:"auto_join,omitempty"`
	AdminPrivileges bool     `yaml:"admin_privileges,omitempty"`
	Realm           string   `yaml:"realm,omitempty"`
	ExternalID      string   `yaml:"external_id,omitempty"`
	Members         []string `yaml:"members,omitempty"`
}

// StateProject is a project of a State.
type StateProject struct {
	ProjectKey            string                  `yaml:"project_key"`
	DisplayName           string                  `yaml:"display_name"`
	Description           string                  `yaml:"description,omitempty"`
	AdminPrivileges       *access.AdminPrivileges `yaml:"admin_privileges,omitempty"`
	MaxStorageInGibibytes *int64                  `yaml:"max_storage_in_gibibytes,omitempty"`
	Members               StateProjectMembers     `yaml:"members,omitempty"`
}

// StateProjectMembers maps the user and group members of a project to their
// roles.
type StateProjectMembers struct {
	Users  map[string][]string `yaml:"users,omitempty"`
	Groups map[string][]string `yaml:"groups,omitempty"`
}

// StateToken is an access token of a State. Token is its value, usable as a
// bearer token; a state dump leaves it out.
type StateToken struct {
	TokenID     string `yaml:"token_id,omitempty"`
	Token       string `yaml:"token,omitempty"`
	Subject     string `yaml:"subject"`
	Scope       string `yaml:"scope"`
	Description string `yaml:"description,omitempty"`
	Expiry      int64  `yaml:"expiry,omitempty"` // epoch seconds; 0: never
}

// ParseState decodes a state file strictly: an unknown key is an error.
// name is used in error messages.
func ParseState(name string, data []byte) (State, error) {
	var st State
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&st); err != nil && !errors.Is(err, io.EOF) {
		return State{}, fmt.Errorf("emulator state %s: %w", name, err)
	}
	if _, err := newStore(st, time.Now); err != nil {
		return State{}, fmt.Errorf("emulator state %s: %w", name, err)
	}
	return st, nil
}

// LoadStateFile reads and checks a state file.
func LoadStateFile(path string) (State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return State{}, fmt.Errorf("emulator state: %w", err)
	}
	return ParseState(path, data)
}

// Marshal encodes the state as YAML.
func (s State) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newStore builds a store from a state, with the checks of the API: the
// same objects created through the API would be accepted.
func newStore(s State, now func() time.Time) (*store, error) {
	st := emptyStore(now)
	var errs []error
	for _, g := range s.Groups {
		errs = append(errs, st.seedGroup(g))
	}
	for _, u := range s.Users {
		errs = append(errs, st.seedUser(u))
	}
	for _, g := range s.Groups {
		errs = append(errs, st.seedMembers(g))
	}
	for _, p := range s.Permissions {
		errs = append(errs, st.createPermission(p))
	}
	for _, p := range s.Projects {
		errs = append(errs, st.seedProject(p))
	}
	for _, t := range s.Tokens {
		errs = append(errs, st.seedToken(t))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return st, nil
}

func (st *store) seedGroup(g StateGroup) error {
	return st.createGroup(access.Group{Name: g.Name, Description: g.Description, AutoJoin: g.AutoJoin,
		AdminPrivileges: g.AdminPrivileges, Realm: g.Realm, ExternalID: g.ExternalID})
}

func (st *store) seedUser(su StateUser) error {
	what := fmt.Sprintf("user %q", su.Username)
	if err := checkName("user", su.Username); err != nil {
		return err
	}
	if su.Email != "" {
		if err := checkEmail(what, su.Email); err != nil {
			return err
		}
	}
	status := orDefault(su.Status, access.StatusEnabled)
	if err := checkStatus(what, status); err != nil {
		return err
	}
	uk := key(su.Username)
	if st.users[uk] != nil {
		return conflict("user %q is declared twice", su.Username)
	}
	groupKeys, err := st.groupKeys(su.Groups, what)
	if err != nil {
		return err
	}
	st.userOrder = nil
	st.users[uk] = &user{User: access.User{
		Username:                 su.Username,
		Email:                    su.Email,
		Admin:                    su.Admin,
		ProfileUpdatable:         deref(su.ProfileUpdatable, true),
		DisableUIAccess:          su.DisableUIAccess,
		InternalPasswordDisabled: su.InternalPasswordDisabled,
		Status:                   status,
		Realm:                    orDefault(su.Realm, "internal"),
		Created:                  st.now().UTC().Format(time.RFC3339),
	}}
	for _, gk := range groupKeys {
		st.addMember(gk, uk)
	}
	return nil
}

func (st *store) seedMembers(g StateGroup) error {
	userKeys, err := st.userKeys(g.Members, fmt.Sprintf("group %q", g.Name))
	if err != nil {
		return err
	}
	for _, uk := range userKeys {
		st.addMember(key(g.Name), uk)
	}
	return nil
}

func (st *store) seedProject(sp StateProject) error {
	_, err := st.createProject(access.ProjectRequest{ProjectKey: sp.ProjectKey, DisplayName: sp.DisplayName,
		Description: sp.Description, AdminPrivileges: sp.AdminPrivileges, MaxStorageInGibibytes: sp.MaxStorageInGibibytes})
	if err != nil {
		return err
	}
	for name, roles := range sp.Members.Users {
		if err := st.setProjectMember(sp.ProjectKey, userMembers, name, roles); err != nil {
			return err
		}
	}
	for name, roles := range sp.Members.Groups {
		if err := st.setProjectMember(sp.ProjectKey, groupMembers, name, roles); err != nil {
			return err
		}
	}
	return nil
}

func (st *store) seedToken(t StateToken) error {
	if t.Token == "" {
		return badRequest("token of %q: the token value is required", t.Subject)
	}
	for _, s := range strings.Fields(t.Scope) {
		if !knownScope(s) {
			return badRequest("token of %q: scope %q is not supported", t.Subject, s)
		}
	}
	id := orDefault(t.TokenID, randomHex(16))
	if st.tokens[id] != nil {
		return conflict("token %q is declared twice", id)
	}
	st.tokens[id] = &token{TokenInfo: access.TokenInfo{TokenID: id, Subject: t.Subject, Scope: t.Scope,
		Description: t.Description, Expiry: t.Expiry, IssuedAt: st.now().Unix(), Issuer: "jfsync-emulator"}, value: t.Token}
	return nil
}

// dump returns the store's objects as a State, sorted, token values left
// out.
func (st *store) dump() State {
	var s State
	for _, u := range st.listUsers("", len(st.users), 0) {
		pu := u.ProfileUpdatable
		s.Users = append(s.Users, StateUser{Username: u.Username, Email: u.Email, Admin: u.Admin,
			ProfileUpdatable: &pu, DisableUIAccess: u.DisableUIAccess, InternalPasswordDisabled: u.InternalPasswordDisabled,
			Status: u.Status, Realm: u.Realm})
	}
	for _, g := range st.listGroups() {
		s.Groups = append(s.Groups, StateGroup{Name: g.Name, Description: g.Description, AutoJoin: g.AutoJoin,
			AdminPrivileges: g.AdminPrivileges, Realm: g.Realm, ExternalID: g.ExternalID, Members: g.Members})
	}
	s.Permissions = st.listPermissions()
	for _, p := range st.listProjects() {
		pr := st.projects[p.ProjectKey]
		s.Projects = append(s.Projects, StateProject{ProjectKey: p.ProjectKey, DisplayName: p.DisplayName,
			Description: p.Description, AdminPrivileges: p.AdminPrivileges, MaxStorageInGibibytes: p.MaxStorageInGibibytes,
			Members: StateProjectMembers{Users: st.memberMap(pr, userMembers), Groups: st.memberMap(pr, groupMembers)}})
	}
	for _, t := range st.listTokens(principal{admin: true}, "", "") {
		s.Tokens = append(s.Tokens, StateToken{TokenID: t.TokenID, Subject: t.Subject, Scope: t.Scope,
			Description: t.Description, Expiry: t.Expiry})
	}
	return s
}

func (st *store) memberMap(p *project, k memberKind) map[string][]string {
	m := p.list(k)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for mk, roles := range m {
		out[st.memberName(k, mk)] = slices.Clone(roles)
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
