package deploy_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/uptake-dev/uptake/config"
)

// kustomization is the part of a Kustomization these manifests use.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// manifests is every object of one Kustomize variant, decoded strictly.
type manifests struct {
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	services     []corev1.Service
	configMaps   []corev1.ConfigMap
	claims       []corev1.PersistentVolumeClaim
	accounts     []corev1.ServiceAccount
	monitors     []monitoringv1.ServiceMonitor
	rules        []monitoringv1.PrometheusRule
}

// decodeStrict decodes a manifest into its API type, failing on unknown fields.
func decodeStrict(t *testing.T, file string, data []byte, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// load reads the kustomization in dir and every resource it lists,
// following directories, and checks each file of dir is listed.
func load(t *testing.T, dir string, m *manifests) {
	t.Helper()
	var k kustomization
	kfile := filepath.Join(dir, "kustomization.yaml")
	data, err := os.ReadFile(kfile)
	if err != nil {
		t.Fatal(err)
	}
	decodeStrict(t, kfile, data, &k)
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("%s: %s %s, want a kustomize.config.k8s.io/v1beta1 Kustomization", kfile, k.APIVersion, k.Kind)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("%s is not listed in %s", f, kfile)
		}
	}
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			load(t, p, m)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s lists %s: %v", kfile, r, err)
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(data, &meta); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		switch meta.Kind {
		case "Deployment":
			m.deployments = append(m.deployments, appsv1.Deployment{})
			decodeStrict(t, p, data, &m.deployments[len(m.deployments)-1])
		case "StatefulSet":
			m.statefulSets = append(m.statefulSets, appsv1.StatefulSet{})
			decodeStrict(t, p, data, &m.statefulSets[len(m.statefulSets)-1])
		case "Service":
			m.services = append(m.services, corev1.Service{})
			decodeStrict(t, p, data, &m.services[len(m.services)-1])
		case "ConfigMap":
			m.configMaps = append(m.configMaps, corev1.ConfigMap{})
			decodeStrict(t, p, data, &m.configMaps[len(m.configMaps)-1])
		case "PersistentVolumeClaim":
			m.claims = append(m.claims, corev1.PersistentVolumeClaim{})
			decodeStrict(t, p, data, &m.claims[len(m.claims)-1])
		case "ServiceAccount":
			m.accounts = append(m.accounts, corev1.ServiceAccount{})
			decodeStrict(t, p, data, &m.accounts[len(m.accounts)-1])
		case "ServiceMonitor":
			m.monitors = append(m.monitors, monitoringv1.ServiceMonitor{})
			decodeStrict(t, p, data, &m.monitors[len(m.monitors)-1])
		case "PrometheusRule":
			m.rules = append(m.rules, monitoringv1.PrometheusRule{})
			decodeStrict(t, p, data, &m.rules[len(m.rules)-1])
		default:
			t.Errorf("%s: kind %q is not checked by this test", p, meta.Kind)
		}
	}
}

func variant(t *testing.T, name string) manifests {
	t.Helper()
	var m manifests
	load(t, filepath.Join("kubernetes", name), &m)
	if len(m.services) != 1 || len(m.monitors) != 1 || len(m.configMaps) != 1 || len(m.rules) != 1 || len(m.accounts) != 1 {
		t.Fatalf("%s: want one each of Service, ServiceMonitor, ConfigMap, PrometheusRule and ServiceAccount", name)
	}
	return m
}

