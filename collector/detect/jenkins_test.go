package detect_test

import (
	"os"
	"testing"

	"github.com/uptake-dev/uptake/collector/detect"
	"github.com/uptake-dev/uptake/collector/detect/detecttest"
)

func TestJenkinsDetect(t *testing.T) {
	repo := detecttest.Dir(t, "testdata/jenkins/repo")
	lib := func(path string, line int, name, ver, declared string) detect.Component {
		c := detect.Component{Kind: "jenkins", Name: name, Version: ver, Path: path, Line: line}
		if declared != "" {
			c.Attrs = map[string]string{"declared": declared}
		}
		return c
	}
	want := []detect.Component{
		lib("Jenkinsfile", 3, "acme-pipeline-lib", "v3.4.1", "v3.4.1"),
		lib("Jenkinsfile", 3, "notifications", "unknown", ""),
		lib("Jenkinsfile", 9, "acme-security-scan", "2.1.0", "2.1.0"),
		lib("Jenkinsfile", 20, "acme-deploy", "unknown", "${params.DEPLOY_LIB_VERSION}"),
		lib("Jenkinsfile", 21, "acme-utils", "unknown", "main"),
		lib("ci/Jenkinsfile.release", 1, "acme-pipeline-lib", "v3.2.0", "v3.2.0"),
	}
	for name, files := range variants(repo) {
		t.Run(name, func(t *testing.T) {
			got, errs := mustDetector(t, "jenkins").Detect(files)
			assertInventory(t, got, want)
			assertFileErrors(t, errs, "broken/Jenkinsfile")
		})
	}
}

func TestJenkinsDetectForms(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []detect.Component
	}{{
		name: "a triple-quoted string, a variable and a field named library are not loads",
		file: "def library = 'x@1'\nsh '''\n  library 'y@2'\n'''\nconfig.library = 'z@3'\n",
	}, {
		name: "named argument in parentheses, across lines",
		file: "library(\n  identifier: \"acme-lib@1.4.0\",\n  retriever: legacySCM(scm)\n)\n",
		want: []detect.Component{{Kind: "jenkins", Name: "acme-lib", Version: "1.4.0", Path: "Jenkinsfile", Line: 2, Attrs: map[string]string{"declared": "1.4.0"}}},
	}, {
		// The declarative directive, as in pseguin-jenkinsday/intro-pipeline's
		// `libraries { lib("SharedLibs") }`; a lib outside it is something else.
		name: "a declarative libraries block",
		file: "pipeline {\n  agent any\n  libraries {\n    lib(\"SharedLibs\")\n    lib 'acme-lib@2.1.0'\n  }\n  stages {\n    stage('x') { steps { lib('not-a-load') } }\n  }\n}\n",
		want: []detect.Component{
			{Kind: "jenkins", Name: "SharedLibs", Version: "unknown", Path: "Jenkinsfile", Line: 4},
			{Kind: "jenkins", Name: "acme-lib", Version: "2.1.0", Path: "Jenkinsfile", Line: 5, Attrs: map[string]string{"declared": "2.1.0"}},
		},
	}, {
		name: "an empty list and an interpolated name",
		file: "@Library([]) _\n@Library(\"${LIB}@1.0\") _\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := mustDetector(t, "jenkins").Detect(detecttest.Files{"Jenkinsfile": tc.file})
			assertInventory(t, got, tc.want)
			assertFileErrors(t, errs)
		})
	}
}

func TestJenkinsCompile(t *testing.T) {
	for _, tc := range []struct {
		params  map[string]string
		wantErr string
		match   []string
		noMatch []string
	}{
		{params: map[string]string{"library": "acme-pipeline-lib"}, match: []string{"acme-pipeline-lib"}, noMatch: []string{"acme-pipeline-lib-v2", "acme"}},
		{params: map[string]string{"library": "acme-*"}, match: []string{"acme-utils", "acme-deploy"}, noMatch: []string{"notifications"}},
		{params: map[string]string{}, wantErr: "library is required"},
		{params: map[string]string{"library": "x", "version": "1"}, wantErr: "unknown key version (allowed: library)"},
		{params: map[string]string{"library": "acme-lib@v1"}, wantErr: "library: \"acme-lib@v1\" must be a library name without @version"},
	} {
		m, err := mustDetector(t, "jenkins").Compile(tc.params)
		if !errorMatches(err, tc.wantErr) {
			t.Errorf("Compile(%v) error %v, want %q", tc.params, err, tc.wantErr)
			continue
		}
		if err == nil {
			assertMatches(t, m, "jenkins", tc.match, tc.noMatch)
		}
	}
}

func FuzzJenkins(f *testing.F) {
	for _, p := range []string{"Jenkinsfile", "ci/Jenkinsfile.release"} {
		data, err := os.ReadFile("testdata/jenkins/repo/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, _ := mustDetector(t, "jenkins").Detect(detecttest.Files{"Jenkinsfile": string(data)})
		for _, c := range cs {
			if c.Line < 1 || c.Name == "" {
				t.Fatalf("component without evidence: %+v", c)
			}
		}
	})
}
