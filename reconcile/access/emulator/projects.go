package emulator

import (
	"slices"
	"strings"

	"github.com/jfsync/jfsync/reconcile/access"
)

const gibibyte = 1 << 30

// defaultAdminPrivileges are a new project's when the request sets none.
func defaultAdminPrivileges() *access.AdminPrivileges {
	return &access.AdminPrivileges{ManageMembers: true, ManageResources: true, IndexResources: true}
}

func (p *project) view() access.Project {
	out := p.Project
	if out.AdminPrivileges != nil {
		ap := *out.AdminPrivileges
		out.AdminPrivileges = &ap
	}
	return out
}

func (st *store) listProjects() []access.Project {
	out := make([]access.Project, 0, len(st.projects))
	for _, p := range st.projects {
		out = append(out, p.view())
	}
	slices.SortFunc(out, func(a, b access.Project) int { return strings.Compare(a.ProjectKey, b.ProjectKey) })
	return out
}

func (st *store) project(k string) (*project, error) {
	p := st.projects[k]
	if p == nil {
		return nil, notFound("project %q not found", k)
	}
	return p, nil
}

func (st *store) createProject(req access.ProjectRequest) (access.Project, error) {
	if err := checkProjectRequest(req); err != nil {
		return access.Project{}, err
	}
	if st.projects[req.ProjectKey] != nil {
		return access.Project{}, conflict("project %q already exists", req.ProjectKey)
	}
	p := &project{users: map[string][]string{}, groups: map[string][]string{}}
	p.apply(req)
	st.projects[req.ProjectKey] = p
	return p.view(), nil
}

func (st *store) updateProject(k string, req access.ProjectRequest) error {
	p, err := st.project(k)
	if err != nil {
		return err
	}
	if req.ProjectKey != k {
		return badRequest("project %q: the project_key in the body (%q) must be the project's key", k, req.ProjectKey)
	}
	if err := checkProjectRequest(req); err != nil {
		return err
	}
	p.apply(req)
	return nil
}

// apply sets a project's settings from a request (updateProject replaces
// them).
func (p *project) apply(req access.ProjectRequest) {
	p.ProjectKey = req.ProjectKey
	p.DisplayName = req.DisplayName
	p.Description = req.Description
	p.AdminPrivileges = req.AdminPrivileges
	if p.AdminPrivileges == nil {
		p.AdminPrivileges = defaultAdminPrivileges()
	}
	p.MaxStorageInGibibytes, p.StorageQuotaBytes = nil, nil
	if req.MaxStorageInGibibytes != nil {
		gib := *req.MaxStorageInGibibytes
		quota := gib * gibibyte
		p.MaxStorageInGibibytes, p.StorageQuotaBytes = &gib, &quota
	}
	if p.SoftLimit == nil {
		p.SoftLimit = ptr(false)
	}
	if p.StorageQuotaEmailNotification == nil {
		p.StorageQuotaEmailNotification = ptr(true)
	}
}

func checkProjectRequest(req access.ProjectRequest) error {
	if req.ProjectKey == "" {
		return badRequest("project_key is required")
	}
	if err := checkProjectKey(req.ProjectKey); err != nil {
		return err
	}
	if req.DisplayName == "" {
		return badRequest("project %q: display_name is required", req.ProjectKey)
	}
	if m := req.MaxStorageInGibibytes; m != nil && (*m < 0 || *m > 1<<30) {
		return badRequest("project %q: max_storage_in_gibibytes %d is out of range", req.ProjectKey, *m)
	}
	return nil
}

func (st *store) deleteProject(k string) error {
	if _, err := st.project(k); err != nil {
		return err
	}
	delete(st.projects, k)
	return nil
}

// memberKind says which members of a project: users or groups.
type memberKind int

const (
	userMembers memberKind = iota
	groupMembers
)

func (k memberKind) String() string {
	if k == userMembers {
		return "user"
	}
	return "group"
}

// list returns the project's members of this kind, by user or group key.
func (p *project) list(k memberKind) map[string][]string {
	if k == userMembers {
		return p.users
	}
	return p.groups
}

// memberName returns the name of the user or group with this key, or ""
// when there is none.
func (st *store) memberName(k memberKind, memberKey string) string {
	if k == userMembers {
		if u := st.users[memberKey]; u != nil {
			return u.Username
		}
		return ""
	}
	if g := st.groups[memberKey]; g != nil {
		return g.Name
	}
	return ""
}

func (st *store) projectMembers(projectKey string, k memberKind) (access.ProjectMembers, error) {
	p, err := st.project(projectKey)
	if err != nil {
		return access.ProjectMembers{}, err
	}
	m := p.list(k)
	out := access.ProjectMembers{Members: make([]access.ProjectMember, 0, len(m))}
	for mk, roles := range m {
		out.Members = append(out.Members, access.ProjectMember{Name: st.memberName(k, mk), Roles: slices.Clone(roles)})
	}
	slices.SortFunc(out.Members, func(a, b access.ProjectMember) int { return strings.Compare(key(a.Name), key(b.Name)) })
	return out, nil
}

// setProjectMember makes a user or group a member of a project with exactly
// these roles. An unknown project, user or group is 404.
func (st *store) setProjectMember(projectKey string, k memberKind, name string, roles []string) error {
	p, err := st.project(projectKey)
	if err != nil {
		return err
	}
	if st.memberName(k, key(name)) == "" {
		return notFound("%s %q not found", k, name)
	}
	if len(roles) == 0 {
		return badRequest("project %q: %s %q: at least one role is required", projectKey, k, name)
	}
	for _, r := range roles {
		if strings.TrimSpace(r) == "" {
			return badRequest("project %q: %s %q: a role name may not be empty", projectKey, k, name)
		}
	}
	p.list(k)[key(name)] = uniqueSorted(roles)
	return nil
}

// removeProjectMember removes a user or group from a project; one that is
// not a member is 404.
func (st *store) removeProjectMember(projectKey string, k memberKind, name string) error {
	p, err := st.project(projectKey)
	if err != nil {
		return err
	}
	m := p.list(k)
	if _, ok := m[key(name)]; !ok {
		return notFound("%s %q is not a member of project %q", k, name, projectKey)
	}
	delete(m, key(name))
	return nil
}

func ptr[T any](v T) *T { return &v }
