package output

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
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

func TestWriteKeepsPermissionsAndRefusesWhatItCannotWrite(t *testing.T) {
	dir := t.TempDir()
	private := filepath.Join(dir, "private.json")
	if err := os.WriteFile(private, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(private, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(private); fi.Mode().Perm() != 0o600 {
		t.Fatalf("a 0600 file became %v", fi.Mode().Perm())
	}

	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := Write(sock, []byte("x")); err == nil || err.Error() != sock+" is a socket, not a file uptake can write" {
		t.Fatalf("Write(socket) = %v", err)
	}

	missing := filepath.Join(dir, "nope", "out.prom")
	want := "cannot write " + missing + ": creating a file in " + filepath.Join(dir, "nope") + ": no such file or directory"
	if err := Write(missing, []byte("x")); err == nil || err.Error() != want {
		t.Fatalf("Write into a missing directory = %v\nwant %s", err, want)
	}

	if os.Geteuid() == 0 {
		return // root writes a read-only file
	}
	ro := filepath.Join(dir, "ro.prom")
	if err := os.WriteFile(ro, []byte("kept"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := Write(ro, []byte("x")); err == nil || err.Error() != ro+" is not writable: permission denied" {
		t.Fatalf("Write(read-only) = %v", err)
	}
	if b, _ := os.ReadFile(ro); string(b) != "kept" {
		t.Fatalf("a read-only file was replaced: %q", b)
	}
}

// TestWriteToOwnStdout runs itself as the writer, with its stdout a pipe
// and then a file opened for append, as `| jq` and `>> log` give it.
func TestWriteToOwnStdout(t *testing.T) {
	if os.Getenv("UPTAKE_OUTPUT_HELPER") != "" {
		if err := Write("/dev/stdout", []byte("result\n")); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		os.Exit(0)
	}
	if _, err := os.Stat("/dev/stdout"); err != nil {
		t.Skip("no /dev/stdout")
	}
	helper := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriteToOwnStdout$")
		cmd.Env = append(os.Environ(), "UPTAKE_OUTPUT_HELPER=1")
		return cmd
	}
	var stderr strings.Builder
	cmd := helper()
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || string(out) != "result\n" {
		t.Fatalf("stdout a pipe: got %q, %v %s", out, err, stderr.String())
	}

	log := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(log, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = helper()
	cmd.Stdout, cmd.Stderr = f, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("stdout a file: %v %s", err, stderr.String())
	}
	if b, _ := os.ReadFile(log); string(b) != "kept\nresult\n" {
		t.Fatalf("stdout a file opened for append holds %q, want the old line kept", b)
	}
}

// A Stream whose writer fails leaves the file as it was.
func TestStreamFailureKeepsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.om")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("encoding failed")
	err := Stream(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half a file"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Stream = %v, want the writer's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("file is %q after a failed stream", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files left in the directory, want 1", len(entries))
	}
}
