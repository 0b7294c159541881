package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/reconcile/access"
)

func (p *planner) planProjects() {
	for _, key := range desired.SortedKeys(p.desired.Projects) {
		dp := p.desired.Projects[key]
		lp, live := p.live.Projects[key]
		if live {
			p.updateProject(dp, lp.Project)
			p.planMembers(dp, &lp)
		} else {
			p.createProject(dp)
			p.planMembers(dp, nil)
		}
	}
	p.pruneProjects()
}

// projectRequest is the project to send: the live settings (PUT replaces
// them all) with the desired fields on top.
func projectRequest(dp *desired.Project, live *access.Project) access.ProjectRequest {
	req := access.ProjectRequest{ProjectKey: dp.ProjectKey}
	if live != nil {
		req.DisplayName, req.Description, req.MaxStorageInGibibytes = live.DisplayName, live.Description, live.MaxStorageInGibibytes
		if live.AdminPrivileges != nil {
			ap := *live.AdminPrivileges
			req.AdminPrivileges = &ap
		}
	}
	if dp.DisplayName != nil {
		req.DisplayName = *dp.DisplayName
	}
	if dp.Description != nil {
		req.Description = *dp.Description
	}
	if dp.MaxStorageInGibibytes != nil {
		req.MaxStorageInGibibytes = dp.MaxStorageInGibibytes
	}
	if want := dp.AdminPrivileges; want != nil {
		if req.AdminPrivileges == nil {
			req.AdminPrivileges = &access.AdminPrivileges{}
		}
		for _, f := range adminPrivilegeFields(want, req.AdminPrivileges) {
			if f.want != nil {
				*f.have = *f.want
			}
		}
	}
	return req
}

type privilegeField struct {
	name string
	want *bool
	have *bool
}

func adminPrivilegeFields(want *desired.AdminPrivileges, have *access.AdminPrivileges) []privilegeField {
	return []privilegeField{
		{"manage_members", want.ManageMembers, &have.ManageMembers},
		{"manage_resources", want.ManageResources, &have.ManageResources},
		{"manage_security_assets", want.ManageSecurityAssets, &have.ManageSecurityAssets},
		{"index_resources", want.IndexResources, &have.IndexResources},
		{"allow_ignore_rules", want.AllowIgnoreRules, &have.AllowIgnoreRules},
	}
}

// projectFields lists the managed fields that differ.
func projectFields(dp *desired.Project, live access.Project) []FieldChange {
	var fields []FieldChange
	if fc, ok := scalar("display_name", dp.DisplayName, live.DisplayName); ok {
		fields = append(fields, fc)
	}
	if fc, ok := scalar("description", dp.Description, live.Description); ok {
		fields = append(fields, fc)
	}
	if want := dp.MaxStorageInGibibytes; want != nil && (live.MaxStorageInGibibytes == nil || *live.MaxStorageInGibibytes != *want) {
		from := "none"
		if live.MaxStorageInGibibytes != nil {
			from = fmt.Sprint(*live.MaxStorageInGibibytes)
		}
		fields = append(fields, FieldChange{Field: "max_storage_in_gibibytes", From: from, To: fmt.Sprint(*want)})
	}
	if dp.AdminPrivileges != nil {
		have := access.AdminPrivileges{}
		if live.AdminPrivileges != nil {
			have = *live.AdminPrivileges
		}
		for _, f := range adminPrivilegeFields(dp.AdminPrivileges, &have) {
			if fc, ok := scalar("admin_privileges."+f.name, f.want, *f.have); ok {
				fields = append(fields, fc)
			}
		}
	}
	return fields
}

func (p *planner) createProject(dp *desired.Project) {
	if dp.DisplayName == nil {
		p.errs.Add(dp.Pos.Of(""), "project %q: display_name is required to create the project, which does not exist in JFrog", dp.ProjectKey)
		return
	}
	req := projectRequest(dp, nil)
	var fields []FieldChange
	fields = append(fields, setField("display_name", dp.DisplayName)...)
	fields = append(fields, setField("description", dp.Description)...)
	fields = append(fields, setField("max_storage_in_gibibytes", dp.MaxStorageInGibibytes)...)
	c := p.add(&Change{Kind: KindProject, Name: dp.ProjectKey, Action: ActionCreate, Fields: fields, phase: phaseProjects, Calls: 1})
	if p.policy.Protects("projects", dp.ProjectKey) {
		protect(c, "create")
		return
	}
	c.apply = func(ctx context.Context, cl *access.Client) error {
		_, err := cl.CreateProject(ctx, req)
		if errors.Is(err, access.ErrConflict) {
			return cl.UpdateProject(ctx, req) // it exists already: converge
		}
		return err
	}
}

