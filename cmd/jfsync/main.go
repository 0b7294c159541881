// Command jfsync keeps a JFrog Platform's users, groups, permission targets,
// projects and project memberships equal to a declared desired state.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
