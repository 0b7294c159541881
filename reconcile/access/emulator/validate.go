package emulator

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/jfsync/jfsync/reconcile/access"
)

// projectKeyPattern is the rule for project keys.
var projectKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)

// checkName checks a username or group name: not empty, no white space or
// control characters, at most 64 characters.
func checkName(kind, name string) error {
	switch {
	case name == "":
		return badRequest("%s name is required", kind)
	case len(name) > 64:
		return badRequest("%s %q: name is longer than 64 characters", kind, name)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return badRequest("%s %q: name may not contain white space or control characters", kind, name)
	}
	return nil
}

// checkEmail checks that s is a bare email address ("a@example.com").
func checkEmail(what, s string) error {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return badRequest("%s: email %q is not a valid address", what, s)
	}
	return nil
}

func checkStatus(what, s string) error {
	if s != access.StatusEnabled && s != access.StatusDisabled {
		return badRequest("%s: status %q must be %q or %q", what, s, access.StatusEnabled, access.StatusDisabled)
	}
	return nil
}

func checkProjectKey(k string) error {
	if !projectKeyPattern.MatchString(k) {
		return badRequest("project key %q must match %s", k, projectKeyPattern)
	}
	return nil
}

func checkActions(what string, acts []string) error {
	valid := access.Actions()
	for _, a := range acts {
		if !slices.Contains(valid, a) {
			return badRequest("%s: action %q is not one of %s", what, a, strings.Join(valid, ", "))
		}
	}
	return nil
}

// sortedFold sorts names case-insensitively and returns them.
func sortedFold(names []string) []string {
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	return names
}

// uniqueSorted returns the distinct strings of s, sorted.
func uniqueSorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
