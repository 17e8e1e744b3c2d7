package detect_test

import (
	"os"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func gr(path string, line int, name, ver string, kv ...string) detect.Component {
	return component("gradle", path, line, name, ver, kv...)
}

func TestGradleDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/gradle/repo")
	const cat = "gradle/libs.versions.toml"
	want := []detect.Component{
		gr("settings.gradle.kts", 7, "com.acme.conventions", "2.1.0", "section", "plugins", "declared", "2.1.0"),
		gr("settings.gradle.kts", 12, "com.gradle.develocity", "3.17", "section", "plugins", "declared", "3.17"),

		gr("build.gradle.kts", 3, "org.springframework.boot", "3.2.4", "section", "plugins", "declared", "3.2.4"),
		gr("build.gradle.kts", 4, "org.jetbrains.kotlin.jvm", "1.9.23", "section", "plugins", "declared", "1.9.23"),
		gr("build.gradle.kts", 11, "com.acme.platform:acme-platform-bom", "4.2.1", "section", "implementation", "declared", "4.2.1"),
		gr("build.gradle.kts", 12, "io.opentelemetry:opentelemetry-api", "1.36.0", "section", "implementation", "declared", "$otelVersion"),
		gr("build.gradle.kts", 13, "com.acme.platform:acme-logging", "2.3.0", "section", "implementation", "declared", "${acmeLoggingVersion}"),
		gr("build.gradle.kts", 16, "org.junit.jupiter:junit-jupiter", "5.10", "section", "testImplementation", "declared", "5.10.+"),
		gr("build.gradle.kts", 19, "com.squareup.okhttp3:okhttp", "unknown", "section", "implementation"),
		gr("build.gradle.kts", 22, "com.acme.platform:acme-auth", "4.0.1", "section", "implementation", "declared", "4.0.1"),

		gr(cat, 6, "com.acme.platform:acme-web", "4.2.1", "section", "catalog", "version.ref", "acme"),
		gr(cat, 7, "com.acme.platform:acme-auth", "4.0.0", "section", "catalog", "declared", "4.0.0"),
		gr(cat, 8, "com.google.guava:guava", "33.1.0-jre", "section", "catalog", "declared", "33.1.0-jre"),
		gr(cat, 9, "com.squareup.okhttp3:okhttp", "unknown", "section", "catalog"),
		gr(cat, 10, "org.springframework.boot:spring-boot-starter", "3.2", "section", "catalog", "version.ref", "spring-boot"),
		gr(cat, 16, "com.acme.conventions", "4.2.1", "section", "catalog", "version.ref", "acme"),
		gr(cat, 17, "io.gitlab.arturbosch.detekt", "1.23.6", "section", "catalog", "declared", "1.23.6"),

		gr("legacy/build.gradle", 4, "com.acme.gradle:acme-gradle-plugin", "0.9.2", "section", "classpath", "declared", "0.9.2"),
		gr("legacy/build.gradle", 8, "java", "unknown", "section", "apply"),
		gr("legacy/build.gradle", 9, "com.acme.legacy-conventions", "unknown", "section", "apply"),
		gr("legacy/build.gradle", 16, "org.springframework:spring-core", "5.3.33", "section", "implementation", "declared", "${springVersion}"),
		gr("legacy/build.gradle", 17, "com.acme.platform:acme-logging", "1.9.0", "section", "implementation", "declared", "1.9.0"),
		gr("legacy/build.gradle", 18, "org.projectlombok:lombok", "1.18.32", "section", "compileOnly", "declared", "1.18.32"),
		gr("legacy/build.gradle", 18, "com.google.code.findbugs:jsr305", "3.0.2", "section", "compileOnly", "declared", "3.0.2"),
		// $junitVersion comes from legacy/gradle.properties.
		gr("legacy/build.gradle", 19, "junit:junit", "4.13.2", "section", "testImplementation", "declared", "$junitVersion"),
		gr("legacy/build.gradle", 20, "com.acme.platform:acme-metrics", "2.0.0", "section", "implementation", "declared", "2.0.0"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "gradle").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/build.gradle")
		})
	}
}

