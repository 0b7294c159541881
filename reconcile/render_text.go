package reconcile

import (
	"fmt"
	"io"
	"strings"

	"github.com/jfsync/jfsync/sources"
)

// Symbols of changes in the text report.
func symbol(c *Change) string {
	switch {
	case c.Protected():
		return "!"
	case c.Action == ActionCreate:
		return "+"
	case c.Action == ActionUpdate:
		return "~"
	}
	return "-"
}

// ANSI colours, used only on a terminal.
func colour(c *Change) string {
	switch symbol(c) {
	case "+":
		return "\x1b[32m"
	case "~":
		return "\x1b[33m"
	case "-":
		return "\x1b[31m"
	}
	return "\x1b[35m"
}

const colourReset = "\x1b[0m"

// WriteText writes the text report. colour adds ANSI colours (for a
// terminal).
func WriteText(w io.Writer, rep *Report, colour bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "jfsync %s: sources %s; target %s\n", rep.Mode, sourcesText(rep.Sources), rep.Target.URL)
	if len(rep.Errors) > 0 {
		b.WriteString("\n")
		for _, e := range rep.Errors {
			fmt.Fprintf(&b, "Error: %s\n", e)
		}
	}
	if len(rep.Changes) > 0 {
		b.WriteString("\n")
		writeChanges(&b, rep, colour)
	}
	b.WriteString("\n")
	b.WriteString(footer(rep))
	_, err := io.WriteString(w, b.String())
	return err
}

func sourcesText(metas []sources.Meta) string {
	if len(metas) == 0 {
		return "(none read)"
	}
	parts := make([]string, len(metas))
	for i, m := range metas {
		kind := m.Kind
		if m.Revision != "" {
			kind += " " + m.Revision[:min(7, len(m.Revision))]
		}
		var counts string
		if m.Kind == "ldap" {
			counts = fmt.Sprintf("%d users, %d groups", m.Objects.Users, m.Objects.Groups)
		} else {
			counts = fmt.Sprintf("%d objects", m.Objects.Total())
		}
		parts[i] = fmt.Sprintf("%s (%s, %s)", m.Name, kind, counts)
	}
	return strings.Join(parts, ", ")
}

func writeChanges(b *strings.Builder, rep *Report, useColour bool) {
	kindW, nameW, actionW := 0, 0, 0
	for _, c := range rep.Changes {
		kindW = max(kindW, len(c.Kind))
		nameW = max(nameW, len(c.Name))
		actionW = max(actionW, len(actionText(c)))
	}
	for _, c := range rep.Changes {
		line := fmt.Sprintf("  %s %-*s  %-*s  %-*s  %s", symbol(c), kindW, c.Kind, nameW, c.Name, actionW, actionText(c), detailText(c))
		line = strings.TrimRight(line, " ")
		if useColour {
			line = colour(c) + line + colourReset
		}
		b.WriteString(line + "\n")
		if c.Diff != "" {
			for _, l := range strings.Split(strings.TrimSuffix(c.Diff, "\n"), "\n") {
				b.WriteString("      " + l + "\n")
			}
		}
		if rep.Mode == ModeApply && (c.Result == ResultFailed || c.Result == ResultSkipped) && c.Error != "" {
			fmt.Fprintf(b, "      %s: %s\n", c.Result, c.Error)
		}
	}
}

func actionText(c *Change) string {
	if c.Protected() {
		return "protected"
	}
	return c.Action
}

// detailText shows a change's fields on one line.
func detailText(c *Change) string {
	if c.Protected() {
		return "(" + c.Note + ")"
	}
	parts := make([]string, 0, len(c.Fields))
	for _, f := range c.Fields {
		parts = append(parts, fieldText(f))
	}
	return strings.Join(parts, "  ")
}

func fieldText(f FieldChange) string {
	switch {
	case len(f.Added) > 0 || len(f.Removed) > 0:
		items := make([]string, 0, len(f.Added)+len(f.Removed))
		for _, a := range f.Added {
			items = append(items, "+"+a)
		}
		for _, r := range f.Removed {
			items = append(items, "-"+r)
		}
		return f.Field + ": " + strings.Join(items, " ")
	case f.From != "" && f.To != "":
		return fmt.Sprintf("%s: %s -> %s", f.Field, f.From, f.To)
	case f.To != "":
		return f.Field + "=" + f.To
	}
	return f.Field + ": " + f.From
}

func footer(rep *Report) string {
	var b strings.Builder
	s := rep.Summary
	switch {
	case len(rep.Errors) > 0 && len(rep.Changes) == 0:
		b.WriteString("Failed: nothing was planned or applied.\n")
	case len(rep.Blocked) > 0:
		fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to disable, %d to delete; %d API calls.\n", s.Create, s.Update, s.Disable, s.Delete, s.APICalls)
		for _, bl := range rep.Blocked {
			fmt.Fprintf(&b, "Blocked by %s: %s\n", bl.Guard, bl.Message)
		}
		b.WriteString("Nothing was applied.\n")
	case !rep.HasChanges():
		b.WriteString("No changes: the live state matches the desired state.\n")
	case rep.Mode == ModeApply:
		fmt.Fprintf(&b, "Apply: %d to create, %d to update, %d to disable, %d to delete; %d API calls; %d applied, %d failed, %d skipped.\n",
			s.Create, s.Update, s.Disable, s.Delete, s.APICalls, rep.Count(ResultApplied), rep.Count(ResultFailed), rep.Count(ResultSkipped))
	default:
		fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to disable, %d to delete; %d API calls.\n", s.Create, s.Update, s.Disable, s.Delete, s.APICalls)
	}
	return b.String()
}
