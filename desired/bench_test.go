package desired_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jfsync/jfsync/desired"
)

// largeSources spreads 50,000 users, 5,000 groups of 40 members, 1,000
// permissions and 200 projects over 100 files in two sources.
func largeSources() [2][]desired.File {
	const files = 100
	var bufs [files]strings.Builder
	for i := range 50_000 {
		fmt.Fprintf(&bufs[i%files], "users:\n  - username: user%05d\n    email: user%05d@example.com\n    status: enabled\n", i, i)
	}
	for i := range 5_000 {
		b := &bufs[i%files]
		fmt.Fprintf(b, "groups:\n  - name: group%04d\n    description: Group %d\n    members: [", i, i)
		for m := range 40 {
			if m > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "user%05d", (i*40+m)%50_000)
		}
		b.WriteString("]\n")
	}
	for i := range 1_000 {
		fmt.Fprintf(&bufs[i%files], "permissions:\n  - name: perm%04d\n    resources:\n      repository:\n        repo%04d:\n          include_patterns: ['**']\n          actions:\n            users: {user%05d: [read, write]}\n            groups: {group%04d: [read, annotate]}\n", i, i, i, i%5000)
	}
	for i := range 200 {
		fmt.Fprintf(&bufs[i%files], "projects:\n  - project_key: proj%03d\n    display_name: Project %d\n    members:\n      users: {user%05d: [Project Admin]}\n      groups: {group%04d: [Developer]}\n", i, i, i, i)
	}
	var out [2][]desired.File
	for i := range bufs {
		// Each file holds several "users:" keys; split them into documents.
		text := strings.ReplaceAll(bufs[i].String(), "\nusers:", "\n---\nusers:")
		for _, key := range []string{"groups", "permissions", "projects"} {
			text = strings.ReplaceAll(text, "\n"+key+":", "\n---\n"+key+":")
		}
		out[i%2] = append(out[i%2], desired.File{Name: fmt.Sprintf("f%03d.yaml", i), Data: []byte(text)})
	}
	return out
}

func BenchmarkDecodeValidateMerge(b *testing.B) {
	srcs := largeSources()
	var size int
	for _, s := range srcs {
		for _, f := range s {
			size += len(f.Data)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		a, err := desired.Decode("a", srcs[0])
		if err != nil {
			b.Fatal(err)
		}
		c, err := desired.Decode("c", srcs[1])
		if err != nil {
			b.Fatal(err)
		}
		merged, err := desired.Merge(a, c)
		if err != nil {
			b.Fatal(err)
		}
		if err := desired.Validate(merged); err != nil {
			b.Fatal(err)
		}
		if n := merged.Counts(); n != (desired.Counts{Users: 50_000, Groups: 5_000, Permissions: 1_000, Projects: 200}) {
			b.Fatalf("counts %+v", n)
		}
	}
	b.ReportMetric(56_200, "objects")
}