// Dependencies in blocks nested within dependencies {}, the variable forms
// of Groovy and Kotlin scripts, variables a subproject inherits from the
// scripts above it, and precompiled convention plugins.
func TestGradleNestedAndInherited(t *testing.T) {
	files := detecttest.Files{
		"settings.gradle.kts": "rootProject.name = \"shop\"\n",
		"build.gradle": "ext {\n  springVersion = '6.1.4'\n}\next.set(\"otel\", \"1.36.0\")\next[\"grpc\"] = \"1.62.2\"\n" +
			"dependencies {\n  if (project.hasProperty('web')) {\n    implementation \"org.springframework:spring-web:$springVersion\"\n  } else {\n" +
			"    implementation 'com.acme:cli:2.0.0'\n  }\n  constraints {\n    implementation('com.acme:bom:1.4.0') {\n      because 'CVE'\n    }\n  }\n" +
			"  modules {\n    module('com.google.collections:google-collections') {\n      replacedBy('com.google.guava:guava', 'merged')\n    }\n  }\n" +
			"  components {\n    withModule('com.acme:x') { allVariants { } }\n  }\n}\n",
		"app/build.gradle.kts": "val kotlinVersion: String = \"2.0.0\"\nval koin by extra(\"3.5.6\")\nextra[\"ktor\"] = \"2.3.12\"\n" +
			"dependencies {\n  listOf(\"implementation\", \"testImplementation\").forEach { conf ->\n    add(conf, \"org.jetbrains.kotlin:kotlin-stdlib:$kotlinVersion\")\n  }\n" +
			"  add(\"api\", \"io.insert-koin:koin-core:${koin}\")\n  \"implementation\"(\"io.ktor:ktor-client-core:$ktor\")\n" +
			"  implementation(\"io.opentelemetry:opentelemetry-api:$otel\") {\n    version { strictly(\"1.36.0\") }\n    capabilities { requireCapability(\"com.acme:feature:1.0\") }\n  }\n" +
			"  implementation(\"io.grpc:grpc-core:$grpc\")\n  implementation(\"org.springframework:spring-core:${springVersion}\")\n}\n",
		// A build of its own: the root's variables are not its.
		"buildSrc/build.gradle.kts":                                              "dependencies {\n  implementation(\"org.springframework:spring-core:$springVersion\")\n}\n",
		"buildSrc/src/main/kotlin/shop.java-conventions.gradle.kts":              "plugins {\n  id(\"java-library\")\n}\ndependencies {\n  \"testImplementation\"(\"org.junit.jupiter:junit-jupiter:5.10.2\")\n  implementation(\"com.acme:log:$otel\")\n}\n",
		"build-logic/conventions/src/main/groovy/shop.groovy-conventions.gradle": "dependencies {\n  implementation 'com.acme:groovy-kit:0.9.0'\n}\n",
	}
	want := []detect.Component{
		gr("build.gradle", 8, "org.springframework:spring-web", "6.1.4", "section", "implementation", "declared", "$springVersion"),
		gr("build.gradle", 10, "com.acme:cli", "2.0.0", "section", "implementation", "declared", "2.0.0"),
		gr("build.gradle", 13, "com.acme:bom", "1.4.0", "section", "constraints", "declared", "1.4.0"),
		gr("app/build.gradle.kts", 6, "org.jetbrains.kotlin:kotlin-stdlib", "2.0.0", "section", "add", "declared", "$kotlinVersion"),
		gr("app/build.gradle.kts", 8, "io.insert-koin:koin-core", "3.5.6", "section", "api", "declared", "${koin}"),
		gr("app/build.gradle.kts", 9, "io.ktor:ktor-client-core", "2.3.12", "section", "implementation", "declared", "$ktor"),
		// Inherited from the root script: ext.set, ext[...] and ext {}.
		gr("app/build.gradle.kts", 10, "io.opentelemetry:opentelemetry-api", "1.36.0", "section", "implementation", "declared", "$otel"),
		gr("app/build.gradle.kts", 14, "io.grpc:grpc-core", "1.62.2", "section", "implementation", "declared", "$grpc"),
		gr("app/build.gradle.kts", 15, "org.springframework:spring-core", "6.1.4", "section", "implementation", "declared", "${springVersion}"),
		gr("buildSrc/build.gradle.kts", 2, "org.springframework:spring-core", "unknown", "section", "implementation", "declared", "$springVersion"),
		gr("buildSrc/src/main/kotlin/shop.java-conventions.gradle.kts", 2, "java-library", "unknown", "section", "plugins"),
		gr("buildSrc/src/main/kotlin/shop.java-conventions.gradle.kts", 5, "org.junit.jupiter:junit-jupiter", "5.10.2", "section", "testImplementation", "declared", "5.10.2"),
		// Applied to other projects: no script's variables are its.
		gr("buildSrc/src/main/kotlin/shop.java-conventions.gradle.kts", 6, "com.acme:log", "unknown", "section", "implementation", "declared", "$otel"),
		gr("build-logic/conventions/src/main/groovy/shop.groovy-conventions.gradle", 2, "com.acme:groovy-kit", "0.9.0", "section", "implementation", "declared", "0.9.0"),
	}
	for name, files := range variants(files) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "gradle").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs)
		})
	}
}

func TestGradleDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         []detect.Component
		bad          bool
	}{{
		name:   "an unresolved variable gives unknown; a single-quoted $ is literal text",
		script: "dependencies {\n  implementation \"com.acme:a:$nope\"\n  implementation 'com.acme:b:$nope'\n}\n",
		want: []detect.Component{
			gr("build.gradle", 2, "com.acme:a", "unknown", "section", "implementation", "declared", "$nope"),
			gr("build.gradle", 3, "com.acme:b", "unknown", "section", "implementation", "declared", "$nope"),
		},
	}, {
		name:   "coordinates outside dependencies blocks are not dependencies",
		script: "task x {\n  println 'com.acme:a:1.0'\n}\ndef coords = \"com.acme:b:2.0\"\n",
	}, {
		name:   "nested blocks, strictly versions, classifiers and extensions",
		script: "subprojects {\n  dependencies {\n    constraints {\n      implementation(\"com.acme:c:1.2!!\")\n    }\n    runtimeOnly \"com.acme:natives:3.0:linux-x86_64@jar\"\n  }\n}\n",
		want: []detect.Component{
			gr("build.gradle", 4, "com.acme:c", "1.2", "section", "constraints", "declared", "1.2!!"),
			gr("build.gradle", 6, "com.acme:natives", "3.0", "section", "runtimeOnly", "declared", "3.0"),
		},
	}, {
		// ktor-samples' chat/build.gradle.kts imports the ktor BOM this way.
		name: "a qualified platform wrapper",
		script: "kotlin {\n  sourceSets.all {\n    dependencies {\n" +
			"      implementation(project.dependencies.enforcedPlatform(\"io.ktor:ktor-bom:3.3.2\"))\n" +
			"      api(dependencies.platform(\"com.acme:bom:1.0\"))\n    }\n  }\n}\n",
		want: []detect.Component{
			gr("build.gradle", 4, "io.ktor:ktor-bom", "3.3.2", "section", "implementation", "declared", "3.3.2"),
			gr("build.gradle", 5, "com.acme:bom", "1.0", "section", "api", "declared", "1.0"),
		},
	}, {
		name:   "unbalanced braces",
		script: "dependencies {\n  implementation 'a:b:1'\n",
		bad:    true,
	}, {
		name:   "unterminated comment",
		script: "/* dependencies {\n",
		bad:    true,
	}, {
		name:   "a closing brace too many",
		script: "}\n",
		bad:    true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "gradle").Detect(detecttest.Files{"build.gradle": tc.script})
			assertInventory(t, got, tc.want)
			if tc.bad {
				assertFileErrors(t, errs, "build.gradle")
			} else {
				assertFileErrors(t, errs)
			}
		})
	}
}

func TestGradleDetectBadCatalog(t *testing.T) {
	files := detecttest.Files{
		"gradle/libs.versions.toml":  "[libraries\nx = 1\n",
		"gradle/other.versions.toml": "[libraries]\nweird = 42\nno-module = { version = \"1\" }\nthree = { module = \"a:b:c\" }\n[plugins]\nbare = \"com.acme.x\"\n",
	}
	got, errs := mustDetector(t, "gradle").Detect(files)
	assertInventory(t, got, []detect.Component{gr("gradle/other.versions.toml", 6, "com.acme.x", "unknown", "section", "catalog")})
	assertFileErrors(t, errs, "gradle/libs.versions.toml")
}

func TestGradleCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"group": "com.acme.platform", "artifact": "acme-logging"}, match: []string{"com.acme.platform:acme-logging"}, noMatch: []string{"com.acme.platform", "com.acme.platform:acme-web"}},
		{params: map[string]string{"plugin": "com.acme.conventions"}, match: []string{"com.acme.conventions", "COM.acme.Conventions"}, noMatch: []string{"com.acme.conventions:x", "com.acme.conventions-extra"}},
		{params: map[string]string{"plugin": "com.acme.*"}, match: []string{"com.acme.conventions"}, noMatch: []string{"com.acme.platform:acme-web"}},
		{params: map[string]string{"plugin": "x", "group": "y"}, wantErr: "unknown key group (allowed: plugin)"},
		{params: map[string]string{"group": "x"}, wantErr: "artifact is required"},
		{params: map[string]string{}, wantErr: "group is required"},
		{params: map[string]string{"plugin": ""}, wantErr: "plugin is required"},
		{params: map[string]string{"plugin": "a:b"}, wantErr: "plugin: \"a:b\" holds one of"},
	} {
		m, err := mustDetector(t, "gradle").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "gradle", tc.match, tc.noMatch)
		}
	}
}

func FuzzGradle(f *testing.F) {
	for _, p := range []string{"build.gradle.kts", "settings.gradle.kts", "legacy/build.gradle", "gradle/libs.versions.toml", "gradle.properties"} {
		data, err := os.ReadFile("testdata/gradle/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := detecttest.Files{
			"build.gradle": string(data), "a/build.gradle.kts": string(data),
			"gradle/libs.versions.toml": string(data), "gradle.properties": string(data),
			"b/build.gradle": "dependencies {\n implementation \"com.acme:x:$v\"\n}\n",
			// A precompiled plugin and a subproject below the root script.
			"build-logic/src/main/kotlin/c.gradle.kts": string(data), "a/b/build.gradle": string(data),
		}
		cs, _ := mustDetector(t, "gradle").Detect(files)
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" || strings.Count(c.Name, ":") > 1 {
				t.Fatalf("component without evidence or a bad name: %+v", c)
			}
		}
	})
}
