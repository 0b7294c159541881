package desired

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// The rules for names.
var (
	usernamePattern   = regexp.MustCompile(`^[A-Za-z0-9._@+-]+$`)
	groupNamePattern  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	permissionPattern = regexp.MustCompile(`^[A-Za-z0-9._ -]+$`)
	projectKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)
)

const maxNameLength = 64

// Validate checks every rule that needs no live state: names, emails,
// enums, project keys, actions, roles, and the names that lists hold. It
// returns a *ListError, or nil.
func Validate(s *State) error {
	var errs Errors
	for _, k := range SortedKeys(s.Users) {
		validateUser(&errs, s.Users[k])
	}
	for _, k := range SortedKeys(s.Groups) {
		validateGroup(&errs, s.Groups[k])
	}
	for _, k := range SortedKeys(s.Permissions) {
		validatePermission(&errs, s.Permissions[k])
	}
	for _, k := range SortedKeys(s.Projects) {
		validateProject(&errs, s.Projects[k])
	}
	return errs.Err()
}

// CheckUsername returns what is wrong with a username, or "".
func CheckUsername(name string) string {
	return checkName(name, usernamePattern, "letters, digits, '.', '_', '-', '@' and '+'")
}

// CheckGroupName returns what is wrong with a group name, or "".
func CheckGroupName(name string) string {
	return checkName(name, groupNamePattern, "letters, digits, '.', '_' and '-'")
}

func checkName(name string, pattern *regexp.Regexp, allowed string) string {
	switch {
	case name == "":
		return "name may not be empty"
	case len(name) > maxNameLength:
		return fmt.Sprintf("name is longer than %d characters", maxNameLength)
	case !pattern.MatchString(name):
		return "name may contain only " + allowed
	}
	return ""
}

// CheckEmail returns what is wrong with an email address, or "".
func CheckEmail(email string) string {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return fmt.Sprintf("email %q is not a valid address (want name@example.com)", email)
	}
	return ""
}

func validateUser(errs *Errors, u *User) {
	what := fmt.Sprintf("user %q", u.Username)
	if msg := CheckUsername(u.Username); msg != "" {
		errs.Add(u.Pos.Of("username"), "%s: %s", what, msg)
	}
	if u.Email != nil {
		if msg := CheckEmail(*u.Email); msg != "" {
			errs.Add(u.Pos.Of("email"), "%s: %s", what, msg)
		}
	}
	if u.Status != nil && *u.Status != "enabled" && *u.Status != "disabled" {
		errs.Add(u.Pos.Of("status"), "%s: status %q must be enabled or disabled", what, *u.Status)
	}
	for _, g := range u.Groups {
		if msg := CheckGroupName(g); msg != "" {
			errs.Add(u.Pos.Of("groups."+g), "%s: group %q: %s", what, g, msg)
		}
	}
}

func validateGroup(errs *Errors, g *Group) {
	what := fmt.Sprintf("group %q", g.Name)
	if msg := CheckGroupName(g.Name); msg != "" {
		errs.Add(g.Pos.Of("name"), "%s: %s", what, msg)
	}
	for _, m := range g.Members {
		if msg := CheckUsername(m); msg != "" {
			errs.Add(g.Pos.Of("members."+m), "%s: member %q: %s", what, m, msg)
		}
	}
}

func validatePermission(errs *Errors, p *Permission) {
	what := fmt.Sprintf("permission %q", p.Name)
	if msg := checkName(p.Name, permissionPattern, "letters, digits, spaces, '.', '_' and '-'"); msg != "" {
		errs.Add(p.Pos.Of("name"), "%s: %s", what, msg)
	}
	valid := Actions()
	checkAction := func(a string) string {
		if !slices.Contains(valid, a) {
			return fmt.Sprintf("action %q is not one of %s", a, strings.Join(valid, ", "))
		}
		return ""
	}
	for _, typ := range ResourceTypes() {
		targets := p.Resources.ByType(typ)
		for _, res := range SortedKeys(targets) {
			path := "resources." + typ + "." + res
			t := targets[res]
			if strings.TrimSpace(res) == "" {
				errs.Add(p.Pos.Of(path), "%s: %s: a resource name may not be empty", what, typ)
			}
			for _, pat := range append(slices.Clone(t.IncludePatterns), t.ExcludePatterns...) {
				if strings.TrimSpace(pat) == "" {
					errs.Add(p.Pos.Of(path), "%s: %s %q: a pattern may not be empty", what, typ, res)
				}
			}
			checkGrants(errs, p.Pos, path+".users.", fmt.Sprintf("%s: %s %q: user", what, typ, res), t.Users, CheckUsername, checkAction)
			checkGrants(errs, p.Pos, path+".groups.", fmt.Sprintf("%s: %s %q: group", what, typ, res), t.Groups, CheckGroupName, checkAction)
		}
	}
}

// checkGrants checks a map of names to actions or roles.
func checkGrants(errs *Errors, pos Positions, prefix, what string, grants map[string][]string, checkName, checkItem func(string) string) {
	for _, name := range SortedKeys(grants) {
		at := pos.Of(prefix + name)
		if msg := checkName(name); msg != "" {
			errs.Add(at, "%s %q: %s", what, name, msg)
		}
		if len(grants[name]) == 0 {
			errs.Add(at, "%s %q: the list may not be empty", what, name)
		}
		for _, item := range grants[name] {
			if msg := checkItem(item); msg != "" {
				errs.Add(at, "%s %q: %s", what, name, msg)
			}
		}
	}
}

func validateProject(errs *Errors, p *Project) {
	what := fmt.Sprintf("project %q", p.ProjectKey)
	if !projectKeyPattern.MatchString(p.ProjectKey) {
		errs.Add(p.Pos.Of("project_key"), "%s: project_key must be 2 to 32 lower-case letters, digits or '-', starting with a letter", what)
	}
	// display_name is required to create a project; the plan checks it,
	// as a project can take members from one source and its settings
	// from another, or exist in JFrog already.
	if p.DisplayName != nil && strings.TrimSpace(*p.DisplayName) == "" {
		errs.Add(p.Pos.Of("display_name"), "%s: display_name may not be empty", what)
	}
	if m := p.MaxStorageInGibibytes; m != nil && *m < 0 {
		errs.Add(p.Pos.Of("max_storage_in_gibibytes"), "%s: max_storage_in_gibibytes may not be negative", what)
	}
	if p.Members == nil {
		return
	}
	role := func(r string) string {
		if strings.TrimSpace(r) == "" {
			return "a role name may not be empty"
		}
		return ""
	}
	checkGrants(errs, p.Pos, "members.users.", what+": member user", p.Members.Users, CheckUsername, role)
	checkGrants(errs, p.Pos, "members.groups.", what+": member group", p.Members.Groups, CheckGroupName, role)
}
