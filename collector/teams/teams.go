// Package teams attributes each repo to one team through a configured chain
// of attribution sources (Backstage catalog, CODEOWNERS, host topics, host
// teams, GitLab namespace, a name map); the first that yields a known team
// wins.
package teams

import (
	"fmt"
	"slices"
	"strings"

	"github.com/uptake-dev/uptake/collector/source"
	"github.com/uptake-dev/uptake/config"
)

// Default is the via of a repo no attribution source gave a team (the
// snapshot's ViaDefault).
const Default = "default"

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

// TeamFromCatalogOwner returns the group a Backstage spec.owner names:
// "group:default/payments", "group:payments" and "payments" give
// "payments" (a kind-less reference is a Group, as Backstage reads it). A
// user, an e-mail or another kind yields no team and says why.
func TeamFromCatalogOwner(owner string) (team, reason string) {
	if owner == "" {
		return "", "no catalog-info entity names spec.owner"
	}
	if strings.Contains(owner, "@") {
		return "", fmt.Sprintf("spec.owner %q is an e-mail", owner)
	}
	ref := owner
	if kind, rest, ok := strings.Cut(owner, ":"); ok {
		switch strings.ToLower(kind) {
		case "group":
			ref = rest
		case "user":
			return "", fmt.Sprintf("spec.owner %q is a user", owner)
		default:
			return "", fmt.Sprintf("spec.owner %q is not a group", owner)
		}
	}
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	if ref == "" {
		return "", fmt.Sprintf("spec.owner %q names no group", owner)
	}
	return ref, ""
}

// Owners are what the inventory read of a repo's declared owners.
type Owners struct {
	// Codeowners are the CODEOWNERS owners of the repo root; CodeownersAt
	// the rule that gave them (path:line), when known.
	Codeowners   []string
	CodeownersAt string
	// Catalog is spec.owner as catalog-info.yaml writes it.
	Catalog string
	// CodeownersSkipped and CatalogSkipped say the file was there and
	// could not be used (counted as a file error): not "no owner".
	CodeownersSkipped, CatalogSkipped bool
}

// Miss is why one attribution source gave a repo no team.
type Miss struct {
	Via    string
	Reason string
}

// Attribution is a repo's team and how it was reached.
type Attribution struct {
	Team string
	// Via is the attribution source that gave the team, Default when none did.
	Via string
	// Placeholders are the sources, in chain order, whose team is not among
	// teams.known, so attribution went on past them.
	Placeholders []string
	// Misses say, for each source tried before Via, why it gave nothing.
	Misses []Miss
	// Because says what of Via gave the team: the CODEOWNERS rule, the
	// teams.map glob, the topic, the catalog owner…; "" for the default.
	Because string
}

// Attributor applies the configured chain.
type Attributor struct {
	cfg config.Teams
}

// New returns the attributor for cfg.
func New(cfg config.Teams) *Attributor { return &Attributor{cfg: cfg} }

// Team attributes a repo given its declared owners: the first source whose
// team (aliases applied) is known wins; else the default team.
func (a *Attributor) Team(repo source.Repo, owners Owners) Attribution {
	var at Attribution
	for _, from := range a.cfg.From {
		t, reason := a.from(from, repo, owners)
		if t != "" {
			because := a.because(from, t, repo, owners)
			t = a.alias(t)
			if a.cfg.IsKnown(t) {
				at.Team, at.Via, at.Because = t, from, because
				return at
			}
			at.Placeholders = append(at.Placeholders, from)
			reason = fmt.Sprintf("%q is not a known team", t)
		}
		at.Misses = append(at.Misses, Miss{Via: from, Reason: reason})
	}
	at.Team, at.Via = a.alias(a.cfg.Default), Default
	return at
}

// because names what of source kind gave team: the explain page's answer
// to "why this team".
func (a *Attributor) because(kind, team string, repo source.Repo, owners Owners) string {
	switch kind {
	case "backstage":
		return "catalog-info spec.owner " + owners.Catalog
	case "codeowners":
		if owners.CodeownersAt != "" {
			return "CODEOWNERS rule at " + owners.CodeownersAt + ": " + strings.Join(owners.Codeowners, " ")
		}
		return "CODEOWNERS root owners " + strings.Join(owners.Codeowners, " ")
	case "topics":
		return "topic " + a.cfg.TopicPrefix + team
	case "github_teams":
		return "GitHub team " + team + " (admin or maintain)"
	case "namespace":
		return "namespace " + repo.Namespace
	case "map":
		for _, e := range a.cfg.Map {
			for _, g := range e.Repos {
				if repo.MatchName(g) {
					return "teams.map glob " + g
				}
			}
		}
	}
	return ""
}

func (a *Attributor) from(kind string, repo source.Repo, owners Owners) (team, reason string) {
	switch kind {
	case "backstage":
		if owners.CatalogSkipped {
			return "", "catalog-info file could not be used (a file error)"
		}
		return TeamFromCatalogOwner(owners.Catalog)
	case "codeowners":
		switch {
		case owners.CodeownersSkipped:
			return "", "CODEOWNERS could not be used (a file error)"
		case len(owners.Codeowners) == 0:
			return "", "no CODEOWNERS owner of the repo root"
		}
		if t := TeamFromOwners(owners.Codeowners); t != "" {
			return t, ""
		}
		return "", "the repo root's CODEOWNERS owners are users or e-mails"
	case "topics":
		for _, t := range repo.Topics {
			if strings.HasPrefix(t, a.cfg.TopicPrefix) && len(t) > len(a.cfg.TopicPrefix) {
				return strings.TrimPrefix(t, a.cfg.TopicPrefix), ""
			}
		}
		return "", fmt.Sprintf("no topic %sNAME", a.cfg.TopicPrefix)
	case "github_teams":
		if len(repo.Teams) > 0 {
			return repo.Teams[0], ""
		}
		return "", "no team with admin or maintain permission"
	case "namespace":
		parts := strings.Split(strings.Trim(repo.Namespace, "/"), "/")
		if repo.Namespace != "" && len(parts) >= a.cfg.NamespaceDepth {
			return parts[a.cfg.NamespaceDepth-1], ""
		}
		return "", fmt.Sprintf("no subgroup at namespace_depth %d", a.cfg.NamespaceDepth)
	case "map":
		for _, e := range a.cfg.Map {
			for _, g := range e.Repos {
				if repo.MatchName(g) {
					return e.Team, ""
				}
			}
		}
		return "", "no teams.map glob matches"
	}
	return "", "unknown attribution source"
}

func (a *Attributor) alias(t string) string {
	if n, ok := a.cfg.Aliases[t]; ok {
		return n
	}
	return t
}

// UnitTeam attributes a project unit of a repo attributed repoAt: the
// unit's own catalog-info owner, else the owners of the CODEOWNERS rule
// covering it (each when its source is in the chain and the team is
// known), else the repo's team.
func (a *Attributor) UnitTeam(repoAt Attribution, unit Owners) Attribution {
	var placeholders []string
	for _, from := range []string{"backstage", "codeowners"} {
		if !slices.Contains(a.cfg.From, from) {
			continue
		}
		t := TeamFromOwners(unit.Codeowners)
		if from == "backstage" {
			t, _ = TeamFromCatalogOwner(unit.Catalog)
		}
		if t == "" {
			continue
		}
		if t = a.alias(t); a.cfg.IsKnown(t) {
			return Attribution{Team: t, Via: from, Placeholders: placeholders}
		}
		placeholders = append(placeholders, from)
	}
	repoAt.Placeholders = append(placeholders, repoAt.Placeholders...)
	return repoAt
}
