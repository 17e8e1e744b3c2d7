//go:build tools

// Package deps pins modules the tree is growing into, so go.sum holds them
// while parallel work lands. Removed once every one is imported for real.
package deps

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/Masterminds/semver/v3"
	_ "github.com/alecthomas/kingpin/v2"
	_ "github.com/bmatcuk/doublestar/v4"
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/gofri/go-github-ratelimit/v2/github_ratelimit"
	_ "github.com/google/go-github/v89/github"
	_ "github.com/grafana/grafana-foundation-sdk/go/dashboard"
	_ "github.com/hashicorp/hcl/v2/hclparse"
	_ "github.com/hmarr/codeowners"
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/collectors/version"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/prometheus/common/expfmt"
	_ "github.com/prometheus/common/version"
	_ "github.com/prometheus/exporter-toolkit/web"
	_ "github.com/prometheus/exporter-toolkit/web/kingpinflag"
	_ "github.com/schollz/progressbar/v3"
	_ "gitlab.com/gitlab-org/api/client-go/v2"
	_ "go.etcd.io/bbolt"
	_ "go.uber.org/zap"
	_ "go.uber.org/zap/exp/zapslog"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/mod/modfile"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/term"
	_ "k8s.io/api/apps/v1"
	_ "k8s.io/api/core/v1"
	_ "sigs.k8s.io/yaml"
)
