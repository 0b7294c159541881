package emulator

import (
	"crypto/sha256"
	"time"

	"github.com/jfsync/jfsync/reconcile/access"
)

// store holds the emulator's objects. It is not safe for concurrent use: the
// Server locks around every operation.
//
// Usernames and group names are keys in lower case (they match
// case-insensitively) and keep the spelling they were created with.
// Group membership is one relation, so that a group's members and each
// user's groups always agree.
type store struct {
	now         func() time.Time
	users       map[string]*user
	userOrder   []string // sorted keys of users; nil when users changed
	groups      map[string]*group
	members     membership
	permissions map[string]*access.Permission
	projects    map[string]*project
	tokens      map[string]*token // by token ID
}

type user struct {
	access.User // Groups is not used: see store.members
	password    [sha256.Size]byte
	hasPassword bool
}

type group struct {
	access.Group // Members is not used: see store.members
}

type project struct {
	access.Project
	users  map[string][]string // user key -> roles
	groups map[string][]string // group key -> roles
}

type token struct {
	access.TokenInfo
	value     string
	reference string
}

func emptyStore(now func() time.Time) *store {
	return &store{
		now:         now,
		users:       make(map[string]*user),
		groups:      make(map[string]*group),
		members:     newMembership(),
		permissions: make(map[string]*access.Permission),
		projects:    make(map[string]*project),
		tokens:      make(map[string]*token),
	}
}

// groupsOf returns the names of the groups a user belongs to, sorted.
func (st *store) groupsOf(userKey string) []string {
	names := make([]string, 0, len(st.members.byUser[userKey]))
	for gk := range st.members.byUser[userKey] {
		names = append(names, st.groups[gk].Name)
	}
	return sortedFold(names)
}

// membersOf returns the usernames of a group's members, sorted.
func (st *store) membersOf(groupKey string) []string {
	names := make([]string, 0, len(st.members.byGroup[groupKey]))
	for uk := range st.members.byGroup[groupKey] {
		names = append(names, st.users[uk].Username)
	}
	return sortedFold(names)
}

// userKeys resolves usernames to user keys; an unknown name is an error.
func (st *store) userKeys(names []string, what string) ([]string, error) {
	keys := make([]string, 0, len(names))
	for _, n := range names {
		if st.users[key(n)] == nil {
			return nil, badRequest("%s: user %q does not exist", what, n)
		}
		keys = append(keys, key(n))
	}
	return keys, nil
}

// groupKeys resolves group names to group keys; an unknown name is an
// error.
func (st *store) groupKeys(names []string, what string) ([]string, error) {
	keys := make([]string, 0, len(names))
	for _, n := range names {
		if st.groups[key(n)] == nil {
			return nil, badRequest("%s: group %q does not exist", what, n)
		}
		keys = append(keys, key(n))
	}
	return keys, nil
}

// setUserGroups makes the user a member of exactly these groups.
func (st *store) setUserGroups(userKey string, groupKeys []string) {
	st.members.removeUser(userKey)
	for _, gk := range groupKeys {
		st.members.add(gk, userKey)
	}
}

// setGroupMembers makes these users exactly the group's members.
func (st *store) setGroupMembers(groupKey string, userKeys []string) {
	st.members.removeGroup(groupKey)
	for _, uk := range userKeys {
		st.members.add(groupKey, uk)
	}
}

func (st *store) addMember(groupKey, userKey string) { st.members.add(groupKey, userKey) }
