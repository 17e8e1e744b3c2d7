package demo

// Authors by team; GitHub teams and GitLab teams differ in where their repos
// live and which CI they use.
var (
	payments = person{"Priya Raman", "priya.raman@acme.example", "github.com"}
	search   = person{"Sven Olsen", "sven.olsen@acme.example", "github.com"}
	identity = person{"Ines Duarte", "ines.duarte@acme.example", "github.com"}
	data     = person{"Dmitri Volkov", "dmitri.volkov@acme.example", "gitlab.acme.example"}
	mobile   = person{"Maya Chen", "maya.chen@acme.example", "github.com"}
	growth   = person{"Gabriel Okafor", "gabriel.okafor@acme.example", "gitlab.acme.example"}
	platform = person{"Platform Bot", "platform-bot@acme.example", "github.com"}
)

const serviceKit = "github.com/acme/service-kit"

// goDeps are a Go service's direct requirements with service-kit at
// version, or without it when version is empty.
func goDeps(version string) []mod {
	deps := []mod{
		{"github.com/go-chi/chi/v5", "v5.1.0"},
		{"github.com/prometheus/client_golang", "v1.20.5"},
		{"go.uber.org/zap", "v1.27.0"},
	}
	if version != "" {
		deps = append([]mod{{serviceKit, version}}, deps...)
	}
	return deps
}

func goService(name, version string) []file {
	return goModule("github.com/acme/"+name, "1.23.4", goDeps(version), "")
}

func webSDK(version string) []npmDep {
	return []npmDep{{"@acme/web-sdk", version}, {"react", "18.3.1"}, {"react-dom", "18.3.1"}}
}

var nodeDev = []npmDep{{"eslint", "9.15.0"}, {"typescript", "5.6.3"}, {"vite", "5.4.11"}, {"vitest", "2.1.5"}}

var (
	goIgnore   = gitignore("/bin/", "/dist/", "*.test", "coverage.out")
	nodeIgnore = gitignore("node_modules/", "dist/", ".env.local")
	pyIgnore   = gitignore("__pycache__/", ".venv/", "*.egg-info/", ".pytest_cache/")
	jvmIgnore  = gitignore("target/", "build/", ".gradle/", "*.iml")
	tfIgnore   = gitignore(".terraform/", "*.tfstate", "*.tfstate.backup", "*.tfvars")
)

// Owner files, in the variants the attribution chain must read.
var (
	paymentsOwners = codeowners(".github/CODEOWNERS", "* @acme/payments", "/deploy/ @acme/payments @acme/sre")
	// A user before the team: the team is still the owner.
	searchOwners = codeowners("CODEOWNERS", "* @alice @acme/search")
	// A nested team; docs/ is the third place GitHub looks.
	identityOwners = codeowners("docs/CODEOWNERS", "* @acme/platform/identity")
	// GitLab sections; the catch-all is in the first one.
	dataOwners   = codeowners(".gitlab/CODEOWNERS", "[Backend]", "* @acme/data", "/migrations/ @acme/data @dmitri.volkov", "", "^[Docs] @acme/tech-writers", "/docs/")
	mobileOwners = codeowners(".github/CODEOWNERS", "* @acme/mobile")
	growthOwners = codeowners(".gitlab/CODEOWNERS", "[Growth]", "* @acme/growth")
)

