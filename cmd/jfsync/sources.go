package main

import (
	"log/slog"

	"github.com/jfsync/jfsync/sources"
	"github.com/jfsync/jfsync/sources/file"
	"github.com/jfsync/jfsync/sources/git"
	"github.com/jfsync/jfsync/sources/ldap"
)

// buildSources makes the sources of the config, in order.
func buildSources(cfg *config, log *slog.Logger) ([]sources.Source, error) {
	var out []sources.Source
	for _, sc := range cfg.Sources {
		var (
			src sources.Source
			err error
		)
		switch sc.kind() {
		case "file":
			src, err = file.New(sc.Name, *sc.File, cfg.dir)
		case "git":
			src, err = git.New(sc.Name, *sc.Git, cfg.dir, log)
		case "ldap":
			src, err = ldap.New(sc.Name, *sc.LDAP, log)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}
