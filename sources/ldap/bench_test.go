package ldap_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/internal/benchmem"
	"github.com/jfsync/jfsync/internal/ldaptest"
	"github.com/jfsync/jfsync/sources/ldap"
)

// largeDirectory has 10,000 users and 1,000 groups: group0000 has 5,000
// members, the others 10, and groups nest three levels deep (group n
// holds group n+1 unless n%3 == 2).
func largeDirectory() string {
	var b strings.Builder
	b.WriteString(ldaptest.Users(10_000))
	for g := range 1000 {
		fmt.Fprintf(&b, "dn: cn=group%04d,%s\nobjectClass: groupOfNames\ncn: group%04d\n", g, ldaptest.GroupsDN, g)
		n := 10
		if g == 0 {
			n = 5000
		}
		for m := range n {
			fmt.Fprintf(&b, "member: uid=user%04d,%s\n", (g*10+m)%10_000, ldaptest.PeopleDN)
		}
		if g%3 != 2 && g+1 < 1000 {
			fmt.Fprintf(&b, "member: cn=group%04d,%s\n", g+1, ldaptest.GroupsDN)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func BenchmarkLoadLargeDirectory(b *testing.B) {
	s := ldaptest.Start(b, largeDirectory())
	b.Setenv("TEST_LDAP_PASSWORD", ldaptest.ReaderPassword)
	cfg := config(s, func(c *ldap.Config) {
		c.Groups.Filter, c.Groups.Nested, c.Groups.NameTemplate = "(objectClass=groupOfNames)", "expand", ""
	})
	var trips int64
	var peak float64
	for b.Loop() {
		src, err := ldap.New("corp", cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		peak = benchmem.PeakHeapMB(func() {
			state, _, err := src.Load(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if len(state.Users) != 10_000 || len(state.Groups) != 1000 || len(state.Groups["group0000"].Members) != 5000 || len(state.Groups["group0003"].Members) != 30 {
				b.Fatalf("%d users, %d groups, %d members of group0000", len(state.Users), len(state.Groups), len(state.Groups["group0000"].Members))
			}
		})
		trips = src.RoundTrips()
	}
	b.ReportMetric(11_000, "objects")
	b.ReportMetric(float64(trips), "read-calls")
	b.ReportMetric(peak, "peak-MB")
}
