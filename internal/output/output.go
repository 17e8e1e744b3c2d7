// Package output writes a command's result where the user asked.
package output

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path, or to stdout when path is "". A regular file
// (or a new one) is replaced atomically, temp file + rename, so a reader
// (node_exporter's textfile collector) never sees a partial file; a
// symlink's target is replaced and the link kept, and the file keeps its
// permissions. Anything else that can be written — /dev/null, a terminal,
// a FIFO — is written in place: a rename would put a regular file where the
// device or pipe was. The process's own stdout or stderr (/dev/stdout,
// /dev/fd/2) is written through the descriptor it already has.
func Write(path string, data []byte) error {
	return Stream(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Stream is Write for output too large to hold: write is called once with
// where the output goes (buffered), and an error it returns leaves a
// regular file as it was.
func Stream(path string, write func(io.Writer) error) error {
	if path == "" {
		return buffered(os.Stdout, write)
	}
	// Stat, not EvalSymlinks: the kernel resolves /proc's fd links, which
	// name a pipe or socket ("pipe:[123]") no path lookup can follow.
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A new file, or a dangling link: create what the link names.
		target, err := danglingTarget(path)
		if err != nil {
			return err
		}
		return replace(path, target, write, 0o644)
	}
	if err != nil {
		return err
	}
	if f := stdio(info); f != nil {
		// Reopening it by name would truncate what `>>` appends to, and a
		// rename would replace the file the shell opened.
		return buffered(f, write)
	}
	switch mode := info.Mode(); {
	case mode.IsRegular():
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return err
		}
		// A rename needs only the directory's permission: without this a
		// read-only file would be replaced where `>` would fail.
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s is not writable: %w", path, reason(err))
		}
		f.Close()
		return replace(path, target, write, mode.Perm())
	case mode.IsDir():
		return fmt.Errorf("%s is a directory; name a file to write", path)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return writeInPlace(path, write)
	case mode&fs.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, not a file uptake can write", path)
	default:
		return fmt.Errorf("%s is not a regular file, device or FIFO uptake can write", path)
	}
}

// stdio is the process's stdout or stderr when info is the same file.
func stdio(info fs.FileInfo) *os.File {
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if fi, err := f.Stat(); err == nil && os.SameFile(fi, info) {
			return f
		}
	}
	return nil
}

// danglingTarget is where writing path creates a file: path itself, or
// what a dangling symlink at path points to.
func danglingTarget(path string) (string, error) {
	if info, err := os.Lstat(path); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	dest, err := os.Readlink(path)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(filepath.Dir(path), dest)
	}
	return dest, nil
}

// buffered calls write with a buffer over w and flushes it.
func buffered(w io.Writer, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := buffered(f, write); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replace writes to a temp file beside target and renames it over
// target; errors name path, as the user gave it, not the temp file.
func replace(path, target string, write func(io.Writer) error, perm fs.FileMode) error {
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return fmt.Errorf("cannot write %s: creating a file in %s: %w", path, dir, reason(err))
	}
	defer os.Remove(tmp.Name())
	if err := buffered(tmp, write); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, reason(err))
	}
	return nil
}

// reason is err without the path an *fs.PathError or *os.LinkError repeats:
// the temp file's, which the user never gave.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
