package ldaptest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/internal/ldaptest"
)

func TestStartAndSearch(t *testing.T) {
	s := ldaptest.Start(t, ldaptest.Users(3))
	out, err := exec.Command("ldapsearch", "-x", "-H", s.URL, "-D", ldaptest.ReaderDN, "-w", ldaptest.ReaderPassword,
		"-b", ldaptest.PeopleDN, "-LLL", "(objectClass=inetOrgPerson)", "uid").CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "uid: user"); n != 3 {
		t.Errorf("%d users found, want 3:\n%s", n, out)
	}
}
