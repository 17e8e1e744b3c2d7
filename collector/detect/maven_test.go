package detect_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func mvn(path string, line int, name, ver string, kv ...string) detect.Component {
	return component("maven", path, line, name, ver, kv...)
}

func TestMavenDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/maven/repo")
	want := []detect.Component{
		mvn("pom.xml", 9, "org.springframework.boot:spring-boot-starter-parent", "3.2.4", "section", "parent", "declared", "3.2.4"),
		mvn("pom.xml", 34, "com.acme.platform:acme-platform-bom", "4.2.1", "section", "dependencyManagement", "declared", "${acme-platform.version}", "scope", "import"),
		// A property defined through another, declared after it is used.
		mvn("pom.xml", 41, "io.opentelemetry:opentelemetry-api", "1.36.0", "section", "dependencyManagement", "declared", "${otel.version}"),
		// No version: the same pom's dependencyManagement gives it.
		mvn("pom.xml", 50, "io.opentelemetry:opentelemetry-api", "1.36.0", "section", "dependencies"),
		mvn("pom.xml", 54, "com.acme.platform:acme-logging", "2.0", "section", "dependencies", "declared", "[2.0,3.0)"),
		mvn("pom.xml", 69, "org.apache.maven.plugins:maven-surefire-plugin", "3.2.5", "section", "pluginManagement", "declared", "3.2.5"),
		mvn("pom.xml", 77, "org.springframework.boot:spring-boot-maven-plugin", "unknown", "section", "plugins"),
		// What a plugin runs with (a shared checkstyle config, a driver) is a dependency of the build.
		mvn("pom.xml", 81, "com.acme:plugin-dep", "1.0", "section", "pluginDependencies", "declared", "1.0"),
		mvn("pom.xml", 87, "org.apache.maven.plugins:maven-surefire-plugin", "3.2.5", "section", "plugins"),
		mvn("pom.xml", 93, "kr.motd.maven:os-maven-plugin", "1.7.1", "section", "extensions", "declared", "1.7.1"),
		mvn("pom.xml", 105, "org.testcontainers:postgresql", "1.19.7", "section", "dependencies", "declared", "1.19.7", "scope", "test"),
		// ISO-8859-1; project coordinates inherited from the parent element.
		mvn("api/pom.xml", 6, "com.acme.storefront:storefront-parent", "1.8.0-SNAPSHOT", "section", "parent", "declared", "1.8.0-SNAPSHOT"),
		mvn("api/pom.xml", 14, "com.acme.storefront:storefront-model", "1.8.0-SNAPSHOT", "section", "dependencies", "declared", "${project.version}"),
		mvn("api/pom.xml", 18, "com.acme.platform:acme-web", "unknown", "section", "dependencies", "declared", "${acme.web.version}"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "maven").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/pom.xml")
		})
	}
}

// maven-compiler-plugin's annotationProcessorPaths are resolved like
// dependencies (jhipster-sample-app pins mapstruct-processor there): a path
// without a version takes the dependencyManagement one, as the plugin does.
func TestMavenAnnotationProcessorPaths(t *testing.T) {
	pom := `<project>
  <properties><lombok.version>1.18.32</lombok.version></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>org.mapstruct</groupId><artifactId>mapstruct-processor</artifactId><version>1.6.3</version></dependency>
  </dependencies></dependencyManagement>
  <build><plugins><plugin>
    <artifactId>maven-compiler-plugin</artifactId>
    <configuration>
      <annotationProcessorPaths>
        <path>
          <groupId>org.projectlombok</groupId>
          <artifactId>lombok</artifactId>
          <version>${lombok.version}</version>
        </path>
        <path>
          <groupId>org.mapstruct</groupId>
          <artifactId>mapstruct-processor</artifactId>
        </path>
      </annotationProcessorPaths>
      <compilerArgs><path>not/a/dependency</path></compilerArgs>
    </configuration>
  </plugin></plugins></build>
</project>
`
	got, errs := mustDetector(t, "maven").Detect(detecttest.Files{"pom.xml": pom})
	assertFileErrors(t, errs)
	assertInventory(t, got, []detect.Component{
		mvn("pom.xml", 4, "org.mapstruct:mapstruct-processor", "1.6.3", "section", "dependencyManagement", "declared", "1.6.3"),
		mvn("pom.xml", 7, "org.apache.maven.plugins:maven-compiler-plugin", "unknown", "section", "plugins"),
		mvn("pom.xml", 12, "org.projectlombok:lombok", "1.18.32", "section", "annotationProcessorPaths", "declared", "${lombok.version}"),
		mvn("pom.xml", 17, "org.mapstruct:mapstruct-processor", "1.6.3", "section", "annotationProcessorPaths"),
	})
}

