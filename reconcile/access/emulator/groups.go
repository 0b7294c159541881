package emulator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jfsync/jfsync/reconcile/access"
)

func (st *store) groupView(g *group) access.Group {
	out := g.Group
	out.Members = st.membersOf(key(g.Name))
	return out
}

func (st *store) listGroups() []access.Group {
	out := make([]access.Group, 0, len(st.groups))
	for _, g := range st.groups {
		out = append(out, st.groupView(g))
	}
	slices.SortFunc(out, func(a, b access.Group) int { return strings.Compare(key(a.Name), key(b.Name)) })
	return out
}

func (st *store) getGroup(name string) (access.Group, error) {
	g := st.groups[key(name)]
	if g == nil {
		return access.Group{}, notFound("group %q not found", name)
	}
	return st.groupView(g), nil
}

func (st *store) createGroup(req access.Group) error {
	if err := checkName("group", req.Name); err != nil {
		return err
	}
	gk := key(req.Name)
	if st.groups[gk] != nil {
		return conflict("group %q already exists", req.Name)
	}
	userKeys, err := st.userKeys(req.Members, fmt.Sprintf("group %q", req.Name))
	if err != nil {
		return err
	}
	g := &group{Group: req}
	g.Members = nil
	st.groups[gk] = g
	st.setGroupMembers(gk, userKeys)
	return nil
}

func (st *store) updateGroup(name string, req access.GroupUpdate) error {
	gk := key(name)
	g := st.groups[gk]
	if g == nil {
		return notFound("group %q not found", name)
	}
	if key(req.Name) != gk {
		return badRequest("group %q: the name in the body (%q) must be the group's name", g.Name, req.Name)
	}
	var userKeys []string
	if req.Members != nil {
		var err error
		if userKeys, err = st.userKeys(*req.Members, fmt.Sprintf("group %q", g.Name)); err != nil {
			return err
		}
	}
	setIf(&g.Description, req.Description)
	setIf(&g.AutoJoin, req.AutoJoin)
	setIf(&g.AdminPrivileges, req.AdminPrivileges)
	setIf(&g.Realm, req.Realm)
	setIf(&g.ExternalID, req.ExternalID)
	if req.Members != nil {
		st.setGroupMembers(gk, userKeys)
	}
	return nil
}

func (st *store) deleteGroup(name string) error {
	gk := key(name)
	if st.groups[gk] == nil {
		return notFound("group %q not found", name)
	}
	delete(st.groups, gk)
	st.members.removeGroup(gk)
	for _, p := range st.permissions {
		forEachTarget(p, func(t *access.PermissionTarget) { deleteFold(t.Actions.Groups, gk) })
	}
	for _, p := range st.projects {
		delete(p.groups, gk)
	}
	return nil
}
