package emulator

import (
	"fmt"
	"net/http"
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

func (st *store) projectUsers(k string) ([]access.ProjectMember, error) {
	p, err := st.project(k)
	if err != nil {
		return nil, err
	}
	return memberList(p.users, func(uk string) string { return st.users[uk].Username }), nil
}

func (st *store) projectGroups(k string) ([]access.ProjectMember, error) {
	p, err := st.project(k)
	if err != nil {
		return nil, err
	}
	return memberList(p.groups, func(gk string) string { return st.groups[gk].Name }), nil
}

func memberList(m map[string][]string, name func(string) string) []access.ProjectMember {
	out := make([]access.ProjectMember, 0, len(m))
	for k, roles := range m {
		out = append(out, access.ProjectMember{Name: name(k), Roles: slices.Clone(roles)})
	}
	slices.SortFunc(out, func(a, b access.ProjectMember) int { return strings.Compare(key(a.Name), key(b.Name)) })
	return out
}

func (st *store) setProjectUser(k, username string, roles []string) error {
	p, err := st.project(k)
	if err != nil {
		return err
	}
	if st.users[key(username)] == nil {
		return notFound("user %q not found", username)
	}
	if err := checkRoles(fmt.Sprintf("project %q: user %q", k, username), roles); err != nil {
		return err
	}
	p.users[key(username)] = uniqueSorted(roles)
	return nil
}

func (st *store) setProjectGroup(k, name string, roles []string) error {
	p, err := st.project(k)
	if err != nil {
		return err
	}
	if st.groups[key(name)] == nil {
		return notFound("group %q not found", name)
	}
	if err := checkRoles(fmt.Sprintf("project %q: group %q", k, name), roles); err != nil {
		return err
	}
	p.groups[key(name)] = uniqueSorted(roles)
	return nil
}

func checkRoles(what string, roles []string) error {
	if len(roles) == 0 {
		return badRequest("%s: at least one role is required", what)
	}
	for _, r := range roles {
		if strings.TrimSpace(r) == "" {
			return badRequest("%s: a role name may not be empty", what)
		}
	}
	return nil
}

// removeProjectMember removes a user or group (per members) from a project;
// one that is not a member is 404.
func (st *store) removeProjectMember(k, kind, name string, members func(*project) map[string][]string) error {
	p, err := st.project(k)
	if err != nil {
		return err
	}
	m := members(p)
	if _, ok := m[key(name)]; !ok {
		return notFound("%s %q is not a member of project %q", kind, name, k)
	}
	delete(m, key(name))
	return nil
}

func ptr[T any](v T) *T { return &v }

func (s *Server) listProjects(w http.ResponseWriter, _ *http.Request, _ principal) {
	var projects []access.Project
	s.withStore(func(st *store) { projects = st.listProjects() })
	writeJSON(w, http.StatusOK, projects)
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request, _ principal) {
	var p access.Project
	var err error
	s.withStore(func(st *store) {
		var pr *project
		if pr, err = st.project(r.PathValue("projectKey")); err == nil {
			p = pr.view()
		}
	})
	answer(w, http.StatusOK, p, err)
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request, _ principal) {
	var req access.ProjectRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var p access.Project
	var err error
	s.withStore(func(st *store) { p, err = st.createProject(req) })
	answer(w, http.StatusCreated, p, err)
}

func (s *Server) updateProject(w http.ResponseWriter, r *http.Request, _ principal) {
	var req access.ProjectRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var err error
	s.withStore(func(st *store) { err = st.updateProject(r.PathValue("projectKey"), req) })
	answer(w, http.StatusOK, nil, err)
}

func (s *Server) deleteProject(w http.ResponseWriter, r *http.Request, _ principal) {
	var err error
	s.withStore(func(st *store) { err = st.deleteProject(r.PathValue("projectKey")) })
	answer(w, http.StatusNoContent, nil, err)
}

func (s *Server) listProjectUsers(w http.ResponseWriter, r *http.Request, _ principal) {
	var m []access.ProjectMember
	var err error
	s.withStore(func(st *store) { m, err = st.projectUsers(r.PathValue("projectKey")) })
	answer(w, http.StatusOK, access.ProjectMembers{Members: m}, err)
}

func (s *Server) listProjectGroups(w http.ResponseWriter, r *http.Request, _ principal) {
	var m []access.ProjectMember
	var err error
	s.withStore(func(st *store) { m, err = st.projectGroups(r.PathValue("projectKey")) })
	answer(w, http.StatusOK, access.ProjectMembers{Members: m}, err)
}

func (s *Server) addProjectUser(w http.ResponseWriter, r *http.Request, _ principal) {
	var req access.ProjectRoles
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var err error
	s.withStore(func(st *store) {
		err = st.setProjectUser(r.PathValue("projectKey"), r.PathValue("username"), req.Roles)
	})
	answer(w, http.StatusOK, nil, err)
}

func (s *Server) removeProjectUser(w http.ResponseWriter, r *http.Request, _ principal) {
	var err error
	s.withStore(func(st *store) {
		err = st.removeProjectMember(r.PathValue("projectKey"), "user", r.PathValue("username"), func(p *project) map[string][]string { return p.users })
	})
	answer(w, http.StatusNoContent, nil, err)
}

func (s *Server) addProjectGroup(w http.ResponseWriter, r *http.Request, _ principal) {
	var req access.ProjectRoles
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var err error
	s.withStore(func(st *store) {
		err = st.setProjectGroup(r.PathValue("projectKey"), r.PathValue("groupName"), req.Roles)
	})
	answer(w, http.StatusOK, nil, err)
}

func (s *Server) removeProjectGroup(w http.ResponseWriter, r *http.Request, _ principal) {
	var err error
	s.withStore(func(st *store) {
		err = st.removeProjectMember(r.PathValue("projectKey"), "group", r.PathValue("groupName"), func(p *project) map[string][]string { return p.groups })
	})
	answer(w, http.StatusNoContent, nil, err)
}