func TestMavenDetectHostile(t *testing.T) {
	doubling := "<project><properties><p0>x</p0>"
	for i := 1; i < 40; i++ {
		doubling += "<p" + strconv.Itoa(i) + ">${p" + strconv.Itoa(i-1) + "}${p" + strconv.Itoa(i-1) + "}</p" + strconv.Itoa(i) + ">"
	}
	doubling += "</properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${p39}</version></dependency></dependencies></project>"
	files := detecttest.Files{
		"a/pom.xml": doubling,
		"b/pom.xml": "<project><properties><a>${b}</a><b>${a}</b></properties><parent><groupId>g</groupId><artifactId>p</artifactId><version>${a}</version></parent></project>",
		"c/pom.xml": "<?xml version=\"1.0\" encoding=\"EBCDIC\"?><project/>",
		"d/pom.xml": "<notaproject/>",
		"e/pom.xml": "<project/><project/>",
		"f/pom.xml": "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><project><parent><groupId>&lol2;</groupId><artifactId>x</artifactId></parent></project>",
		"g/pom.xml": "",
		"h/pom.xml": "<project>\n<dependencies>\n<dependency><artifactId>no-group</artifactId></dependency>\n<dependency><groupId>${unset}</groupId><artifactId>x</artifactId></dependency>\n</dependencies>\n</project>\n",
	}
	got, errs := mustDetector(t, "maven").Detect(files)
	assertInventory(t, got, []detect.Component{
		mvn("a/pom.xml", 1, "g:a", "unknown", "section", "dependencies", "declared", "${p39}"),
		mvn("b/pom.xml", 1, "g:p", "unknown", "section", "parent", "declared", "${a}"),
	})
	assertFileErrors(t, errs, "c/pom.xml", "d/pom.xml", "e/pom.xml", "f/pom.xml", "g/pom.xml")
}

func TestMavenCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{
			params:  map[string]string{"group": "com.acme.platform", "artifact": "acme-logging"},
			match:   []string{"com.acme.platform:acme-logging", "COM.Acme.Platform:Acme-Logging"},
			noMatch: []string{"com.acme.platform:acme-logging-extra", "com.acme:acme-logging", "org.springframework.boot"},
		},
		{params: map[string]string{"group": "com.acme.*", "artifact": "*"}, match: []string{"com.acme.platform:acme-web", "com.acme.storefront:x"}, noMatch: []string{"com.acmex.y:z"}},
		{params: map[string]string{"group": "org.springframework.boot", "artifact": "spring-boot-starter-*"}, match: []string{"org.springframework.boot:spring-boot-starter-web"}},
		{params: map[string]string{"group": "com.acme"}, wantErr: "artifact is required"},
		{params: map[string]string{"artifact": "x"}, wantErr: "group is required"},
		{params: map[string]string{"group": "g", "artifact": "a", "plugin": "p"}, wantErr: "unknown key plugin (allowed: artifact, group)"},
		{params: map[string]string{"group": "g:a", "artifact": "a"}, wantErr: "group: \"g:a\" holds one of"},
		{params: map[string]string{"group": "g", "artifact": "[a"}, wantErr: "artifact: bad glob"},
	} {
		m, err := mustDetector(t, "maven").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "maven", tc.match, tc.noMatch)
		}
	}
}

func FuzzMaven(f *testing.F) {
	for _, p := range []string{"pom.xml", "api/pom.xml"} {
		data, err := os.ReadFile("testdata/maven/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, _ := mustDetector(t, "maven").Detect(detecttest.Files{"pom.xml": string(data)})
		for _, c := range cs {
			if c.Line < 1 || !strings.Contains(c.Name, ":") {
				t.Fatalf("component without evidence or coordinates: %+v", c)
			}
		}
	})
}
