package reconcile

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/reconcile/access"
)

// Live is the live state of a JFrog instance, by canonical key (Key of
// usernames and group names; permission names and project keys as they
// are).
type Live struct {
	Users       map[string]access.User
	Groups      map[string]access.Group
	Permissions map[string]access.Permission
	Projects    map[string]LiveProject
}

// LiveProject is a project with its members: roles by user or group key.
type LiveProject struct {
	access.Project
	Users  map[string][]string
	Groups map[string][]string
}

// NewLive returns an empty live state.
func NewLive() *Live {
	return &Live{
		Users:       map[string]access.User{},
		Groups:      map[string]access.Group{},
		Permissions: map[string]access.Permission{},
		Projects:    map[string]LiveProject{},
	}
}

// Counts counts the live objects.
func (l *Live) Counts() desired.Counts {
	return desired.Counts{Users: len(l.Users), Groups: len(l.Groups), Permissions: len(l.Permissions), Projects: len(l.Projects)}
}

// liveReaders bounds how many read calls ReadLive makes at once.
const liveReaders = 4

// ReadLive reads the live state at the cost of DESIGN section 7: one list
// call per kind (pages for users) and two calls per project for its
// members. Nothing is read twice.
func ReadLive(ctx context.Context, c *access.Client) (*Live, error) {
	live := NewLive()
	var users []access.User
	var groups []access.Group
	var perms []access.Permission
	var projects []access.Project
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(liveReaders)
	g.Go(func() (err error) {
		users, err = c.ListUsers(gctx, access.ListUsersOptions{})
		return wrap("list users", err)
	})
	g.Go(func() (err error) { groups, err = c.ListGroups(gctx); return wrap("list groups", err) })
	g.Go(func() (err error) { perms, err = c.ListPermissions(gctx); return wrap("list permissions", err) })
	g.Go(func() (err error) { projects, err = c.ListProjects(gctx); return wrap("list projects", err) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, u := range users {
		live.Users[desired.Key(u.Username)] = u
	}
	for _, gr := range groups {
		live.Groups[desired.Key(gr.Name)] = gr
	}
	for _, p := range perms {
		live.Permissions[p.Name] = p
	}
	members := make([]LiveProject, len(projects))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(liveReaders)
	for i, p := range projects {
		members[i] = LiveProject{Project: p}
		g.Go(func() error {
			us, err := c.ListProjectUsers(gctx, p.ProjectKey)
			if err != nil {
				return fmt.Errorf("list users of project %q: %w", p.ProjectKey, err)
			}
			members[i].Users = roleMap(us)
			return nil
		})
		g.Go(func() error {
			gs, err := c.ListProjectGroups(gctx, p.ProjectKey)
			if err != nil {
				return fmt.Errorf("list groups of project %q: %w", p.ProjectKey, err)
			}
			members[i].Groups = roleMap(gs)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, p := range members {
		live.Projects[p.ProjectKey] = p
	}
	return live, nil
}

func roleMap(members []access.ProjectMember) map[string][]string {
	out := make(map[string][]string, len(members))
	for _, m := range members {
		out[desired.Key(m.Name)] = sortedSet(m.Roles)
	}
	return out
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
