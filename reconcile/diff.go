package reconcile

import (
	"bytes"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
	"gopkg.in/yaml.v3"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/reconcile/access"
)

// lineDiff is a line diff of two texts, "--- live" / "+++ desired" and
// each line prefixed with "-", "+" or " ". It is "" when they are equal.
func lineDiff(live, want string) string {
	if live == want {
		return ""
	}
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(live, want)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out strings.Builder
	out.WriteString("--- live\n+++ desired\n")
	for _, d := range diffs {
		prefix := " "
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			prefix = "-"
		case diffmatchpatch.DiffInsert:
			prefix = "+"
		}
		for _, line := range strings.SplitAfter(d.Text, "\n") {
			if line != "" {
				out.WriteString(prefix + strings.TrimSuffix(line, "\n") + "\n")
			}
		}
	}
	return out.String()
}

// resourcesYAML renders permission resources as canonical YAML: keys
// sorted, lists in flow style, empty values left out.
func resourcesYAML(r access.PermissionResources) string {
	root := mapping()
	for _, typ := range desired.ResourceTypes() {
		var targets map[string]access.PermissionTarget
		switch typ {
		case "repository":
			targets = r.Repository
		case "build":
			targets = r.Build
		case "releaseBundle":
			targets = r.ReleaseBundle
		}
		if len(targets) == 0 {
			continue
		}
		byName := mapping()
		for _, name := range desired.SortedKeys(targets) {
			byName.Content = append(byName.Content, scalarNode(name), targetNode(targets[name]))
		}
		root.Content = append(root.Content, scalarNode(typ), byName)
	}
	if len(root.Content) == 0 {
		return ""
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.Encode(root)
	return buf.String()
}

func targetNode(t access.PermissionTarget) *yaml.Node {
	n := mapping()
	if len(t.IncludePatterns) > 0 {
		n.Content = append(n.Content, scalarNode("include_patterns"), flowList(t.IncludePatterns))
	}
	if len(t.ExcludePatterns) > 0 {
		n.Content = append(n.Content, scalarNode("exclude_patterns"), flowList(t.ExcludePatterns))
	}
	actions := mapping()
	for _, g := range []struct {
		key string
		m   map[string][]string
	}{{"users", t.Actions.Users}, {"groups", t.Actions.Groups}} {
		if len(g.m) == 0 {
			continue
		}
		byName := mapping()
		for _, name := range desired.SortedKeys(g.m) {
			byName.Content = append(byName.Content, scalarNode(name), flowList(g.m[name]))
		}
		actions.Content = append(actions.Content, scalarNode(g.key), byName)
	}
	if len(actions.Content) > 0 {
		n.Content = append(n.Content, scalarNode("actions"), actions)
	}
	return n
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func scalarNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func flowList(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, scalarNode(s))
	}
	return n
}
