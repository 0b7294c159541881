package reconcile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SaveReport writes a cycle's JSON report into dir and keeps only the
// newest keep reports there.
func SaveReport(dir string, keep int, rep *Report) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("report.dir: %w", err)
	}
	name := fmt.Sprintf("jfsync-%s-%s.json", rep.StartedAt.UTC().Format("20060102T150405.000Z"), rep.Mode)
	tmp, err := os.CreateTemp(dir, ".jfsync-report-*")
	if err != nil {
		return fmt.Errorf("report.dir: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := WriteJSON(tmp, rep); err != nil {
		tmp.Close()
		return fmt.Errorf("report.dir: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report.dir: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("report.dir: %w", err)
	}
	return prune(dir, keep)
}

// prune removes all but the newest keep reports (their names sort by
// time).
func prune(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("report.dir: %w", err)
	}
	var reports []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "jfsync-") && strings.HasSuffix(e.Name(), ".json") {
			reports = append(reports, e.Name())
		}
	}
	slices.Sort(reports)
	for len(reports) > keep {
		if err := os.Remove(filepath.Join(dir, reports[0])); err != nil {
			return fmt.Errorf("report.dir: %w", err)
		}
		reports = reports[1:]
	}
	return nil
}
