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

func (p *planner) planUsers() {
	for _, k := range desired.SortedKeys(p.desired.Users) {
		du := p.desired.Users[k]
		if lu, ok := p.live.Users[k]; ok {
			p.updateUser(du, lu)
		} else {
			p.createUser(k, du)
		}
	}
	p.pruneUsers()
}

// createGroups are the live groups a new user joins in its create call:
// the managed, unprotected groups whose desired members include it.
func (p *planner) createGroups(userKey string) []string {
	var out []string
	for _, gk := range desired.SortedKeys(p.memberships) {
		lg, live := p.live.Groups[gk]
		if !live || !p.policy.Manages("groups", lg.Name) || p.policy.Protects("groups", lg.Name) {
			continue
		}
		if slices.Contains(p.memberships[gk], userKey) {
			out = append(out, gk)
		}
	}
	return out
}

func (p *planner) createUser(k string, du *desired.User) {
	c := &Change{Kind: KindUser, Name: du.Username, Action: ActionCreate, phase: phaseUsers, Calls: 1}
	if p.policy.Protects("users", du.Username) {
		protect(p.add(c), "create")
		return
	}
	if du.Email == nil {
		p.errs.Add(du.Pos.Of(""), "user %q: email is required to create the user, who does not exist in JFrog", du.Username)
		return
	}
	groups := p.createGroups(k)
	req := access.CreateUserRequest{Username: du.Username, Email: *du.Email, Admin: du.Admin,
		ProfileUpdatable: du.ProfileUpdatable, DisableUIAccess: du.DisableUIAccess}
	for _, gk := range groups {
		req.Groups = append(req.Groups, p.live.Groups[gk].Name)
	}
	disabled := du.Status != nil && *du.Status == access.StatusDisabled
	if disabled {
		c.Calls = 2 // the create call takes no status: a PATCH follows
	}
	c.Fields = append(c.Fields, setField("email", du.Email)...)
	c.Fields = append(c.Fields, setField("admin", du.Admin)...)
	c.Fields = append(c.Fields, setField("profile_updatable", du.ProfileUpdatable)...)
	c.Fields = append(c.Fields, setField("disable_ui_access", du.DisableUIAccess)...)
	c.Fields = append(c.Fields, setField("status", du.Status)...)
	if len(req.Groups) > 0 {
		c.Fields = append(c.Fields, FieldChange{Field: "groups", Added: req.Groups})
	}
	update := userUpdate(du)
	c.apply = func(ctx context.Context, cl *access.Client) error {
		return applyCreateUser(ctx, cl, req, update, disabled)
	}
	p.add(c)

	p.created[k] = true
	for _, gk := range groups {
		p.joined[gk] = append(p.joined[gk], k)
	}
	for gk, lg := range p.live.Groups {
		if lg.AutoJoin {
			p.joined[gk] = append(p.joined[gk], k) // the server's side effect
		}
	}
}

// applyCreateUser creates a user with a random password that is never
// shown. When the user exists already (409), it converges instead: the
// desired fields are set, and the user joins the create call's groups.
func applyCreateUser(ctx context.Context, cl *access.Client, req access.CreateUserRequest, update access.UpdateUserRequest, disabled bool) error {
	pw, err := randomPassword()
	if err != nil {
		return err
	}
	req.Password = pw
	_, err = cl.CreateUser(ctx, req)
	switch {
	case errors.Is(err, access.ErrConflict):
		return convergeUser(ctx, cl, req, update)
	case err != nil:
		return err
	case disabled:
		return cl.UpdateUser(ctx, req.Username, access.UpdateUserRequest{Status: ptr(access.StatusDisabled)})
	}
	return nil
}