func TestKubernetesSingle(t *testing.T) {
	m := variant(t, "single")
	if len(m.deployments) != 1 || len(m.statefulSets) != 0 || len(m.claims) != 1 {
		t.Fatal("single: want one Deployment, one PersistentVolumeClaim, no StatefulSet")
	}
	d := m.deployments[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Error("Deployment: want exactly 1 replica (more would count every repo twice)")
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("Deployment strategy %q: want Recreate, never two pods on one ReadWriteOnce volume", d.Spec.Strategy.Type)
	}
	checkSelector(t, "Deployment", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	data := checkPod(t, m, "Deployment", d.Spec.Template.Spec)
	if data.PersistentVolumeClaim == nil || data.PersistentVolumeClaim.ClaimName != m.claims[0].Name {
		t.Errorf("Deployment: --storage.path is not on the PersistentVolumeClaim %s", m.claims[0].Name)
	}
}

var shardEnvRE = regexp.MustCompile(`^\$\(POD_NAME\)/(\d+)$`)

func TestKubernetesSharded(t *testing.T) {
	m := variant(t, "sharded")
	if len(m.statefulSets) != 1 || len(m.deployments) != 0 {
		t.Fatal("sharded: want one StatefulSet and no Deployment")
	}
	s := m.statefulSets[0]
	checkSelector(t, "StatefulSet", s.Spec.Selector.MatchLabels, s.Spec.Template.Labels)
	if s.Spec.ServiceName != m.services[0].Name || m.services[0].Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("StatefulSet serviceName %q: want the headless Service %s", s.Spec.ServiceName, m.services[0].Name)
	}
	data := checkPod(t, m, "StatefulSet", s.Spec.Template.Spec)
	if data != nil {
		t.Error("StatefulSet: --storage.path must come from a volume claim template, one cache per shard")
	}
	if len(s.Spec.VolumeClaimTemplates) != 1 || s.Spec.VolumeClaimTemplates[0].Name != "data" {
		t.Error("StatefulSet: want one volume claim template, data")
	}

	// UPTAKE_SHARD=$(POD_NAME)/n must use the pod name, defined before it,
	// and n must be the number of replicas.
	c := s.Spec.Template.Spec.Containers[0]
	podName, shards := -1, ""
	for i, e := range c.Env {
		switch e.Name {
		case "POD_NAME":
			if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
				t.Error("POD_NAME must come from metadata.name")
			}
			podName = i
		case "UPTAKE_SHARD":
			if podName < 0 {
				t.Error("UPTAKE_SHARD refers to POD_NAME before it is defined")
			}
			shards = e.Value
		}
	}
	g := shardEnvRE.FindStringSubmatch(shards)
	if g == nil {
		t.Fatalf("UPTAKE_SHARD %q: want $(POD_NAME)/n", shards)
	}
	if s.Spec.Replicas == nil {
		t.Fatal("StatefulSet: replicas must be set, to the number of shards")
	}
	if n, _ := strconv.Atoi(g[1]); int(*s.Spec.Replicas) != n {
		t.Errorf("UPTAKE_SHARD says %s shards, the StatefulSet runs %d replicas", g[1], *s.Spec.Replicas)
	}
}

func checkSelector(t *testing.T, kind string, selector, labels map[string]string) {
	t.Helper()
	if len(selector) == 0 {
		t.Errorf("%s: empty selector", kind)
	}
	for k, v := range selector {
		if labels[k] != v {
			t.Errorf("%s: selector %s=%s does not match the pod template", kind, k, v)
		}
	}
}

// flags returns a container's --name=value arguments.
func flags(args []string) map[string]string {
	out := map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok && strings.HasPrefix(a, "--") {
			out[k] = v
		}
	}
	return out
}

