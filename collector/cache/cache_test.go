package cache

import (
	"encoding/json"
	"testing"
)

func TestLookupSaveReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("src", "a", "h1", "r1"); ok {
		t.Fatal("hit in an empty store")
	}
	if err := s.Save("src", "a", Entry{Head: "h1", RuleHash: "r1", Data: json.RawMessage(`{"x":1}`)}); err != nil {
		t.Fatal(err)
	}
	must(t, s.Save("src", "b", Entry{Head: "h2", RuleHash: "r1", Data: json.RawMessage(`{}`)}))
	must(t, s.Save("other", "a", Entry{Head: "h3", RuleHash: "r1", Data: json.RawMessage(`{}`)}))
	must(t, s.Close())

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d, ok := s.Lookup("src", "a", "h1", "r1"); !ok || string(d) != `{"x":1}` {
		t.Fatalf("Lookup after reopen = %s, %v", d, ok)
	}
	for _, miss := range [][2]string{{"h2", "r1"}, {"h1", "r2"}} {
		if _, ok := s.Lookup("src", "a", miss[0], miss[1]); ok {
			t.Fatalf("Lookup(%v) hit; head and rule hash must both match", miss)
		}
	}
	if e, ok := s.Last("src", "a"); !ok || e.Head != "h1" {
		t.Fatalf("Last = %+v, %v", e, ok)
	}
	if got := len(s.All("src")); got != 2 {
		t.Fatalf("All(src) has %d entries, want 2 (other source kept apart)", got)
	}
	must(t, s.Prune("src", map[string]bool{"b": true}))
	if _, ok := s.Last("src", "a"); ok {
		t.Fatal("pruned entry still there")
	}
	if _, ok := s.Last("other", "a"); !ok {
		t.Fatal("Prune touched another source")
	}

	must(t, s.Put("blob:abc", []byte("content")))
	if v, ok := s.Get("blob:abc"); !ok || string(v) != "content" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	must(t, s.Put("blob:empty", nil))
	if v, ok := s.Get("blob:empty"); !ok || len(v) != 0 {
		t.Fatalf("an empty value reads as %q, %v; want found and empty", v, ok)
	}
	if _, ok := s.Get("blob:nope"); ok {
		t.Fatal("Get of a missing key hit")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSaveManyIsOneBatch(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries := map[string]Entry{
		"a": {Head: "h1", RuleHash: "r", Data: []byte(`{"n":1}`)},
		"b": {Head: "h2", RuleHash: "r", Data: []byte(`{"n":2}`)},
	}
	if err := s.SaveMany("src", entries); err != nil {
		t.Fatal(err)
	}
	for repo, want := range entries {
		if got, ok := s.Lookup("src", repo, want.Head, "r"); !ok || string(got) != string(want.Data) {
			t.Errorf("%s: %s %v", repo, got, ok)
		}
	}
	if n := len(s.All("src")); n != 2 {
		t.Errorf("All = %d entries", n)
	}
}