func convergeUser(ctx context.Context, cl *access.Client, req access.CreateUserRequest, update access.UpdateUserRequest) error {
	if err := cl.UpdateUser(ctx, req.Username, update); err != nil {
		return fmt.Errorf("user exists already; update it: %w", err)
	}
	u, err := cl.GetUser(ctx, req.Username)
	if err != nil {
		return err
	}
	for _, g := range req.Groups {
		if slices.Contains(lowerAll(u.Groups), desired.Key(g)) {
			continue
		}
		group, err := cl.GetGroup(ctx, g)
		if err != nil {
			return err
		}
		members := append(group.Members, req.Username)
		if err := cl.UpdateGroup(ctx, access.GroupUpdate{Name: group.Name, Members: &members}); err != nil {
			return err
		}
	}
	return nil
}

// userUpdate is the PATCH that sets every field the desired user sets.
func userUpdate(du *desired.User) access.UpdateUserRequest {
	return access.UpdateUserRequest{Email: du.Email, Admin: du.Admin, ProfileUpdatable: du.ProfileUpdatable,
		DisableUIAccess: du.DisableUIAccess, Status: du.Status}
}

func (p *planner) updateUser(du *desired.User, lu access.User) {
	var fields []FieldChange
	var req access.UpdateUserRequest
	if du.Email != nil && !strings.EqualFold(*du.Email, lu.Email) {
		fields = append(fields, FieldChange{Field: "email", From: lu.Email, To: *du.Email})
		req.Email = du.Email
	}
	for _, f := range []struct {
		name string
		want *bool
		have bool
		dst  **bool
	}{
		{"admin", du.Admin, lu.Admin, &req.Admin},
		{"profile_updatable", du.ProfileUpdatable, lu.ProfileUpdatable, &req.ProfileUpdatable},
		{"disable_ui_access", du.DisableUIAccess, lu.DisableUIAccess, &req.DisableUIAccess},
	} {
		if fc, ok := scalar(f.name, f.want, f.have); ok {
			fields = append(fields, fc)
			*f.dst = f.want
		}
	}
	if fc, ok := scalar("status", du.Status, orEnabled(lu.Status)); ok {
		fields = append(fields, fc)
		req.Status = du.Status
	}
	if len(fields) == 0 {
		return
	}
	c := p.add(&Change{Kind: KindUser, Name: lu.Username, Action: ActionUpdate, Fields: fields, phase: phaseUsers, Calls: 1})
	if p.policy.Protects("users", lu.Username) {
		protect(c, "update")
		return
	}
	name := lu.Username
	c.apply = func(ctx context.Context, cl *access.Client) error { return cl.UpdateUser(ctx, name, req) }
}

func orEnabled(status string) string {
	if status == "" {
		return access.StatusEnabled
	}
	return status
}

// pruneUsers disables or deletes the managed live users no source
// declares, as policy.prune.users says.
func (p *planner) pruneUsers() {
	mode := p.policy.Prune.Users
	if mode != PruneDisable && mode != PruneDelete {
		return
	}
	for _, k := range desired.SortedKeys(p.live.Users) {
		lu := p.live.Users[k]
		if _, declared := p.desired.Users[k]; declared || !p.policy.Manages("users", lu.Username) {
			continue
		}
		name := lu.Username
		c := &Change{Kind: KindUser, Name: name, Action: ActionDelete, phase: phaseDeleteUsers, Calls: 1}
		c.apply = func(ctx context.Context, cl *access.Client) error { return ignoreNotFound(cl.DeleteUser(ctx, name)) }
		if mode == PruneDisable {
			if orEnabled(lu.Status) == access.StatusDisabled {
				continue
			}
			c.Action = ActionDisable
			c.Fields = []FieldChange{{Field: "status", From: orEnabled(lu.Status), To: access.StatusDisabled}}
			c.apply = func(ctx context.Context, cl *access.Client) error {
				return ignoreNotFound(cl.UpdateUser(ctx, name, access.UpdateUserRequest{Status: ptr(access.StatusDisabled)}))
			}
		}
		p.add(c)
		if p.policy.Protects("users", name) {
			protect(c, c.Action)
		}
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, access.ErrNotFound) {
		return nil
	}
	return err
}

func ptr[T any](v T) *T { return &v }

func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = desired.Key(n)
	}
	return out
}