// org is the whole organisation. Every version written with an -rc suffix
// lives only where a scan must not look (uncommitted changes, older
// commits, vendor/ and node_modules/, a file past the size limit).
func org() []*repo {
	return []*repo{
		// --- payments: GitHub, reusable workflows ---
		{
			name: "payments-api", author: payments,
			about: "Public payments API: authorisations, captures and refunds.",
			files: join(
				files(paymentsOwners, goIgnore,
					goDockerfile(baseImage("3.0.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0"),
					stepsWorkflow(".github/workflows/release.yml", "Release", pinned("acme/setup-toolchain", "v1.4.0"), "make release"),
					serviceKitMarker("payments-api", 1),
					makefile("2.1.0")),
				goService("payments-api", "v1.4.0"),
				chart("deploy/chart", "payments-api", "4.2.0"),
			),
			bump: &bump{"Bump service-kit to v1.4.0", goService("payments-api", "v1.4.0-rc.2")[:2]},
			dirty: files(
				text("go.mod", string(goService("payments-api", "v1.5.0-rc.1")[0].data)),
				text("notes.txt", "try the v1.5 release candidate before the freeze\n"),
			),
		},
		{
			name: "payments-ledger", author: payments, mirror: true,
			about: "Double-entry ledger for every money movement.",
			files: join(
				files(paymentsOwners, goIgnore,
					goDockerfile(baseImage("2.1.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.0.0"),
					serviceKitMarker("payments-ledger", 1)),
				goService("payments-ledger", "v1.2.0"),
				terraform("deploy/terraform", tfModule("ledger", "app.terraform.io/acme/service/aws", "2.4.0")),
			),
		},
		{
			name: "payments-gateway", author: payments,
			about: "Card network gateway (Java): routes authorisations to acquirers.",
			files: join(
				files(paymentsOwners, jvmIgnore,
					pom("payments-gateway", "", bomImport("5.2.0"), ""),
					javaDockerfile(registry+"/platform/base:${BASE_TAG}", "BASE_TAG=3.0.0"),
					reusableWorkflow(".github/workflows/ci.yml", "java.yml", "v2.1.0"),
					deployment("deploy/k8s/deployment.yaml", "payments-gateway", registry+"/payments/gateway:3.12.0", "0.102.1"),
					hugeValues()),
				chart("deploy/chart", "payments-gateway", "~4.1.0"),
			),
			bump:  &bump{"Upgrade platform BOM to 5.2.0", files(pom("payments-gateway", "", bomImport("5.2.0-rc.1"), ""))},
			dirty: files(text("pom.xml", string(pom("payments-gateway", "", bomImport("5.3.0-rc.1"), "").data))),
		},
		{
			name: "payments-web", author: payments, mirror: true,
			about: "Checkout pages and the payment form.",
			files: join(
				files(paymentsOwners, nodeIgnore,
					// A different image that shares a prefix with the base image.
					nodeDockerfile(registry+"/platform/base-node:3.0.0"),
					stepsWorkflow(".github/workflows/ci.yml", "CI", pinned("acme/setup-toolchain", "v1.3.0"), "npm ci && npm test"),
					// Committed by mistake; a scan excludes node_modules/.
					text("node_modules/@acme/web-sdk/package.json", marshal(packageJSON{Name: "@acme/web-sdk", Version: "3.5.0-rc.1"}))),
				npmProject("payments-web", "2.3.0", webSDK("3.4.0"), nodeDev),
			),
			// It shipped on the platform base image until the Node one existed.
			drop: &bump{"Move to the Node base image", files(nodeDockerfile(baseImage("2.3.0")))},
		},
		{
			name: "payments-infra", author: payments,
			about: "Terraform for the payments AWS accounts.",
			files: join(
				files(paymentsOwners, tfIgnore,
					reusableWorkflow(".github/workflows/terraform.yml", "terraform.yml", "v2.1.0")),
				terraform("environments/production",
					tfModule("api", "app.terraform.io/acme/service/aws", "2.4.0"),
					tfModule("network", "terraform-aws-modules/vpc/aws", "5.16.0")),
				terraform("environments/legacy",
					tfModule("batch", "git::https://github.com/acme/terraform-aws-service.git?ref=v2.2.0", "")),
			),
			dirty: files(text("environments/legacy/main.tf", tfModule("batch", "git::https://github.com/acme/terraform-aws-service.git?ref=v2.5.0-rc.1", ""))),
		},
		{
			name: "payments-reconciler", author: payments, mirror: true,
			about: "Nightly reconciliation of acquirer settlement files.",
			files: files(paymentsOwners, pyIgnore,
				requirements("acme-platform==2.4.0", "boto3==1.35.72", "pandas==2.2.3"),
				pythonDockerfile(baseImage("3.0.0")),
				reusableWorkflow(".github/workflows/ci.yml", "python.yml", "v2.1.0"),
				text(".platform-version", "2.0.0\n")),
		},
		{
			// A CLI, not a service: excluded from service-kit's denominator.
			name: "payments-tools", author: payments,
			about: "Operator CLI for the payments on-call.",
			files: join(
				files(paymentsOwners, goIgnore,
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0")),
				goService("payments-tools", ""),
			),
			dirty: files(text("README.md", "# payments-tools\n\nWIP: rewriting the refund command.\n")),
		},
		{
			// Owned by the team's former name: the checkout alias maps it to payments.
			name: "checkout-legacy", author: payments, mirror: true,
			about: "The 2019 checkout service, kept until the last merchants migrate.",
			files: join(
				files(codeowners(".github/CODEOWNERS", "* @acme/checkout"), goIgnore,
					goDockerfile(baseImage("2.1.0")),
					jenkinsfile("@Library('acme-pipeline@1.9.0') _")),
				goService("checkout-legacy", "v0.9.0"),
			),
		},

		// --- search: GitHub, CODEOWNERS at the root ---
		{
			name: "search-api", author: search,
			about: "Query API in front of the search clusters.",
			files: join(
				files(searchOwners, goIgnore,
					goDockerfile("${BASE_IMAGE}", "BASE_IMAGE="+baseImage("2.3.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0"),
					stepsWorkflow(".github/workflows/bench.yml", "Benchmarks", pinned("acme/setup-toolchain", "v1.4.0"), "make bench"),
					kustomization("deploy/overlays/production/kustomization.yaml", "search", "github.com/acme/k8s-bases/service?ref=v1.5.0", "hpa.yaml")),
				goService("search-api", "v1.3.1"),
				chart("deploy/chart", "search-api", "4.0.1"),
			),
			dirty: files(goDockerfile("${BASE_IMAGE}", "BASE_IMAGE="+baseImage("3.1.0-rc.1"))),
		},
		{
			name: "search-indexer", author: search, mirror: true,
			about: "Kafka consumer that builds the search indexes (Kotlin).",
			files: files(searchOwners, jvmIgnore,
				text("build.gradle.kts", `plugins {
    kotlin("jvm") version "2.0.21"
    id("com.acme.conventions") version "1.6.0"
}

dependencies {
    implementation(platform(libs.acme.platform.bom))
    implementation("org.apache.kafka:kafka-clients")
    testImplementation(libs.junit.jupiter)
}
`),
				settingsKts("search-indexer"),
				versionCatalog("5.1.0", "1.6.0"),
				javaDockerfile(baseImage("3.0.0")),
				reusableWorkflow(".github/workflows/ci.yml", "java.yml", "v2.0.0")),
		},
		{
			// Its service-kit waiver expired: it counts as a repo that has not
			// adopted. Untouched for four years: idle in base-image-v3.
			name: "search-legacy-indexer", author: search, idleYears: 4,
			about: "Batch indexer replaced by search-indexer; still runs the weekly full rebuild.",
			files: join(
				files(searchOwners, goIgnore,
					goDockerfile(registry+"/platform/base@"+digest(baseImage("2.3.0"))),
					jenkinsfile("@Library('acme-pipeline@2.0.1') _")),
				goService("search-legacy-indexer", ""),
			),
			dirty: files(
				text("go.mod", string(goService("search-legacy-indexer", "v1.5.0-rc.1")[0].data)),
				deleted("Jenkinsfile"),
			),
		},
		{
			name: "search-ranker", author: search, mirror: true,
			about: "Learning-to-rank model server.",
			files: files(searchOwners, pyIgnore,
				pep621("search-ranker", "acme-platform[otel]>=2.4.0,<3", "fastapi>=0.115", "lightgbm==4.5.0"),
				pythonDockerfile(baseImage("3.0.0")),
				reusableWorkflow(".github/workflows/ci.yml", "python.yml", "v1.8.0")),
		},
		{
			name: "search-ui", author: search,
			about: "Search results page and autocomplete widget.",
			files: join(
				files(searchOwners, nodeIgnore,
					stepsWorkflow(".github/workflows/ci.yml", "CI", pinned("acme/setup-toolchain", "v1.4.0"), "yarn install --frozen-lockfile && yarn test")),
				yarnProject("search-ui", "4.1.0", webSDK("3.2.0"), nodeDev),
			),
			dirty: files(text("package.json", string(yarnProject("search-ui", "4.1.0", webSDK("3.5.0-rc.1"), nodeDev)[0].data))),
		},
		{
			// A library with a vendored module whose go.mod requires
			// service-kit; vendor/ is excluded, so the repo has not adopted it.
			name: "search-query-parser", author: search, mirror: true,
			about: "Query language parser shared by search-api and the admin tools.",
			files: join(
				files(searchOwners, goIgnore,
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "main"),
					text("vendor/modules.txt", "# github.com/acme/legacy-proto v0.3.0\n## explicit; go 1.21\ngithub.com/acme/legacy-proto\n"),
					text("vendor/github.com/acme/legacy-proto/go.mod", "module github.com/acme/legacy-proto\n\ngo 1.21\n\nrequire "+serviceKit+" v1.5.0-rc.1\n")),
				goModule("github.com/acme/search-query-parser", "1.23.4", []mod{{"github.com/acme/legacy-proto", "v0.3.0"}, {"golang.org/x/text", "v0.21.0"}}, ""),
			),
		},
		{
			// Rust: the telemetry crate declared as a range, resolved by the lockfile.
			name: "search-tokenizer", author: search, mirror: true,
			about: "Unicode-aware tokenizer used at index and query time.",
			files: join(files(searchOwners, gitignore("/target/"),
				text("Cargo.toml", "[package]\nname = \"search-tokenizer\"\nversion = \"0.8.0\"\nedition = \"2021\"\n\n[dependencies]\nacme-telemetry = \"0.4\"\nunicode-segmentation = \"1.12\"\n\n[dev-dependencies]\ncriterion = \"0.5\"\n"),
				text("Cargo.lock", "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"acme-telemetry\"\nversion = \"0.4.2\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"search-tokenizer\"\nversion = \"0.8.0\"\n\n[[package]]\nname = \"unicode-segmentation\"\nversion = \"1.12.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"),
				reusableWorkflow(".github/workflows/ci.yml", "rust.yml", "v2.1.0"))),
		},
		{
			// Owners for docs/ after the catch-all; a symlink out of the repo.
			name: "search-crawler", author: search,
			about: "Crawls partner catalogues into the index.",
			files: join(
				files(codeowners("CODEOWNERS", "* @alice @acme/search", "/docs/ @acme/tech-writers"), goIgnore,
					goDockerfile(baseImage("3.0.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0"),
					serviceKitMarker("search-crawler", 2),
					deployment("deploy/k8s/deployment.yaml", "search-crawler", registry+"/search/crawler:2.7.1", "0.102.1"),
					symlink("link", "/etc/passwd"),
					text("docs/architecture.md", "# Architecture\n\nFetchers, parsers and the index writer.\n")),
				goService("search-crawler", "v1.4.0"),
			),
			dirty: files(text("link.txt", "untracked note\n")),
		},

		{
			// Rust in a workspace: the crate comes from [workspace.dependencies].
			name: "identity-crypto", author: identity,
			about: "Key management and signing primitives for the identity services.",
			files: join(files(identityOwners, gitignore("/target/"),
				text("Cargo.toml", "[workspace]\nmembers = [\"signer\"]\nresolver = \"2\"\n\n[workspace.dependencies]\nacme-telemetry = { version = \"0.3.0\", features = [\"otlp\"] }\nring = \"0.17\"\n"),
				text("signer/Cargo.toml", "[package]\nname = \"signer\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[dependencies]\nacme-telemetry = { workspace = true }\nring = { workspace = true }\n"),
				reusableWorkflow(".github/workflows/ci.yml", "rust.yml", "v2.0.0"))),
			// A local bump to the next release, not committed: not counted.
			dirty: files(text("Cargo.toml", "[workspace]\nmembers = [\"signer\"]\nresolver = \"2\"\n\n[workspace.dependencies]\nacme-telemetry = { version = \"0.5.0-rc.1\", features = [\"otlp\"] }\nring = \"0.17\"\n")),
		},

		// --- identity: GitHub, nested team in docs/CODEOWNERS ---
		{
			name: "identity-auth", author: identity,
			about: "OAuth 2.1 / OIDC authorisation server.",
			files: join(
				files(identityOwners, goIgnore,
					goDockerfile(baseImage("3.0.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0"),
					makefile("1.2.3"),
					deployment("deploy/k8s/deployment.yaml", "identity-auth", registry+"/identity/auth:5.0.3", "0.98.0")),
				goService("identity-auth", "v1.4.0"),
			),
			bump:  &bump{"Pin the otel-collector sidecar", files(deployment("deploy/k8s/deployment.yaml", "identity-auth", registry+"/identity/auth:5.0.3", "0.98.0-rc.1"))},
			dirty: files(text("go.mod", string(goService("identity-auth", "v1.5.0-rc.1")[0].data))),
		},
		{
			// Waived until 2099 and not adopting.
			name: "identity-ldap-bridge", author: identity, mirror: true,
			about: "Syncs the corporate directory into identity-auth.",
			files: join(
				files(identityOwners, goIgnore,
					goDockerfile(baseImage("2.1.0")),
					jenkinsfile("@Library('acme-pipeline') _")),
				goService("identity-ldap-bridge", ""),
			),
		},
		{
			// package.json saved with a byte-order mark.
			name: "identity-portal", author: identity,
			about: "Self-service account portal.",
			files: func() []file {
				fs := join(
					files(identityOwners, nodeIgnore,
						nodeDockerfile(registry+"/platform/base-node:3.0.0"),
						stepsWorkflow(".github/workflows/ci.yml", "CI", "acme/setup-toolchain@v1.2.0", "npm ci && npm test")),
					npmProject("identity-portal", "1.4.2", webSDK("2.9.1"), nodeDev),
				)
				for i, f := range fs {
					if f.path == "package.json" {
						fs[i] = withBOM(f)
					}
				}
				return fs
			}(),
			dirty: files(text("package-lock.json", "")),
			drop:  &bump{"Move to the Node base image", files(nodeDockerfile(baseImage("3.0.0")))},
		},
		{
			// service-kit replaced by a local checkout: the version is unknown.
			name: "identity-tokens", author: identity, mirror: true,
			about: "Token exchange and introspection service.",
			files: join(
				files(identityOwners, goIgnore,
					goDockerfile("${BASE}", "BASE="+baseImage("2.3.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.0.0")),
				goModule("github.com/acme/identity-tokens", "1.23.4", goDeps("v1.4.0"), "replace "+serviceKit+" => ../service-kit\n"),
			),
		},
		{
			name: "identity-infra", author: identity,
			about: "Terraform and Kubernetes bases for the identity services.",
			files: join(
				files(identityOwners, tfIgnore,
					reusableWorkflow(".github/workflows/terraform.yml", "terraform.yml", "v2.0.0"),
					kustomization("k8s/base/kustomization.yaml", "identity", "https://github.com/acme/k8s-bases//service?ref=v1.4.0", "configmap.yaml")),
				terraform("terraform", tfModule("auth", "github.com/acme/terraform-aws-service?ref=v2.3.0", "")),
			),
			dirty: files(kustomization("k8s/base/kustomization.yaml", "identity", "https://github.com/acme/k8s-bases//service?ref=v1.6.0-rc.1", "configmap.yaml")),
		},
		{
			name: "identity-admin", author: identity, mirror: true,
			about: "Back-office for support agents (Kotlin).",
			files: files(identityOwners, jvmIgnore,
				text("build.gradle.kts", `plugins {
    alias(libs.plugins.kotlin.jvm)
    alias(libs.plugins.acme.conventions)
}

dependencies {
    implementation(platform(libs.acme.platform.bom))
    implementation("io.ktor:ktor-server-core")
    testImplementation(libs.junit.jupiter)
}
`),
				settingsKts("identity-admin"),
				versionCatalog("5.2.0", "1.5.0"),
				reusableWorkflow(".github/workflows/ci.yml", "java.yml", "v2.1.0")),
		},
		{
			// Declares service-kit with the marker file only: adopted, version unknown.
			name: "identity-scim", author: identity,
			about: "SCIM 2.0 provisioning endpoint.",
			files: join(
				files(identityOwners, goIgnore,
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v1.8.0"),
					serviceKitMarker("identity-scim", 3)),
				goService("identity-scim", ""),
			),
			dirty: files(deleted("go.sum")),
		},
		{
			name: "identity-mfa", author: identity, mirror: true,
			about: "TOTP and WebAuthn second factors.",
			files: join(
				files(identityOwners, goIgnore,
					goDockerfile(baseImage("3.0.0")),
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0")),
				goService("identity-mfa", "v1.4.0"),
			),
		},

		// --- data: GitLab, sectioned .gitlab/CODEOWNERS ---
		{
			name: "data-pipeline", author: data,
			about: "Event ingestion into the lakehouse.",
			files: files(dataOwners, pyIgnore,
				gitlabCI(`include:
  - project: acme/ci-templates
    ref: v3.2.0
    file:
      - /templates/python.gitlab-ci.yml
      - /templates/release.gitlab-ci.yml
  - template: Jobs/SAST.gitlab-ci.yml
  - local: /ci/deploy.gitlab-ci.yml
`),
				text("ci/deploy.gitlab-ci.yml", "deploy:\n  stage: deploy\n  script:\n    - make deploy\n"),
				requirements("acme_platform==1.9.0", "pyspark==3.5.3"),
				pythonDockerfile(baseImage("2.3.0"))),
			dirty: files(requirements("acme_platform==2.5.0rc1", "pyspark==3.5.3")),
		},
		{
			name: "data-warehouse", author: data, mirror: true,
			about: "Warehouse infrastructure: Redshift, Glue and the catalog.",
			files: join(
				files(dataOwners, tfIgnore,
					gitlabCI(`include:
  - remote: https://gitlab.acme.example/acme/ci-templates/-/raw/v3.1.0/templates/terraform.gitlab-ci.yml
`)),
				terraform("terraform", tfModule("warehouse", "app.terraform.io/acme/service/aws", "~> 2.3")),
			),
		},
		{
			name: "data-api", author: data,
			about: "Dataset access API with row-level policies.",
			files: join(
				files(dataOwners, goIgnore,
					gitlabCI(`include:
  - component: $CI_SERVER_FQDN/acme/ci-components/go-build@1.3.0
    inputs:
      go_version: "1.23"
  - template: Security/SAST.gitlab-ci.yml
`),
					goDockerfile(baseImage("3.0.0")),
					serviceKitMarker("data-api", 2)),
				goService("data-api", "v1.4.0"),
				chart("deploy/chart", "data-api", "4.2.0"),
			),
			bump: &bump{"Move to the go-build CI component", files(gitlabCI(`include:
  - project: acme/ci-templates
    ref: v3.0.0
    file: /templates/go.gitlab-ci.yml
`))},
			dirty: files(text("go.mod", string(goService("data-api", "v1.5.0-rc.1")[0].data))),
		},
		{
			name: "data-airflow-dags", author: data, mirror: true,
			about: "Airflow DAGs for the batch jobs.",
			files: files(dataOwners, pyIgnore,
				gitlabCI(`include:
  project: acme/ci-templates
  ref: v3.1.0
  file: /templates/python.gitlab-ci.yml
`),
				poetry("data-airflow-dags", `acme-platform = "^2.3.0"`, `apache-airflow = "2.10.3"`)),
		},
		{
			name: "data-spark-jobs", author: data,
			about: "Spark jobs (Gradle, Groovy DSL).",
			files: files(dataOwners, jvmIgnore,
				gitlabCI(`include:
  - component: gitlab.acme.example/acme/ci-components/gradle-build@1.2.0
`),
				text("build.gradle", `plugins {
    id 'java'
    id 'com.acme.conventions' version '1.4.0'
}

dependencies {
    implementation platform('com.acme.platform:platform-bom:4.8.0')
    implementation 'org.apache.spark:spark-sql_2.13:3.5.3'
    testImplementation 'org.junit.jupiter:junit-jupiter:5.11.3'
}
`),
				text("settings.gradle", "rootProject.name = 'data-spark-jobs'\n")),
			dirty: files(text("build.gradle", "// rewrite in progress\n")),
		},
		{
			name: "data-quality", author: data, mirror: true,
			about: "Data quality checks and the freshness SLOs.",
			files: join(
				files(dataOwners, goIgnore,
					gitlabCI(`include:
  - component: $CI_SERVER_FQDN/acme/ci-components/go-build@~latest
`),
					goDockerfile(baseImage("3.0.0")),
					kustomization("deploy/kustomization.yaml", "data", "github.com/acme/k8s-bases/service?ref=main")),
				goService("data-quality", "v1.3.1"),
			),
		},
		{
			name: "data-catalog", author: data,
			about: "Dataset catalogue UI.",
			files: join(
				files(dataOwners, nodeIgnore,
					gitlabCI(`include:
  - '/ci/node.gitlab-ci.yml'
`),
					// The pinned include is only in the local file.
					text("ci/node.gitlab-ci.yml", `include:
  - project: acme/ci-templates
    ref: v3.1.0
    file: /templates/node.gitlab-ci.yml

lint:
  stage: test
  script:
    - npm run lint
`)),
				npmProject("data-catalog", "0.9.0", webSDK("3.4.0"), nodeDev),
			),
			dirty: files(text("src/todo.md", "- dark mode\n")),
		},
		{
			name: "data-ingest", author: data, mirror: true,
			about: "Partner file drops into the raw zone.",
			files: join(
				files(dataOwners, goIgnore,
					gitlabCI(`include:
  - component: $CI_SERVER_FQDN/acme/ci-components/go-build@1.3.0
`),
					goDockerfile(baseImage("2.1.0"))),
				goService("data-ingest", "v0.9.0"),
			),
		},
		{
			// No CODEOWNERS: teams.map sends etl-* to data.
			name: "etl-loader", author: data,
			about: "Loads the legacy ERP extracts.",
			files: join(
				files(goIgnore,
					gitlabCI(`include:
  - project: acme/ci-templates
    ref: v3.2.0
    file: /templates/go.gitlab-ci.yml
`)),
				goService("etl-loader", "v1.3.1"),
			),
			dirty: files(text("go.mod", string(goService("etl-loader", "v1.5.0-rc.1")[0].data))),
		},

		// --- mobile: GitHub ---
		{
			name: "mobile-ios-app", author: mobile,
			about: "The iOS app.",
			files: files(mobileOwners, gitignore("DerivedData/", "*.xcuserstate", "Pods/"),
				text("Gemfile", "source \"https://rubygems.org\"\n\ngem \"fastlane\", \"~> 2.225\"\ngem \"cocoapods\", \"~> 1.16\"\n"),
				text("fastlane/Fastfile", "default_platform(:ios)\n\nplatform :ios do\n  lane :beta do\n    build_app(scheme: \"Acme\")\n    upload_to_testflight\n  end\nend\n"),
				stepsWorkflow(".github/workflows/ios.yml", "iOS", "acme/setup-toolchain@v1.2.0", "bundle exec fastlane beta")),
			dirty: files(text("fastlane/Fastfile", "default_platform(:ios)\n")),
		},
		{
			name: "mobile-android-app", author: mobile, mirror: true,
			about: "The Android app (Kotlin).",
			files: files(mobileOwners, jvmIgnore,
				text("app/build.gradle.kts", `plugins {
    id("com.android.application") version "8.7.2"
    kotlin("android") version "2.0.21"
    id("com.acme.conventions") version "1.4.0"
}

android {
    namespace = "com.acme.app"
    compileSdk = 35
}

dependencies {
    implementation(platform(libs.acme.platform.bom))
}
`),
				settingsKts("mobile-android-app"),
				versionCatalog("5.1.0", "1.4.0"),
				stepsWorkflow(".github/workflows/android.yml", "Android", pinned("acme/setup-toolchain", "v1.3.0"), "./gradlew assembleRelease")),
		},
		{
			name: "mobile-bff", author: mobile,
			about: "Backend-for-frontend serving both apps.",
			files: join(
				files(mobileOwners, nodeIgnore,
					nodeDockerfile(baseImage("3.0.0")),
					reusableWorkflow(".github/workflows/ci.yml", "node.yml", "v2.1.0"),
					compose("mobile-bff", "0.98.0")),
				npmProject("mobile-bff", "7.2.0", webSDK("3.4.0"), nodeDev),
			),
			dirty: files(compose("mobile-bff", "0.110.0-rc.1")),
		},
		{
			name: "mobile-push-service", author: mobile, mirror: true,
			about: "Push notification fan-out (APNs, FCM).",
			files: join(
				files(mobileOwners, goIgnore,
					goDockerfile(baseImage("2.3.0")),
					jenkinsfile("@Library(['acme-pipeline@2.0.1', 'mobile-utils']) _")),
				goService("mobile-push-service", "v1.3.1"),
			),
		},
		{
			name: "mobile-config", author: mobile,
			about: "Remote config service manifests.",
			files: files(mobileOwners,
				deployment("k8s/deployment.yaml", "mobile-config", registry+"/mobile/config:1.3.0", "0.98.0"),
				kustomization("k8s/kustomization.yaml", "mobile", "https://github.com/acme/k8s-bases//service?ref=v1.5.0", "deployment.yaml")),
			dirty: files(deployment("k8s/deployment.yaml", "mobile-config", registry+"/mobile/config:1.3.0", "0.110.0-rc.1")),
		},
		{
			name: "mobile-feature-flags", author: mobile, mirror: true,
			about: "Feature flag evaluation for the apps.",
			files: join(
				files(mobileOwners, goIgnore,
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.0.0")),
				goService("mobile-feature-flags", "v1.2.0"),
			),
		},

		// --- growth: GitLab ---
		{
			// package.json does not parse: the repo is scanned with a file error.
			name: "growth-web", author: growth,
			about: "Marketing site and sign-up funnel.",
			files: files(growthOwners, nodeIgnore,
				text("package.json", "{\n  \"name\": \"growth-web\",\n  \"dependencies\": {\n    \"@acme/web-sdk\": \"^3.4.0\",\n  }\n"),
				gitlabCI(`include:
  - project: acme/ci-templates
    ref: v3.2.0
    file: /templates/node.gitlab-ci.yml
  - template: Jobs/SAST.gitlab-ci.yml
`)),
			dirty: files(text("package.json", marshal(npmManifest("growth-web", "1.0.0", webSDK("3.4.0"), nil)))),
		},
		{
			// Owners by e-mail only: attribution falls through to teams.map.
			name: "growth-experiments", author: growth, mirror: true,
			about: "Experiment analysis notebooks and jobs.",
			files: files(codeowners("CODEOWNERS", "* gabriel.okafor@acme.example growth-leads@acme.example"), pyIgnore,
				requirements("pandas==2.2.3", "scipy==1.14.1")),
		},
		{
			name: "growth-ab-service", author: growth,
			about: "A/B assignment service.",
			files: join(
				files(growthOwners, goIgnore,
					gitlabCI(`include:
  - component: $CI_SERVER_FQDN/acme/ci-components/go-build@1.2.0
`),
					goDockerfile(baseImage("2.3.0")),
					compose("growth-ab-service", "0.102.1")),
				goService("growth-ab-service", "v1.2.0"),
			),
			dirty: files(text("go.sum", "")),
		},
		{
			// requirements.txt with Windows line endings.
			name: "growth-analytics", author: growth, mirror: true,
			about: "Funnel and retention analytics.",
			files: files(growthOwners, pyIgnore,
				crlf(requirements("acme-platform==2.2.0", "duckdb==1.1.3")),
				gitlabCI(`include:
  - project: acme/ci-templates
    ref: v3.0.0
    file: /templates/python.gitlab-ci.yml
`)),
		},
		{
			// The BOM version comes from a property.
			name: "growth-emailer", author: growth,
			about: "Lifecycle e-mail campaigns (Java).",
			files: files(growthOwners, jvmIgnore,
				pom("growth-emailer", "\n    <acme.platform.version>5.1.0</acme.platform.version>", bomImport("${acme.platform.version}"), ""),
				jenkinsfile(`@Library("acme-pipeline@2.0.1") _`)),
			dirty: files(text("pom.xml", "")),
		},
		{
			name: "growth-recommender", author: growth, mirror: true,
			about: "Content recommendations.",
			files: join(
				files(growthOwners, goIgnore,
					gitlabCI(`include:
  - component: $CI_SERVER_FQDN/acme/ci-components/go-build@1.3.0
  - project: acme/ci-templates
    ref: v3.2.0
    file: /templates/release.gitlab-ci.yml
`),
					goDockerfile(baseImage("3.0.0"))),
				goService("growth-recommender", "v1.4.0"),
				chart("deploy/chart", "growth-recommender", "3.9.0"),
			),
		},
		{
			name: "growth-landing", author: growth,
			about: "Campaign landing pages.",
			files: join(
				files(growthOwners, nodeIgnore,
					gitlabCI("include: /ci/pages.gitlab-ci.yml\n"),
					// A project include without ref: the default branch, version unknown.
					text("ci/pages.gitlab-ci.yml", `include:
  - project: acme/ci-templates
    file: /templates/pages.gitlab-ci.yml

pages:
  stage: deploy
  script:
    - yarn build
`)),
				yarnProject("growth-landing", "2.0.0", webSDK("3.4.0"), nodeDev),
			),
			dirty: files(deleted("yarn.lock")),
		},
		{
			// No CODEOWNERS: teams.map sends experiment-* to growth. Its chart
			// depends on a community chart also named service.
			name: "experiment-pricing", author: growth, mirror: true,
			about: "Pricing experiment backend.",
			files: files(pyIgnore,
				pep621("experiment-pricing", "acme-platform~=2.3.0", "numpy>=2.1"),
				text("deploy/chart/Chart.yaml", `apiVersion: v2
name: experiment-pricing
version: 0.1.0
dependencies:
  - name: service
    version: 1.2.0
    repository: https://charts.example.org/community
`)),
		},

		// --- owned by no one ---
		{
			name: "shared-scripts", author: platform,
			about: "Scripts everyone copies from.",
			files: files(
				executable("bin/release.sh", "#!/usr/bin/env bash\nset -euo pipefail\ngit tag \"$1\" && git push origin \"$1\"\n"),
				text("Makefile", "PLATFORM_SDK_VERSION ?= 2.0.0\n\nlint:\n\tshellcheck bin/*.sh\n")),
			dirty: files(executable("bin/cleanup.sh", "#!/bin/sh\nrm -rf tmp/\n")),
		},
		{
			name: "docs-site", author: platform, mirror: true,
			about: "Engineering handbook site.",
			files: join(
				files(nodeIgnore),
				npmProject("docs-site", "1.0.0", []npmDep{{"@docusaurus/core", "3.6.3"}}, nil),
			),
		},
		{
			name: "ops-runbooks", author: platform,
			about: "On-call runbooks.",
			files: files(logo(),
				text("runbooks/payments.md", "# Payments\n\n## High error ratio\n\nCheck the acquirer status page first.\n")),
			dirty: files(text("runbooks/search.md", "# Search\n\nDraft.\n")),
		},
		{
			name: "legacy-monolith", author: platform, mirror: true,
			about: "The original monolith; being strangled.",
			files: files(jvmIgnore,
				pom("legacy-monolith", "", "", `
    <dependency>
      <groupId>com.acme.platform</groupId>
      <artifactId>platform-bom</artifactId>
      <version>4.8.0</version>
      <type>pom</type>
    </dependency>`),
				javaDockerfile(baseImage("2.1.0")),
				jenkinsfile("@Library('acme-pipeline@1.9.0') _")),
			bump: &bump{"Upgrade to Jenkins library 1.9.0", files(jenkinsfile("@Library('acme-pipeline@1.9.0-rc.1') _"))},
		},
		// --- ownership declared in the repos: a monorepo, a Backstage catalog ---
		{
			// Four teams' services; the root catch-all is the platform team's.
			// One repo of team platform; with scan.units: project five
			// units, each service its team's (mobile-sync by its catalog-info).
			name: "commerce-monorepo", author: platform,
			about: "Services of four teams in one repository, built by one workflow.",
			files: join(
				files(codeowners(".github/CODEOWNERS", "* @acme/platform", "/services/payments/ @acme/payments",
					"/services/search/ @acme/search", "/services/identity/ @acme/platform/identity"), goIgnore,
					reusableWorkflow(".github/workflows/ci.yml", "go.yml", "v2.1.0"),
					catalogInfo("services/mobile-sync/catalog-info.yaml", "mobile-sync", "group:default/mobile")),
				under("services/payments", goService("payments-payouts", "v1.4.0")),
				under("services/search", goService("search-suggest", "v1.3.1")),
				under("services/identity", goService("identity-sessions", "v1.2.0")),
				under("services/mobile-sync", goService("mobile-sync", "")),
			),
			// A unit not committed yet: a scan must not see it.
			dirty: under("services/checkout", goService("checkout-api", "v1.5.0-rc.1")),
		},
		{
			// A placeholder owner nobody replaced: not a known team, so the
			// map attributes the repo, and the placeholder is counted.
			name: "growth-referrals", author: growth, mirror: true,
			about: "Referral codes and rewards.",
			files: files(pyIgnore, catalogInfo("catalog-info.yaml", "growth-referrals", "group:default/team-tbd"),
				requirements("fastapi==0.115.5")),
		},
		{
			// No commits at all.
			name: "platform-sandbox", author: platform, mirror: true,
		},
	}
}