// checkPod checks what the Deployment and the StatefulSet share, and
// returns the volume --storage.path is on (nil when it comes from a claim
// template).
func checkPod(t *testing.T, m manifests, kind string, pod corev1.PodSpec) *corev1.VolumeSource {
	t.Helper()
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container", kind)
	}
	c := pod.Containers[0]
	sc, psc := c.SecurityContext, pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: pod must run as a non-root user", kind)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: root filesystem must be read-only", kind)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("%s: want no privilege escalation and every capability dropped", kind)
	}
	if pod.ServiceAccountName != m.accounts[0].Name {
		t.Errorf("%s: service account %q, want %s", kind, pod.ServiceAccountName, m.accounts[0].Name)
	}

	if want := "ghcr.io/uptake-dev/uptake:v" + releaseVersion(t); c.Image != want {
		t.Errorf("%s: image %q, want %s: the release in VERSION, never a moving tag", kind, c.Image, want)
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Fatalf("%s: args %v, want uptake serve", kind, c.Args)
	}
	f := flags(c.Args)
	_, port, _ := strings.Cut(f["web.listen-address"], ":")
	var portName string
	for _, p := range c.Ports {
		if strconv.Itoa(int(p.ContainerPort)) == port {
			portName = p.Name
		}
	}
	if portName == "" {
		t.Fatalf("%s: no container port for --web.listen-address=%q", kind, f["web.listen-address"])
	}
	for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/-/healthy", c.ReadinessProbe: "/-/ready"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != portName {
			t.Errorf("%s: want an HTTP probe on %s port %s", kind, want, portName)
		}
	}

	// The Service reaches the pods on that port, and the ServiceMonitor
	// scrapes that Service port.
	svc, mon := m.services[0], m.monitors[0]
	checkSelector(t, "Service", svc.Spec.Selector, podLabels(m))
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != portName {
		t.Errorf("Service: want one port targeting %s", portName)
	}
	checkSelector(t, "ServiceMonitor", mon.Spec.Selector.MatchLabels, svc.Labels)
	if len(mon.Spec.Endpoints) != 1 || mon.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name {
		t.Errorf("ServiceMonitor: want one endpoint on Service port %s", svc.Spec.Ports[0].Name)
	}

	mounts := map[string]string{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.MountPath] = vm.Name
	}
	volumes := map[string]corev1.VolumeSource{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v.VolumeSource
	}
	// --config is a key of the ConfigMap, mounted as a directory (a
	// subPath mount would never see an update).
	cm := m.configMaps[0]
	cfg, ok := volumes[mounts[path.Dir(f["config"])]]
	if !ok || cfg.ConfigMap == nil || cfg.ConfigMap.Name != cm.Name {
		t.Errorf("%s: --config=%s is not in a directory mounted from ConfigMap %s", kind, f["config"], cm.Name)
	}
	catalog, ok := cm.Data[path.Base(f["config"])]
	if !ok {
		t.Fatalf("ConfigMap %s has no key %s", cm.Name, path.Base(f["config"]))
	}
	c2, err := config.Parse("configmap.yaml:"+path.Base(f["config"]), []byte(catalog))
	if err != nil {
		t.Fatalf("ConfigMap %s: the catalog does not load: %v", cm.Name, err)
	}
	// Every token the catalog reads from the environment comes from a Secret.
	secretEnv := map[string]bool{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			secretEnv[e.Name] = true
		}
	}
	var tokens []string
	for _, s := range c2.Sources {
		if s.TokenEnv != "" {
			tokens = append(tokens, s.TokenEnv)
			if !secretEnv[s.TokenEnv] {
				t.Errorf("%s: source %s reads $%s, which no Secret provides", kind, s.Name, s.TokenEnv)
			}
		}
	}
	if len(tokens) == 0 {
		t.Errorf("ConfigMap %s: the example catalog shows no token from a Secret", cm.Name)
	}

	storage := mounts[f["storage.path"]]
	if storage == "" {
		t.Fatalf("%s: --storage.path=%s is not a mounted volume", kind, f["storage.path"])
	}
	if v, ok := volumes[storage]; ok {
		return &v
	}
	return nil
}

func podLabels(m manifests) map[string]string {
	if len(m.deployments) > 0 {
		return m.deployments[0].Spec.Template.Labels
	}
	return m.statefulSets[0].Spec.Template.Labels
}

// TestKubernetesFilesAllUsed checks every manifest is in some variant.
func TestKubernetesFilesAllUsed(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir("kubernetes", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".yaml") {
			t.Errorf("%s: manifests end in .yaml", p)
		}
		if d.IsDir() && p != "kubernetes" {
			dirs = append(dirs, filepath.Base(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	if want := []string{"common", "sharded", "single"}; !slices.Equal(dirs, want) {
		t.Errorf("kubernetes/ has %v, want %v", dirs, want)
	}
}

// releaseVersion is the VERSION file's release, which CHANGELOG.md must
// have a section for.
func releaseVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(b))
	changelog, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^## ` + regexp.QuoteMeta(v) + ` / \d{4}-\d{2}-\d{2}$`).Match(changelog) {
		t.Fatalf("CHANGELOG.md has no \"## %s / YYYY-MM-DD\" section for the VERSION file's release", v)
	}
	return v
}
