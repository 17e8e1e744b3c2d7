package output

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// A new file, then replacing it.
	file := filepath.Join(dir, "uptake.prom")
	for _, data := range []string{"first\n", "second\n"} {
		if err := Write(file, []byte(data)); err != nil || read(file) != data {
			t.Fatalf("Write(%q): %v, file holds %q", data, err, read(file))
		}
	}

	// A symlink stays a symlink; its target is replaced.
	link := filepath.Join(dir, "link.prom")
	if err := os.Symlink("uptake.prom", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("via link\n")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 || read(file) != "via link\n" {
		t.Fatalf("after writing through a symlink: link mode %v, target %q", fi.Mode(), read(file))
	}
	dangling := filepath.Join(dir, "dangling.prom")
	if err := os.Symlink("made.prom", dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, []byte("made\n")); err != nil || read(filepath.Join(dir, "made.prom")) != "made\n" {
		t.Fatalf("dangling link: %v", err)
	}

	// A device is written in place, never replaced by a regular file.
	if err := Write(os.DevNull, []byte("discarded\n")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}

	// A FIFO is written in place: its reader gets the data.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() { got <- read(fifo) }()
	if err := Write(fifo, []byte("piped\n")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "piped\n" {
		t.Fatalf("the FIFO's reader got %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}

	// A directory is refused with a clear message.
	if err := Write(dir, []byte("x")); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Write(dir) = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 5 {
		t.Fatalf("temp files left behind: %v", entries)
	}
}
