package emulator

// membership is the group membership relation, indexed both ways so that
// a group's members and a user's groups are each found without a scan.
type membership struct {
	byGroup map[string]map[string]bool // group key -> user keys
	byUser  map[string]map[string]bool // user key -> group keys
}

func newMembership() membership {
	return membership{byGroup: map[string]map[string]bool{}, byUser: map[string]map[string]bool{}}
}

func (m membership) add(groupKey, userKey string) {
	link(m.byGroup, groupKey, userKey)
	link(m.byUser, userKey, groupKey)
}

func (m membership) remove(groupKey, userKey string) {
	delete(m.byGroup[groupKey], userKey)
	delete(m.byUser[userKey], groupKey)
}

// removeUser drops a user from every group.
func (m membership) removeUser(userKey string) {
	for gk := range m.byUser[userKey] {
		delete(m.byGroup[gk], userKey)
	}
	delete(m.byUser, userKey)
}

// removeGroup drops every member of a group.
func (m membership) removeGroup(groupKey string) {
	for uk := range m.byGroup[groupKey] {
		delete(m.byUser[uk], groupKey)
	}
	delete(m.byGroup, groupKey)
}

func link(index map[string]map[string]bool, from, to string) {
	if index[from] == nil {
		index[from] = map[string]bool{}
	}
	index[from][to] = true
}
