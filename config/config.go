// Package config holds uptake's catalog and source configuration: strict YAML
// decoding, defaults, and validation errors that point at FILE:LINE.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration file.
type Config struct {
	Sources   []Source   `yaml:"sources"`
	Teams     Teams      `yaml:"teams"`
	Offerings []Offering `yaml:"offerings"`
	Scan      Scan       `yaml:"scan"`
	Exporter  Exporter   `yaml:"exporter"`
	ROI       ROI        `yaml:"roi"`
	History   History    `yaml:"history"`
	// Harvest is nil unless the file has a harvest section.
	Harvest *Harvest `yaml:"harvest"`
	// Campaigns are the migrations tracked; Parse adds the implicit ones
	// (ImplicitCampaigns).
	Campaigns []Campaign `yaml:"campaigns"`

	// File is the path the config was read from; errors are reported against it.
	File string `yaml:"-"`
	// lines maps dotted key paths ("scan.concurrency") to their line.
	lines map[string]int
}

// Source is one place repositories come from.
type Source struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`

	// local
	Path string `yaml:"path"`
	// Depth is how many directory levels below Path repos are looked for
	// (1: its children); 0 means 1.
	Depth int `yaml:"depth"`

	// github and gitlab
	Org            string   `yaml:"org"`
	User           string   `yaml:"user"`
	Group          string   `yaml:"group"`
	BaseURL        string   `yaml:"base_url"`
	TokenEnv       string   `yaml:"token_env"`
	TokenFile      string   `yaml:"token_file"`
	AppID          int64    `yaml:"app_id"`
	InstallationID int64    `yaml:"installation_id"`
	PrivateKeyFile string   `yaml:"private_key_file"`
	Include        []string `yaml:"include"`
	Exclude        []string `yaml:"exclude"`
	Topics         []string `yaml:"topics"`
	Archived       bool     `yaml:"archived"`
	Forks          bool     `yaml:"forks"`
	Visibility     string   `yaml:"visibility"`
	// IncludeSubgroups defaults to true for gitlab.
	IncludeSubgroups *bool `yaml:"include_subgroups"`
	TLS              TLS   `yaml:"tls"`
	// GraphQL lets the github and gitlab sources batch HEAD lookups and
	// file reads; nil means on.
	GraphQL *bool `yaml:"graphql"`

	Line int `yaml:"-"`
}

// TLS configures the client side of an API connection.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Teams configures how a repo is attributed to a team.
type Teams struct {
	From           []string          `yaml:"from"`
	Map            TeamMap           `yaml:"map"`
	Default        string            `yaml:"default"`
	Aliases        map[string]string `yaml:"aliases"`
	TopicPrefix    string            `yaml:"topic_prefix"`
	NamespaceDepth int               `yaml:"namespace_depth"`
	// Known are the real teams; when set, a name an attribution source
	// gives that is not among them is a placeholder and falls through.
	// Parse adds the names KnownFrom lists.
	Known []string `yaml:"known"`
	// KnownFrom is a Backstage Group entities file or a plain list of team
	// names, relative to the config file.
	KnownFrom string `yaml:"known_from"`
}

// IsKnown reports whether team is a real team: every name is when neither
// known nor known_from is set.
func (t Teams) IsKnown(team string) bool {
	return t.Known == nil || slices.Contains(t.Known, team)
}

// TeamMapEntry maps repo-name globs to a team; entries keep file order.
type TeamMapEntry struct {
	Team  string
	Repos []string
	Line  int
}

// TeamMap is an ordered team → repo-globs mapping: the first match wins.
type TeamMap []TeamMapEntry

// UnmarshalYAML keeps the mapping's order, which decides precedence. Its
// errors are *yaml.TypeError, which the decoder collects and goes on past,
// so that a bad entry does not hide the file's other errors.
func (m *TeamMap) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return typeError("line %d: teams.map must be a mapping of team to repo-name globs", n.Line)
	}
	var errs []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var globs []string
		if err := v.Decode(&globs); err != nil {
			errs = append(errs, fmt.Sprintf("line %d: teams.map.%s must be a list of repo-name globs", v.Line, k.Value))
			continue
		}
		*m = append(*m, TeamMapEntry{Team: k.Value, Repos: globs, Line: k.Line})
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

func typeError(format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf(format, args...)}}
}

// Offering is one platform product whose adoption is measured.
type Offering struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Owner       string       `yaml:"owner"`
	Lifecycle   string       `yaml:"lifecycle"`
	Latest      string       `yaml:"latest"`
	Detect      []Rule       `yaml:"detect"`
	Eligible    *Eligible    `yaml:"eligible"`
	Waivers     []Waiver     `yaml:"waivers"`
	Target      *Target      `yaml:"target"`
	ROI         *OfferingROI `yaml:"roi"`
	// Alternatives are what a repo may use instead of the offering.
	Alternatives []Alternative `yaml:"alternatives"`
	// ReplacedBy names the offering that succeeds this one.
	ReplacedBy string `yaml:"replaced_by"`

	Line int `yaml:"-"`
	// lines maps the offering's keys ("eligible", "target") to their line.
	lines map[string]int
}

// LineOf is the line of one of the offering's keys, else the offering's.
func (o *Offering) LineOf(key string) int {
	if l := o.lines[key]; l > 0 {
		return l
	}
	return o.Line
}

// OfferingROI holds an offering's ROI claims.
type OfferingROI struct {
	HoursSavedPerRepoMonth float64 `yaml:"hours_saved_per_repo_month"`
	HoursSavedPerTeamMonth float64 `yaml:"hours_saved_per_team_month"`
	CostPerMonth           float64 `yaml:"cost_per_month"`
	OnboardingHoursPerRepo float64 `yaml:"onboarding_hours_per_repo"`
}

// Eligible narrows which repos count in an offering's denominator.
type Eligible struct {
	Languages    []string `yaml:"languages"`
	Paths        []string `yaml:"paths"`
	Topics       []string `yaml:"topics"`
	Teams        []string `yaml:"teams"`
	ExcludeRepos []string `yaml:"exclude_repos"`
}

// Waiver excuses repos from an offering until a date.
type Waiver struct {
	Repo    string `yaml:"repo"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`

	// ExpiresAt is the end of the expiry day (exclusive), UTC.
	ExpiresAt time.Time `yaml:"-"`
	Line      int       `yaml:"-"`
}

// Target is the adoption an offering aims for.
type Target struct {
	Ratio float64 `yaml:"ratio"`
	By    string  `yaml:"by"`

	Deadline time.Time `yaml:"-"`
}

// ROI holds the organisation-wide ROI inputs.
type ROI struct {
	HourlyRate float64 `yaml:"hourly_rate"`
	Currency   string  `yaml:"currency"`
}

// Rule is one detection rule: a detector kind and its string parameters.
// Keys are validated by the detector that owns the kind.
type Rule struct {
	Kind   string
	Params map[string]string
	Line   int
	// KeyLines gives the line of each parameter, for errors naming a field.
	KeyLines map[string]int
}

// UnmarshalYAML reads a rule as a flat mapping of strings; its errors are
// *yaml.TypeError, as TeamMap's.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return typeError("line %d: a detect rule must be a mapping with a kind", n.Line)
	}
	r.Line = n.Line
	r.Params = map[string]string{}
	r.KeyLines = map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return typeError("line %d: detect rule key %q must be a string", v.Line, k.Value)
		}
		if _, dup := r.KeyLines[k.Value]; dup || (k.Value == "kind" && r.Kind != "") {
			return typeError("line %d: detect rule key %q repeated", k.Line, k.Value)
		}
		r.KeyLines[k.Value] = k.Line
		if k.Value == "kind" {
			r.Kind = v.Value
			continue
		}
		r.Params[k.Value] = v.Value
	}
	return nil
}

// Scan tunes the scan engine.
type Scan struct {
	Concurrency  int           `yaml:"concurrency"`
	RepoTimeout  time.Duration `yaml:"repo_timeout"`
	Exclude      []string      `yaml:"exclude"`
	MaxFileBytes int64         `yaml:"max_file_bytes"`
	// HTTPTimeout bounds each attempt of a remote API request, its body
	// included; waits for rate limits and retries are not counted.
	HTTPTimeout time.Duration `yaml:"http_timeout"`
	// SourceTimeout bounds one source's whole scan; 0 means none.
	SourceTimeout time.Duration `yaml:"source_timeout"`
	// ContainerImagePaths are globs the container_image kind reads besides
	// its default paths.
	ContainerImagePaths []string `yaml:"container_image_paths"`
	// Units is what a repo counts as: "repo" (one unit), or "project"
	// (each directory with a project manifest is a unit repo//dir).
	Units string `yaml:"units"`
	// RepoWideFiles says whom project mode counts the repo-wide files
	// (root CI config, root Dockerfile) for: "root" or "every_unit".
	RepoWideFiles string `yaml:"repo_wide_files"`
}

// Scan.Units values.
const (
	UnitsRepo    = "repo"
	UnitsProject = "project"
)

// History configures the adoption event log in the store.
type History struct {
	// Retention is how long events are kept; their totals are kept for
	// good.
	Retention Duration `yaml:"retention"`
}

// DefaultRetention is history.retention when the key is absent.
const DefaultRetention = Duration(400 * 24 * time.Hour)

// Duration is a Prometheus-style duration in the file: 30d, 52w, 1h30m.
type Duration time.Duration

// UnmarshalYAML parses the duration; its error is a *yaml.TypeError in the
// decoder's own shape, so the message names the key and its line.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := model.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return typeError("line %d: cannot unmarshal %s `%s` into config.Duration", n.Line, n.ShortTag(), n.Value)
	}
	*d = Duration(v)
	return nil
}

// Exporter tunes the metric output.
type Exporter struct {
	MaxVersions int `yaml:"max_versions"`
}

// DefaultHTTPTimeout is scan.http_timeout when the key is absent.
const DefaultHTTPTimeout = 30 * time.Second

// DefaultExclude are the paths no detector reads unless scan.exclude says
// otherwise: vendored code, and test fixtures, which name what a test
// feeds the code under test, not what the repo uses.
var DefaultExclude = []string{
	"**/vendor/**", "**/node_modules/**", "**/testdata/**", "**/third_party/**",
	"**/src/test/**", "**/test/fixtures/**", "**/tests/fixtures/**", "**/__fixtures__/**",
}

// Lifecycles are the accepted offering lifecycle values.
var Lifecycles = []string{"experimental", "beta", "ga", "deprecated"}

// TeamSources are the accepted teams.from entries.
var TeamSources = []string{"backstage", "codeowners", "map", "topics", "github_teams", "namespace"}

var labelValueRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Error is one problem in the file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found in one file.
type Errors []Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Load reads, decodes and validates the file, as Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

var yamlLineRE = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)

// Parse decodes and validates data as if read from file. On validation
// errors (Errors) it also returns the decoded config; on a decoding error
// it returns nil.
func Parse(file string, data []byte) (*Config, error) {
	c := &Config{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	decodeErr := dec.Decode(c)
	if errors.Is(decodeErr, io.EOF) {
		return nil, Errors{{File: file, Msg: "empty configuration"}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErrors(file, err, fileIndex{})
	}
	var typeErrs Errors
	if decodeErr != nil {
		typeErrs = yamlErrors(file, decodeErr, indexFile(&root))
		if !errors.As(decodeErr, new(*yaml.TypeError)) {
			return nil, typeErrs
		}
	}
	// A type error leaves the rest decoded: validate it too, so one bad
	// value does not hide the file's other problems.
	c.recordLines(&root)
	c.applyDefaults()
	c.resolvePaths(filepath.Dir(file))
	errs := append(typeErrs, withoutLines(c.validate(), typeErrs)...)
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		// The decoded config comes back too, so callers can add the
		// detectors' own rule errors to the same report.
		return c, errs
	}
	return c, nil
}

// withoutLines drops the errors at lines already reported: a value that
// did not decode is zero, and "is required" about it would be noise.
func withoutLines(errs, reported Errors) Errors {
	seen := map[int]bool{}
	for _, e := range reported {
		seen[e.Line] = true
	}
	var out Errors
	for _, e := range errs {
		if e.Line == 0 || !seen[e.Line] {
			out = append(out, e)
		}
	}
	return out
}

// yamlErrors splits a decoder error into file:line errors, in the file's
// terms where ix knows the file's nodes.
func yamlErrors(file string, err error, ix fileIndex) Errors {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out Errors
	for _, m := range msgs {
		if g := yamlLineRE.FindStringSubmatch(strings.TrimPrefix(m, "yaml: ")); g != nil {
			line, _ := strconv.Atoi(g[1]) // the regexp matched digits
			out = append(out, Error{File: file, Line: line, Msg: rewrite(ix, line, g[2])})
			continue
		}
		out = append(out, Error{File: file, Msg: m})
	}
	return out
}

// recordLines copies line numbers from the node tree into the decoded values.
func (c *Config) recordLines(root *yaml.Node) {
	c.lines = map[string]int{}
	for _, path := range [][]string{{"sources"}, {"offerings"}, {"teams", "from"}, {"teams", "namespace_depth"}, {"teams", "known"}, {"teams", "known_from"},
		{"scan", "concurrency"}, {"scan", "repo_timeout"}, {"scan", "max_file_bytes"}, {"scan", "exclude"},
		{"scan", "http_timeout"}, {"scan", "source_timeout"}, {"scan", "container_image_paths"}, {"scan", "units"}, {"scan", "repo_wide_files"},
		{"exporter", "max_versions"}, {"roi", "hourly_rate"}, {"roi", "currency"}, {"history", "retention"}} {
		if n := lookup(root, path...); n != nil {
			c.lines[strings.Join(path, ".")] = n.Line
		}
	}
	c.recordHarvestLines(root)
	// Each glob at its own line: a list of them is usually one a line.
	for i, n := range seq(lookup(root, "scan", "container_image_paths")) {
		c.lines[fmt.Sprintf("scan.container_image_paths.%d", i)] = n.Line
	}
	for i, n := range seq(lookup(root, "sources")) {
		if i < len(c.Sources) {
			c.Sources[i].Line = n.Line
		}
	}
	for i, n := range seq(lookup(root, "offerings")) {
		if i >= len(c.Offerings) {
			break
		}
		o := &c.Offerings[i]
		o.Line = n.Line
		o.lines = keyLines(n, "detect", "eligible", "waivers", "target", "roi")
		for j, w := range seq(lookup(n, "waivers")) {
			if j < len(o.Waivers) {
				o.Waivers[j].Line = w.Line
			}
		}
	}
	c.recordCampaignLines(root)
}

// keyLines are the lines of those of keys that mapping node n holds.
func keyLines(n *yaml.Node, keys ...string) map[string]int {
	out := map[string]int{}
	for _, k := range keys {
		if kn := lookup(n, k); kn != nil {
			out[k] = kn.Line
		}
	}
	return out
}

// lookup returns the value node at a key path below a document or mapping node.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (c *Config) applyDefaults() {
	if len(c.Teams.From) == 0 {
		c.Teams.From = []string{"codeowners", "map"}
	}
	if c.Teams.Default == "" {
		c.Teams.Default = "unowned"
	}
	if c.Teams.TopicPrefix == "" {
		c.Teams.TopicPrefix = "team-"
	}
	if c.Teams.NamespaceDepth == 0 {
		c.Teams.NamespaceDepth = 1
	}
	if c.Scan.Concurrency == 0 {
		c.Scan.Concurrency = 8
	}
	if c.Scan.RepoTimeout == 0 {
		c.Scan.RepoTimeout = 2 * time.Minute
	}
	if c.Scan.Exclude == nil {
		c.Scan.Exclude = append([]string(nil), DefaultExclude...)
	}
	if c.Scan.MaxFileBytes == 0 {
		c.Scan.MaxFileBytes = 1 << 20
	}
	// Only an absent key: an explicit 0 would mean no deadline, which a
	// stalled forge would turn into a hung scan, and is refused.
	if _, set := c.lines["scan.http_timeout"]; !set {
		c.Scan.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.Exporter.MaxVersions == 0 {
		c.Exporter.MaxVersions = 10
	}
	if c.Scan.Units == "" {
		c.Scan.Units = UnitsRepo
	}
	if c.Scan.RepoWideFiles == "" {
		c.Scan.RepoWideFiles = "root"
	}
	if _, set := c.lines["history.retention"]; !set {
		c.History.Retention = DefaultRetention
	}
	c.applyHarvestDefaults()
	c.campaignDefaults()
}

// resolvePaths makes file paths relative to the config file's directory, so
// a config works from whatever directory uptake is started in.
func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		abs(&s.Path)
		abs(&s.TokenFile)
		abs(&s.PrivateKeyFile)
		abs(&s.TLS.CAFile)
	}
	abs(&c.Teams.KnownFrom)
}

type validator struct {
	file string
	errs Errors
}

func (v *validator) add(line int, format string, args ...any) {
	v.errs = append(v.errs, Error{File: v.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// glob reports a malformed doublestar pattern.
func (v *validator) glob(line int, what, pattern string) {
	if msg := GlobError(what, pattern); msg != "" {
		v.add(line, "%s", msg)
	}
}

// GlobError says what is wrong with a doublestar pattern given for what
// ("" when nothing): the one check every glob key of the file gets.
func GlobError(what, pattern string) string {
	switch {
	case pattern == "":
		return what + ": empty glob"
	case !doublestar.ValidatePattern(pattern):
		return fmt.Sprintf("%s: bad glob %q", what, pattern)
	}
	return ""
}

func (c *Config) validate() Errors {
	v := &validator{file: c.File}
	if len(c.Sources) == 0 {
		// At the line of sources' value: one that did not decode was
		// reported there, and this is dropped as repeating it.
		v.add(c.lines["sources"], "sources: at least one source is required")
	}
	names := map[string]bool{}
	for _, s := range c.Sources {
		c.validateSource(v, s)
		if s.Name != "" && names[s.Name] {
			v.add(s.Line, "source %q: duplicate name", s.Name)
		}
		names[s.Name] = true
	}
	for _, f := range c.Teams.From {
		if !slices.Contains(TeamSources, f) {
			v.add(c.lines["teams.from"], "teams.from: unknown entry %q (want one of %s)", f, strings.Join(TeamSources, ", "))
		}
	}
	for _, e := range c.Teams.Map {
		for _, g := range e.Repos {
			v.glob(e.Line, "teams.map."+e.Team, g)
		}
	}
	if c.Teams.NamespaceDepth < 0 {
		v.add(c.lines["teams.namespace_depth"], "teams.namespace_depth must be positive")
	}
	c.validateKnown(v)
	c.validateHarvest(v)
	if !slices.Contains([]string{UnitsRepo, UnitsProject}, c.Scan.Units) {
		v.add(c.lines["scan.units"], "scan.units must be repo or project, got %q", c.Scan.Units)
	}
	if !slices.Contains([]string{"root", "every_unit"}, c.Scan.RepoWideFiles) {
		v.add(c.lines["scan.repo_wide_files"], "scan.repo_wide_files must be root or every_unit, got %q", c.Scan.RepoWideFiles)
	}
	if len(c.Offerings) == 0 {
		v.add(c.lines["offerings"], "offerings: at least one offering is required")
	}
	seen := map[string]int{}
	for i := range c.Offerings {
		o := &c.Offerings[i]
		c.validateOffering(v, o)
		if first, dup := seen[o.Name]; dup && o.Name != "" {
			v.add(o.Line, "offering %q: duplicate name (first at line %d)", o.Name, first)
		}
		seen[o.Name] = o.Line
	}
	if c.Scan.Concurrency < 0 {
		v.add(c.lines["scan.concurrency"], "scan.concurrency must be positive")
	}
	if c.Scan.RepoTimeout < 0 {
		v.add(c.lines["scan.repo_timeout"], "scan.repo_timeout must be positive")
	}
	if c.Scan.MaxFileBytes < 0 {
		v.add(c.lines["scan.max_file_bytes"], "scan.max_file_bytes must be positive")
	}
	if c.Scan.HTTPTimeout <= 0 {
		v.add(c.lines["scan.http_timeout"], "scan.http_timeout must be positive")
	}
	if c.Scan.SourceTimeout < 0 {
		v.add(c.lines["scan.source_timeout"], "scan.source_timeout must not be negative (0 means none)")
	}
	for _, g := range c.Scan.Exclude {
		v.glob(c.lines["scan.exclude"], "scan.exclude", g)
	}
	for i, g := range c.Scan.ContainerImagePaths {
		line := c.lines[fmt.Sprintf("scan.container_image_paths.%d", i)]
		if strings.HasPrefix(g, "/") {
			v.add(line, "scan.container_image_paths: %q: globs are anchored at the repo root already; drop the leading /", g)
			continue
		}
		v.glob(line, "scan.container_image_paths", g)
	}
	if c.Exporter.MaxVersions < 0 {
		v.add(c.lines["exporter.max_versions"], "exporter.max_versions must be positive")
	}
	if c.History.Retention <= 0 {
		v.add(c.lines["history.retention"], "history.retention must be positive, like 400d")
	}
	if c.ROI.HourlyRate < 0 {
		v.add(c.lines["roi.hourly_rate"], "roi.hourly_rate must not be negative")
	}
	for _, o := range c.Offerings {
		if o.ROI != nil && c.ROI.Currency == "" {
			v.add(o.LineOf("roi"), "offering %q: roi needs the top-level roi.currency (and roi.hourly_rate) its value is in", o.Name)
			break
		}
	}
	c.validateCampaigns(v, seen)
	sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Line < v.errs[j].Line })
	return v.errs
}

// validateSource checks what every source has: a name. Its type and the
// keys that type takes are checked by the type (source.Validate).
func (c *Config) validateSource(v *validator, s Source) {
	if s.Name == "" {
		v.add(s.Line, "source: name is required")
	} else if !labelValueRE.MatchString(s.Name) {
		v.add(s.Line, "source %q: name must match [a-z0-9_-]+", s.Name)
	}
}

// SetKeys are the config keys set on the source (non-zero), name and type
// aside, in the order the Source type declares them.
func (s Source) SetKeys() []string {
	v := reflect.ValueOf(s)
	var out []string
	for i := 0; i < v.NumField(); i++ {
		key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if key == "" || key == "-" || key == "name" || key == "type" || v.Field(i).IsZero() {
			continue
		}
		out = append(out, key)
	}
	return out
}

func (c *Config) validateOffering(v *validator, o *Offering) {
	where := fmt.Sprintf("offering %q", o.Name)
	switch {
	case o.Name == "":
		where = "offering"
		v.add(o.Line, "offering: name is required")
	case !labelValueRE.MatchString(o.Name):
		v.add(o.Line, "%s: name must match [a-z0-9_-]+", where)
	}
	if o.Owner == "" {
		v.add(o.Line, "%s: owner is required", where)
	}
	if o.Lifecycle == "" {
		v.add(o.Line, "%s: lifecycle is required", where)
	} else if !slices.Contains(Lifecycles, o.Lifecycle) {
		v.add(o.Line, "%s: lifecycle must be one of %s, got %q", where, strings.Join(Lifecycles, ", "), o.Lifecycle)
	}
	if len(o.Detect) == 0 {
		// At the line of detect's value when there is one: rules that did
		// not decode were reported there, and this is dropped.
		v.add(o.LineOf("detect"), "%s: at least one detect rule is required", where)
	}
	for _, r := range o.Detect {
		if r.Kind == "" {
			v.add(r.Line, "%s: detect rule: kind is required", where)
		}
	}
	if e := o.Eligible; e != nil {
		for _, g := range e.Paths {
			v.glob(o.LineOf("eligible"), where+" eligible.paths", g)
		}
		for _, g := range e.ExcludeRepos {
			v.glob(o.LineOf("eligible"), where+" eligible.exclude_repos", g)
		}
	}
	for i := range o.Waivers {
		w := &o.Waivers[i]
		if w.Repo == "" {
			v.add(w.Line, "%s: waiver: repo is required", where)
		} else {
			v.glob(w.Line, where+" waiver repo", w.Repo)
		}
		if w.Reason == "" {
			v.add(w.Line, "%s: waiver: reason is required", where)
		}
		d, err := time.Parse(time.DateOnly, w.Expires)
		if err != nil {
			v.add(w.Line, "%s: waiver: expires must be a date YYYY-MM-DD, got %q", where, w.Expires)
		}
		w.ExpiresAt = d.AddDate(0, 0, 1)
	}
	if t := o.Target; t != nil {
		if t.Ratio <= 0 || t.Ratio > 1 {
			v.add(o.LineOf("target"), "%s: target.ratio must be in (0, 1], got %g", where, t.Ratio)
		}
		d, err := time.Parse(time.DateOnly, t.By)
		if err != nil {
			v.add(o.LineOf("target"), "%s: target.by must be a date YYYY-MM-DD, got %q", where, t.By)
		}
		t.Deadline = d
	}
	if r := o.ROI; r != nil {
		if r.HoursSavedPerRepoMonth < 0 || r.HoursSavedPerTeamMonth < 0 || r.CostPerMonth < 0 || r.OnboardingHoursPerRepo < 0 {
			v.add(o.LineOf("roi"), "%s: roi values must not be negative", where)
		}
	}
}
