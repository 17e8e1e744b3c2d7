package deploy_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/uptake-dev/uptake/deploy"
)

// compose is the part of the Compose specification docker-compose.yml
// uses; decoding it strictly catches a misspelt key.
type compose struct {
	Name     string             `yaml:"name"`
	Services map[string]service `yaml:"services"`
	Volumes  map[string]struct {
	} `yaml:"volumes"`
}

type service struct {
	Image string `yaml:"image"`
	Build *struct {
		Context string `yaml:"context"`
		Target  string `yaml:"target"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	ReadOnly bool     `yaml:"read_only"`
	Tmpfs    []string `yaml:"tmpfs"`
	Ports    []string `yaml:"ports"`
	Volumes  []string `yaml:"volumes"`
}

func yamlStrict(t *testing.T, file string, v any) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// mounts maps a service's mount targets to their sources.
func mounts(s service) map[string]string {
	out := map[string]string{}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		out[parts[1]] = parts[0]
	}
	return out
}

func TestCompose(t *testing.T) {
	var c compose
	yamlStrict(t, "docker-compose.yml", &c)
	for _, name := range []string{"demo", "uptake", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.yml: no %s service", name)
		}
	}
	stages := dockerfileStages(t)
	for name, s := range c.Services {
		if (s.Image == "") == (s.Build == nil) {
			t.Errorf("%s: want exactly one of image and build", name)
		}
		if s.Build != nil {
			if st, err := os.Stat(filepath.Join(s.Build.Context, "Dockerfile")); err != nil || st.IsDir() {
				t.Errorf("%s: build context %s has no Dockerfile", name, s.Build.Context)
			}
			if s.Build.Target != "" && !slices.Contains(stages, s.Build.Target) {
				t.Errorf("%s: build target %s is not a stage of the Dockerfile (%v)", name, s.Build.Target, stages)
			}
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
			}
		}
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) < 2 || len(parts) > 3 || (len(parts) == 3 && parts[2] != "ro") {
				t.Errorf("%s: volume %q: want SOURCE:TARGET[:ro]", name, v)
				continue
			}
			if strings.HasPrefix(parts[0], ".") {
				if _, err := os.Stat(parts[0]); err != nil {
					t.Errorf("%s: bind mount source: %v", name, err)
				}
			} else if _, ok := c.Volumes[parts[0]]; !ok {
				t.Errorf("%s: volume %s is not declared", name, parts[0])
			}
		}
	}

	// uptake reads the config the demo service writes.
	demo, up := c.Services["demo"], c.Services["uptake"]
	if up.DependsOn["demo"].Condition != "service_completed_successfully" {
		t.Error("uptake must wait for the demo to be written")
	}
	cfg := flags(up.Command)["config"]
	if dir := filepath.Dir(cfg); mounts(up)[dir] == "" || mounts(up)[dir] != mounts(demo)[dir] {
		t.Errorf("uptake --config=%s is not in the volume the demo service writes", cfg)
	}
	if mounts(up)[flags(up.Command)["storage.path"]] == "" {
		t.Error("uptake --storage.path is not on a volume")
	}

	// Prometheus loads its config and the rules from the mounted directory,
	// and scrapes uptake as job "uptake", which UptakeScanStale matches.
	prom := c.Services["prometheus"]
	promCfg := flags(prom.Command)["config.file"]
	src := mounts(prom)[filepath.Dir(promCfg)]
	if src == "" {
		t.Fatalf("prometheus --config.file=%s is not in a bind mount", promCfg)
	}
	var pc struct {
		Global struct {
			ScrapeInterval     string `yaml:"scrape_interval"`
			EvaluationInterval string `yaml:"evaluation_interval"`
		} `yaml:"global"`
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	yamlStrict(t, filepath.Join(src, filepath.Base(promCfg)), &pc)
	if !slices.Contains(pc.RuleFiles, filepath.Base(deploy.RulesFile)) || filepath.Join(src, filepath.Base(deploy.RulesFile)) != deploy.RulesFile {
		t.Errorf("prometheus.yml does not load %s from its own directory", deploy.RulesFile)
	}
	_, port, _ := strings.Cut(up.Ports[0], ":")
	if len(pc.ScrapeConfigs) != 1 || pc.ScrapeConfigs[0].JobName != "uptake" ||
		len(pc.ScrapeConfigs[0].StaticConfigs) != 1 || !slices.Equal(pc.ScrapeConfigs[0].StaticConfigs[0].Targets, []string{"uptake:" + port}) {
		t.Errorf("prometheus.yml: want one job uptake scraping uptake:%s", port)
	}

	// Grafana reads the provisioning of dashboards/, whose dashboard
	// provider points at where the dashboards are mounted.
	graf := mounts(c.Services["grafana"])
	if graf["/etc/grafana/provisioning"] != "../dashboards/provisioning" {
		t.Error("grafana: ../dashboards/provisioning is not mounted at /etc/grafana/provisioning")
	}
	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	if err := yaml.Unmarshal(mustRead(t, "../dashboards/provisioning/dashboards/uptake.yml"), &provider); err != nil {
		t.Fatal(err)
	}
	if len(provider.Providers) != 1 || graf[provider.Providers[0].Options.Path] != "../dashboards" {
		t.Error("grafana: the dashboard provider's path is not where ../dashboards is mounted")
	}
	home := c.Services["grafana"].Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if _, err := os.Stat(filepath.Join("../dashboards", strings.TrimPrefix(home, provider.Providers[0].Options.Path))); err != nil {
		t.Errorf("grafana home dashboard: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var fromRE = regexp.MustCompile(`(?i)^FROM\s+(\S+)(?:\s+AS\s+(\S+))?\s*$`)

// dockerfileStages returns the names of the Dockerfile's stages.
func dockerfileStages(t *testing.T) []string {
	t.Helper()
	var stages []string
	for _, s := range dockerfile(t) {
		stages = append(stages, s.name)
	}
	return stages
}

type stage struct {
	name, base string
	lines      []string
}

func dockerfile(t *testing.T) []stage {
	t.Helper()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []stage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := fromRE.FindStringSubmatch(line); m != nil {
			stages = append(stages, stage{name: m[2], base: m[1]})
			continue
		}
		if line != "" && !strings.HasPrefix(line, "#") && len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

// TestDockerfile checks the image without building it: multi-stage, the
// final stage distroless/static running as non-root, uptake from ./cmd/uptake.
func TestDockerfile(t *testing.T) {
	stages := dockerfile(t)
	if len(stages) < 2 {
		t.Fatal("Dockerfile: want a build stage and a runtime stage")
	}
	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.base, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s, want distroless/static", final.base)
	}
	body := strings.Join(final.lines, "\n")
	for _, want := range []string{"USER 65532:65532", "EXPOSE 9877", `ENTRYPOINT ["/usr/local/bin/uptake"]`} {
		if !strings.Contains(body, want) {
			t.Errorf("final stage has no %s", want)
		}
	}
	var build string
	for _, s := range stages {
		build += strings.Join(s.lines, "\n")
	}
	if !strings.Contains(build, "-o /out/uptake ./cmd/uptake") || !strings.Contains(build, "CGO_ENABLED=0") {
		t.Error("Dockerfile does not build a static ./cmd/uptake")
	}
}
