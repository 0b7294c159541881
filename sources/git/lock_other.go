//go:build !unix

package git

// lock is a no-op where flock is not available: run one jfsync per cache
// directory there.
func lock(string) (func(), error) { return func() {}, nil }