func (p *planner) updateProject(dp *desired.Project, live access.Project) {
	fields := projectFields(dp, live)
	if len(fields) == 0 {
		return
	}
	req := projectRequest(dp, &live)
	c := p.add(&Change{Kind: KindProject, Name: dp.ProjectKey, Action: ActionUpdate, Fields: fields, phase: phaseProjects, Calls: 1})
	if p.policy.Protects("projects", dp.ProjectKey) {
		protect(c, "update")
		return
	}
	c.apply = func(ctx context.Context, cl *access.Client) error { return cl.UpdateProject(ctx, req) }
}

// memberSide is the user or the group side of a project's members.
type memberSide struct {
	kind   string // "user" or "group"
	want   map[string][]string
	have   map[string][]string
	exists func(string) bool
	name   func(string) string
	dep    func(string) []string
	set    func(cl *access.Client, ctx context.Context, project, name string, roles []string) error
	remove func(cl *access.Client, ctx context.Context, project, name string) error
}

func (p *planner) planMembers(dp *desired.Project, lp *LiveProject) {
	if dp.Members == nil {
		return
	}
	var haveUsers, haveGroups map[string][]string
	var projectDep []string
	if lp != nil {
		haveUsers, haveGroups = lp.Users, lp.Groups
	} else {
		projectDep = []string{KindProject + "/" + dp.ProjectKey + "/" + ActionCreate}
	}
	sides := []memberSide{
		{kind: "user", want: dp.Members.Users, have: haveUsers, exists: p.userExists, name: p.userName,
			dep: func(k string) []string { return p.userDeps([]string{k}) },
			set: (*access.Client).SetProjectUser, remove: (*access.Client).RemoveProjectUser},
		{kind: "group", want: dp.Members.Groups, have: haveGroups, exists: p.groupExists, name: p.groupName,
			dep: func(k string) []string { return nonEmpty(p.groupDep(k)) },
			set: (*access.Client).SetProjectGroup, remove: (*access.Client).RemoveProjectGroup},
	}
	for _, side := range sides {
		if side.want != nil {
			p.planMemberSide(dp, side, projectDep)
		}
	}
}

func (p *planner) planMemberSide(dp *desired.Project, side memberSide, projectDep []string) {
	key := dp.ProjectKey
	protected := p.policy.Protects("projects", key)
	for _, mk := range desired.SortedKeys(side.want) {
		if !side.exists(mk) {
			p.missing(dp.Pos.Of("members."+side.kind+"s."+mk), fmt.Sprintf("project %q", key), side.kind, mk)
			continue
		}
		roles := sortedSet(side.want[mk])
		old, isMember := side.have[mk]
		if isMember && slices.Equal(sortedSet(old), roles) {
			continue
		}
		name := side.name(mk)
		c := &Change{Kind: KindProjectMember, Name: fmt.Sprintf("%s/%s:%s", key, side.kind, name), Action: ActionCreate,
			Fields: []FieldChange{{Field: "roles", To: listText(roles)}}, phase: phaseProjectMembers, Calls: 1,
			deps: append(append([]string{}, projectDep...), side.dep(mk)...)}
		if isMember {
			c.Action = ActionUpdate
			c.Fields[0].From = listText(sortedSet(old))
		}
		p.add(c)
		if protected {
			protect(c, c.Action)
			continue
		}
		set := side.set
		c.apply = func(ctx context.Context, cl *access.Client) error { return set(cl, ctx, key, name, roles) }
	}
	if !p.policy.Prune.ProjectMembers {
		return
	}
	for _, mk := range desired.SortedKeys(side.have) {
		if _, wanted := side.want[mk]; wanted {
			continue
		}
		name := side.name(mk)
		c := p.add(&Change{Kind: KindProjectMember, Name: fmt.Sprintf("%s/%s:%s", key, side.kind, name), Action: ActionDelete,
			Fields: []FieldChange{{Field: "roles", From: listText(sortedSet(side.have[mk]))}}, phase: phaseDeleteProjectMembers, Calls: 1})
		if protected {
			protect(c, "delete")
			continue
		}
		remove := side.remove
		c.apply = func(ctx context.Context, cl *access.Client) error { return ignoreNotFound(remove(cl, ctx, key, name)) }
	}
}

// listText shows a set as [a, b].
func listText(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

// pruneProjects deletes the managed live projects no source declares, when
// policy.prune.projects says so.
func (p *planner) pruneProjects() {
	if !p.policy.Prune.Projects {
		return
	}
	for _, key := range desired.SortedKeys(p.live.Projects) {
		if _, declared := p.desired.Projects[key]; declared || !p.policy.Manages("projects", key) {
			continue
		}
		c := p.add(&Change{Kind: KindProject, Name: key, Action: ActionDelete, phase: phaseDeleteProjects, Calls: 1})
		c.apply = func(ctx context.Context, cl *access.Client) error { return ignoreNotFound(cl.DeleteProject(ctx, key)) }
		if p.policy.Protects("projects", key) {
			protect(c, "delete")
		}
	}
}
