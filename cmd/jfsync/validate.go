package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/jfsync/jfsync/desired"
	"github.com/jfsync/jfsync/sources"
)

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Load the config and every source, and check them (JFrog is not contacted)",
		Long: `Load the config and every source, validate the desired state, and print per
source and kind the object counts. Exit 0 when valid; else print every
problem (file:line:col) and exit 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runValidate(cmd, g)
		},
	}
}

func runValidate(cmd *cobra.Command, g *globals) error {
	cfg, log, err := g.load(cmd)
	if err != nil {
		return err
	}
	srcs, err := buildSources(cfg, log)
	if err != nil {
		return problems(g.stderr, err)
	}
	res, err := sources.LoadAll(cmd.Context(), srcs, cfg.Policy.CheckScope)
	if err != nil {
		return problems(g.stderr, err)
	}
	return printCounts(g.stdout, cfg.path, res)
}

// problems prints every line of an error on w and returns an error that
// counts them, for the exit code 1.
func problems(w io.Writer, err error) error {
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	n := len(lines)
	var le *desired.ListError
	if errors.As(err, &le) && le.Dropped > 0 {
		n += le.Dropped - 1 // the "... and N more" line stands for N
	}
	if n == 1 {
		return errors.New("1 problem found")
	}
	return fmt.Errorf("%d problems found", n)
}

func printCounts(w io.Writer, path string, res sources.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s is valid\n", path)
	for _, m := range res.Metas {
		kind := m.Kind
		if m.Revision != "" {
			kind += " " + m.Revision[:min(7, len(m.Revision))]
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", m.Name, kind, countsText(m.Objects))
	}
	fmt.Fprintf(tw, "  merged\t\t%s\n", countsText(res.State.Counts()))
	return tw.Flush()
}

func countsText(c desired.Counts) string {
	return fmt.Sprintf("users %d\tgroups %d\tpermissions %d\tprojects %d", c.Users, c.Groups, c.Permissions, c.Projects)
}
