// Package teams attributes each repo to one team through a configured chain
// of attribution sources (CODEOWNERS, host topics, host teams, GitLab
// namespace, a name map); the first that yields a team wins.
package teams

import (
	"strings"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// TeamFromOwners returns the team of the first team owner: "@org/team" gives
// "team", "@org/group/sub" gives "sub". Users and e-mails yield no team.
// Owners are as the inventory's CODEOWNERS reader validated them.
func TeamFromOwners(owners []string) string {
	for _, o := range owners {
		if name, ok := strings.CutPrefix(o, "@"); ok && strings.Contains(name, "/") {
			return name[strings.LastIndex(name, "/")+1:]
		}
	}
	return ""
}

// Attributor applies the configured chain.
type Attributor struct {
	cfg config.Teams
}

// New returns the attributor for cfg.
func New(cfg config.Teams) *Attributor { return &Attributor{cfg: cfg} }

// Team attributes a repo given its CODEOWNERS root owners. It returns the
// team (aliases applied) and the attribution source that yielded it
// ("default" when none did).
func (a *Attributor) Team(repo source.Repo, owners []string) (team, via string) {
	for _, from := range a.cfg.From {
		if t := a.from(from, repo, owners); t != "" {
			return a.alias(t), from
		}
	}
	return a.alias(a.cfg.Default), "default"
}

func (a *Attributor) from(kind string, repo source.Repo, owners []string) string {
	switch kind {
	case "codeowners":
		return TeamFromOwners(owners)
	case "topics":
		for _, t := range repo.Topics {
			if strings.HasPrefix(t, a.cfg.TopicPrefix) && len(t) > len(a.cfg.TopicPrefix) {
				return strings.TrimPrefix(t, a.cfg.TopicPrefix)
			}
		}
	case "github_teams":
		if len(repo.Teams) > 0 {
			return repo.Teams[0]
		}
	case "namespace":
		parts := strings.Split(strings.Trim(repo.Namespace, "/"), "/")
		if repo.Namespace != "" && len(parts) >= a.cfg.NamespaceDepth {
			return parts[a.cfg.NamespaceDepth-1]
		}
	case "map":
		for _, e := range a.cfg.Map {
			for _, g := range e.Repos {
				if repo.MatchName(g) {
					return e.Team
				}
			}
		}
	}
	return ""
}

func (a *Attributor) alias(t string) string {
	if n, ok := a.cfg.Aliases[t]; ok {
		return n
	}
	return t
}
